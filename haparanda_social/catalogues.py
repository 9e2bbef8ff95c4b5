"""The public pages' translation catalogues: which strings are public, and reading a .po file.

Finnish (``fi``) and Meänkieli (``fit``) are offered on the public pages only, so their
catalogues hold the public strings and nothing else. The public strings are those whose source
reference (``#:`` line) is one of ``PUBLIC_SOURCES``; ``scripts/check_catalogues.py`` and the tests
use this module to check that every public string is in both catalogues and translated in Finnish.
"""

from __future__ import annotations

import ast
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from django.utils.translation.template import templatize

BASE_DIR = Path(__file__).resolve().parent.parent

# Files whose strings a visitor of the public pages may see (R7, R24, R26, issue #17).
PUBLIC_SOURCES = (
    "templates/base.html",
    "templates/includes/form_fields.html",
    "templates/includes/language_fallback.html",
    "accounts/templates/accounts/public/*.html",
    "accounts/public_views.py",
    "accounts/public_selectors.py",
    "accounts/platforms.py",
    "accounts/visitor_info.py",
    "archiving/templates/archiving/includes/public_snapshots.html",
)

# Model choices that the public pages show (platform "Other", the kinds of archived snapshot);
# their models hold many staff strings besides, so they are named one by one.
PUBLIC_EXTRA_MSGIDS = ("Other", "Yearly", "Closure", "Larger change", "Manual")

# The catalogues (by locale directory) that hold the public strings.
PUBLIC_LOCALE_DIRS = ("locale", "accounts/locale", "archiving/locale")


@dataclass
class Entry:
    msgid: str
    msgstr: list[str]
    msgctxt: str | None = None
    msgid_plural: str | None = None
    references: list[str] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)

    @property
    def key(self) -> tuple[str | None, str]:
        return (self.msgctxt, self.msgid)

    @property
    def translated(self) -> bool:
        return all(self.msgstr) and "fuzzy" not in self.flags


_KEYWORD = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?)\s+(".*")$')


def read_po(path: Path) -> list[Entry]:
    """The entries of a .po file (the header, msgid "", left out)."""
    entries: list[Entry] = []
    current: dict = {}
    last = None

    def finish():
        if current.get("msgid"):
            strs = [v for k, v in sorted(current.items()) if k.startswith("msgstr")]
            entries.append(
                Entry(
                    msgid=current["msgid"],
                    msgstr=strs,
                    msgctxt=current.get("msgctxt"),
                    msgid_plural=current.get("msgid_plural"),
                    references=current.get("refs", []),
                    flags=current.get("flags", []),
                )
            )

    for raw in Path(path).read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#~"):
            continue
        if line.startswith("#"):
            if last is not None and last != "comment":
                finish()
                current, last = {}, None
            if line.startswith("#:"):
                current.setdefault("refs", []).extend(line[2:].split())
            elif line.startswith("#,"):
                current.setdefault("flags", []).extend(f.strip() for f in line[2:].split(","))
            last = "comment" if last is None or last == "comment" else last
            continue
        match = _KEYWORD.match(line)
        if match:
            keyword, value = match.groups()
            if keyword in ("msgctxt", "msgid") and last not in (None, "comment", "msgctxt"):
                finish()
                current = {}
            current[keyword] = ast.literal_eval(value)
            last = keyword
        elif line.startswith('"') and last:
            current[last] += ast.literal_eval(line)
    finish()
    return entries


def catalogue_path(locale_dir: str, language: str) -> Path:
    return BASE_DIR / locale_dir / language / "LC_MESSAGES" / "django.po"


_GETTEXT_NAMES = {
    "_": "gettext",
    "gettext": "gettext",
    "gettext_lazy": "gettext",
    "ngettext": "ngettext",
    "ngettext_lazy": "ngettext",
    "pgettext": "pgettext",
    "pgettext_lazy": "pgettext",
    "npgettext": "npgettext",
    "npgettext_lazy": "npgettext",
}


def _msgids_in_python(code: str) -> set[tuple[str | None, str]]:
    """(msgctxt, msgid) of every gettext call with literal arguments in the code."""
    found = set()
    for node in ast.walk(ast.parse(code)):
        if not isinstance(node, ast.Call):
            continue
        name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
        kind = _GETTEXT_NAMES.get(name)
        args = [a.value for a in node.args if isinstance(a, ast.Constant)]
        if kind is None or not args or not all(isinstance(a, str) for a in args):
            continue
        if kind.startswith(("p", "np")) and len(args) >= 2:
            found.add((args[0], args[1]))
        elif not kind.startswith(("p", "np")):
            found.add((None, args[0]))
    return found


_LITERAL = r"""u(?:'(?:\\.|[^'\\])*'|"(?:\\.|[^"\\])*")"""
_TEMPLATE_CALL = re.compile(rf"\b(n?p?gettext)\(({_LITERAL}(?:\s*,\s*{_LITERAL})*)")


def _msgids_in_template(text: str, origin: Path) -> set[tuple[str | None, str]]:
    """Django's ``templatize`` turns a template into gettext calls, as makemessages does."""
    calls = (f"{m[1]}({m[2]})" for m in _TEMPLATE_CALL.finditer(templatize(text, origin=origin)))
    return _msgids_in_python("\n".join(calls))


def public_source_files() -> list[Path]:
    return sorted({path for pattern in PUBLIC_SOURCES for path in BASE_DIR.glob(pattern)})


def public_msgids() -> set[tuple[str | None, str]]:
    """Every (msgctxt, msgid) a visitor of the public pages can see, read from the sources
    themselves (templates through Django's own ``templatize``, as makemessages does)."""
    found = {(None, msgid) for msgid in PUBLIC_EXTRA_MSGIDS}
    for path in public_source_files():
        text = path.read_text(encoding="utf-8")
        found |= (
            _msgids_in_python(text) if path.suffix == ".py" else _msgids_in_template(text, path)
        )
    return found


def catalogue(language: str) -> dict[tuple[str | None, str], Entry]:
    """The public catalogues of a language, merged (the project's and the apps')."""
    merged: dict[tuple[str | None, str], Entry] = {}
    for locale_dir in PUBLIC_LOCALE_DIRS:
        path = catalogue_path(locale_dir, language)
        if path.exists():
            for entry in read_po(path):
                merged.setdefault(entry.key, entry)
    return merged


def problems() -> list[str]:
    """What keeps the fi and fit catalogues from covering the public pages; empty when none."""
    found = []
    fi, fit = catalogue("fi"), catalogue("fit")
    for key in sorted(public_msgids(), key=lambda k: (k[0] or "", k[1])):
        label = repr(key[1]) if key[0] is None else f"{key[0]!r}|{key[1]!r}"
        if key not in fi or not fi[key].translated:
            found.append(f"fi: not translated: {label}")
        if key not in fit:
            found.append(f"fit: missing: {label}")
    return found


def _msggrep_args() -> list[str]:
    args = []
    for pattern in PUBLIC_SOURCES:
        args += ["-N", pattern]
    for msgid in PUBLIC_EXTRA_MSGIDS:
        args += ["-K", "-e", f"^{msgid}$"]
    return args


if __name__ == "__main__":  # pragma: no cover - used by scripts/
    import django

    sys.path.insert(0, str(BASE_DIR))
    import os

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "haparanda_social.settings")
    django.setup()
    if sys.argv[1:] == ["msggrep-args"]:
        print("\n".join(_msggrep_args()))
    elif sys.argv[1:] == ["check"]:
        errors = problems()
        print("\n".join(errors) or "The fi and fit catalogues cover every public string.")
        sys.exit(1 if errors else 0)
