"""Bulk import of items from CSV, a JSON array or JSON Lines (R10).

A file is parsed and checked completely before anything is written; a bad row is reported with
its line number (or its position in a JSON array) and the field, and then nothing of the file is
imported. The same parsing serves the upload page, the ``import_items`` command and the ingest
endpoint, so hostile input (over-long ids, NUL characters, JSON nested a hundred thousand deep)
gets the same clear answer everywhere instead of a server error.

CSV may be separated by commas or by semicolons (what Excel writes with Swedish settings), with
or without a UTF-8 byte order mark; the result says which separator was read.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from accounts.models import SocialAccount
from accounts.selectors import account_by_address

from .models import Item, ItemKind
from .services import IngestResult, ingest_item

FIELDS = (
    "platform_id",
    "kind",
    "author_name",
    "author_platform_id",
    "text",
    "link",
    "published_at",
    "parent_platform_id",
    "by_municipality",
    "deleted",
    "changed_at",
)
REQUIRED = ("platform_id", "kind", "author_name", "published_at")
TEXT_FIELDS = (
    "platform_id",
    "author_name",
    "author_platform_id",
    "link",
    "text",
    "parent_platform_id",
)
# The columns' own limits, so that a value too long is refused here with its field named
# rather than by the database.
MAX_LENGTHS = {
    "platform_id": Item._meta.get_field("platform_id").max_length,
    "author_name": Item._meta.get_field("author_name").max_length,
    "author_platform_id": Item._meta.get_field("author_platform_id").max_length,
    "parent_platform_id": Item._meta.get_field("platform_id").max_length,
    "link": Item._meta.get_field("link").max_length,
}
# A platform's clock and ours differ a little; a change time further ahead than this is wrong
# and would make every later change look stale.
CLOCK_SKEW = dt.timedelta(minutes=5)
_TRUE = {"1", "true", "yes", "ja", "sant"}
_FALSE = {"", "0", "false", "no", "nej", "falskt"}
_SCALARS = (str, int, float, bool, type(None))


@dataclass
class ParsedRow:
    line: int
    values: dict
    where: str = ""


@dataclass
class ParseResult:
    rows: list[ParsedRow] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    # How the file was read, for the person: "CSV separated by semicolons", "a JSON array"…
    read_as: str = ""


class JsonTooDeep(ValueError):
    """JSON nested deeper than the parser follows; ``path`` leads to where it gets too deep,
    e.g. ``["items", 2, "text"]``, so the message can name the item and the field."""

    def __init__(self, path: list):
        self.path = path
        super().__init__(_("the JSON is nested too deeply"))


def load_json(text: str):
    """``json.loads`` whose every refusal is a ``ValueError`` with a message for a person:
    nesting too deep for the parser is a ``RecursionError`` and a number of more than 4 300
    digits a bare ``ValueError`` in plain ``json.loads``, and neither may become a 500."""
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        raise
    except RecursionError:
        raise JsonTooDeep(_deep_path(text)) from None
    except ValueError as exc:
        raise ValueError(_("the JSON holds a number too long to read")) from exc


# No item needs more than a few levels; past this the structure is hostile or broken.
_REPORT_DEPTH = 100
_JSON_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}:,]')


def _deep_path(text: str) -> list:
    """The keys and positions leading to where ``text`` nests past ``_REPORT_DEPTH``: a scan
    of strings and brackets only, run just when the parser has given up."""
    stack: list[list] = []  # [kind, index or key, expecting a key]
    for match in _JSON_TOKENS.finditer(text):
        piece = match.group()
        if piece in "[{":
            if len(stack) >= _REPORT_DEPTH:
                break
            stack.append(["[", 0, False] if piece == "[" else ["{", None, True])
        elif piece in "]}":
            if stack:
                stack.pop()
        elif not stack:
            continue
        elif piece == ",":
            if stack[-1][0] == "[":
                stack[-1][1] += 1
            else:
                stack[-1][2] = True
        elif piece == ":":
            stack[-1][2] = False
        elif stack[-1][0] == "{" and stack[-1][2]:
            try:
                stack[-1][1] = json.loads(piece)
            except ValueError:
                stack[-1][1] = "?"
    return [frame[1] for frame in stack if frame[1] is not None]


def where_too_deep(path: list, *, items_key: str | None = "items") -> tuple[int, str] | None:
    """(item position from 1, field) for a path into a body of items, when it names one.
    ``items_key`` None means the document itself is the list of items (a JSON array)."""
    if items_key is None:
        rest = path
    elif len(path) >= 2 and path[0] == items_key and isinstance(path[1], int):
        rest = path[1:]
    else:
        # A single item at the top: its first key is the field.
        return (1, str(path[0])[:50]) if path and isinstance(path[0], str) else None
    if not rest or not isinstance(rest[0], int):
        return None
    field_name = str(rest[1])[:50] if len(rest) > 1 and isinstance(rest[1], str) else ""
    return rest[0] + 1, field_name


def json_error(exc: ValueError, *, items_key: str | None = "items", label: str = "") -> str:
    """The message for a JSON refusal; nesting too deep names the item and field it is in."""
    if isinstance(exc, json.JSONDecodeError):
        return _("Line %(line)d: %(error)s") % {"line": exc.lineno, "error": exc.msg}
    if isinstance(exc, JsonTooDeep):
        found = where_too_deep(exc.path, items_key=items_key)
        if found is not None:
            where = (label or _("Item %d")) % found[0]
            if found[1]:
                return _row_error(where, _("%s is nested too deeply") % found[1])
            return _row_error(where, str(exc))
    return str(exc)


def text_problem(value: str) -> str | None:
    """Why a text cannot be stored as it is, or None: PostgreSQL refuses the NUL character,
    and a lone surrogate (possible in JSON's escapes) is not a character at all."""
    if "\x00" in value:
        return _("contains a NUL character (\\u0000)")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return _("contains an invalid character (a lone surrogate)")
    return None


def _row_error(where: str, message: str) -> str:
    return f"{where}: {message}"


def _as_bool(value) -> bool | None:
    if isinstance(value, bool):
        return value
    text = str(value if value is not None else "").strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    return None


def _as_datetime(value):
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str):
        # A number or a boolean is no ISO 8601 time (and 0 must not pass as "not given").
        raise ValueError
    parsed = parse_datetime(value.strip())
    if parsed is None:
        raise ValueError
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    # In UTC, so that a time at the edge of the calendar fails here (OverflowError), not when
    # it is compared or saved.
    return parsed.astimezone(dt.UTC)


def clean_row(raw: dict, where: str) -> tuple[dict | None, list[str]]:
    """Check one row; return its values ready for ``ingest_item`` or the errors, each naming
    the row and the field."""
    if not isinstance(raw, dict):
        return None, [_row_error(where, _("expected an object with named fields"))]
    errors = []
    values: dict = {}
    unknown = sorted(set(raw) - set(FIELDS) - {"account"})
    if unknown:
        names = ", ".join(name[:50] for name in unknown[:10])
        errors.append(_row_error(where, _("unknown fields: %s") % names))
    raw = {name: raw.get(name) for name in FIELDS}
    for name, value in raw.items():
        if not isinstance(value, _SCALARS):
            # Never str() a list or object: one nested deep enough breaks repr itself.
            errors.append(_row_error(where, _("%s must be text, not a list or object") % name))
            raw[name] = None
        elif isinstance(value, str) and (problem := text_problem(value)):
            errors.append(_row_error(where, f"{name} {problem}"))
            raw[name] = None
        elif name in REQUIRED and (value is None or not str(value).strip()):
            errors.append(_row_error(where, _("%s is missing") % name))
    for name in TEXT_FIELDS:
        value = raw.get(name)
        text = "" if value is None else str(value)
        values[name] = text if name == "text" else text.strip()
        limit = MAX_LENGTHS.get(name)
        if limit and len(values[name]) > limit:
            errors.append(
                _row_error(
                    where,
                    _("%(field)s is longer than %(limit)d characters (%(length)d)")
                    % {"field": name, "limit": limit, "length": len(values[name])},
                )
            )
    kind = str(raw.get("kind") if raw.get("kind") is not None else "").strip()
    if kind and kind not in ItemKind.values:
        errors.append(_row_error(where, _("kind must be one of %s") % ", ".join(ItemKind.values)))
    values["kind"] = kind
    for name in ("published_at", "changed_at"):
        try:
            values[name] = _as_datetime(raw.get(name))
        except (ValueError, TypeError, OverflowError):
            errors.append(_row_error(where, _("%s is not a date and time (ISO 8601)") % name))
            values[name] = None
    if values.get("published_at") and values["published_at"] > timezone.now():
        errors.append(_row_error(where, _("published_at is in the future")))
    if values.get("published_at") and values["published_at"].year < 2000:
        errors.append(_row_error(where, _("published_at is before 2000")))
    if values.get("changed_at") and values["changed_at"] > timezone.now() + CLOCK_SKEW:
        errors.append(_row_error(where, _("changed_at is in the future")))
    if values.get("changed_at") and values["changed_at"].year < 2000:
        errors.append(_row_error(where, _("changed_at is before 2000")))
    for name in ("by_municipality", "deleted"):
        flag = _as_bool(raw.get(name))
        if flag is None:
            errors.append(_row_error(where, _("%s must be true or false") % name))
        values[name] = bool(flag)
    if values["link"] and not values["link"].startswith(("http://", "https://")):
        errors.append(_row_error(where, _("link must be an http(s) address")))
    return (None if errors else values), errors


def parse_file(content: bytes | str) -> ParseResult:
    """Parse CSV (header row, comma or semicolon), a JSON array or JSON Lines; errors carry
    line numbers or positions, and ``read_as`` says how the file was read."""
    result = ParseResult()
    if isinstance(content, bytes):
        try:
            content = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            result.errors.append(_("The file is not UTF-8 text."))
            return result
    content = content.removeprefix("\ufeff")
    stripped = content.lstrip()
    if not stripped:
        result.errors.append(_("The file is empty."))
        return result
    if stripped.startswith("["):
        result.read_as = _("a JSON array")
        try:
            data = load_json(content)
        except ValueError as exc:
            result.errors.append(json_error(exc, items_key=None))
            return result
        if not isinstance(data, list):
            result.errors.append(_("The file is not a JSON array."))
            return result
        for position, raw in enumerate(data, start=1):
            _add(result, raw, _("Item %d") % position, position)
    elif stripped.startswith("{"):
        result.read_as = _("JSON Lines")
        for number, line in enumerate(content.splitlines(), start=1):
            if not line.strip():
                continue
            where = _("Line %d") % number
            try:
                raw = load_json(line)
            except json.JSONDecodeError as exc:
                result.errors.append(_row_error(where, exc.msg))
                continue
            except JsonTooDeep as exc:
                found = where_too_deep(exc.path, items_key="")
                field_name = found[1] if found else ""
                message = _("%s is nested too deeply") % field_name if field_name else str(exc)
                result.errors.append(_row_error(where, message))
                continue
            except ValueError as exc:
                result.errors.append(_row_error(where, str(exc)))
                continue
            _add(result, raw, where, number)
    else:
        _parse_csv(content, result)
    if not result.rows and not result.errors:
        result.errors.append(_("The file holds no items."))
    return result


def _csv_delimiter(header: str) -> str:
    """Comma or semicolon: the one that splits the header row into more known columns.
    Swedish Excel writes semicolons, because the comma is the Swedish decimal sign."""
    known = set(FIELDS)
    by_semicolon = sum(1 for name in header.split(";") if name.strip(' "') in known)
    by_comma = sum(1 for name in header.split(",") if name.strip(' "') in known)
    return ";" if by_semicolon > by_comma else ","


def _parse_csv(content: str, result: ParseResult) -> None:
    header = content.lstrip().partition("\n")[0]
    delimiter = _csv_delimiter(header)
    result.read_as = (
        _("CSV separated by semicolons (;)")
        if delimiter == ";"
        else _("CSV separated by commas (,)")
    )
    reader = csv.DictReader(io.StringIO(content), delimiter=delimiter)
    try:
        fieldnames = [name.strip() for name in reader.fieldnames or []]
    except csv.Error as exc:
        result.errors.append(_("Line %(line)d: %(error)s") % {"line": 1, "error": exc})
        return
    reader.fieldnames = fieldnames
    missing = [name for name in REQUIRED if name not in fieldnames]
    if missing:
        result.errors.append(
            _("Line 1: the header lacks the columns %(columns)s (read as %(read_as)s)")
            % {"columns": ", ".join(missing), "read_as": result.read_as}
        )
        return
    try:
        for raw in reader:
            where = _("Line %d") % reader.line_num
            if None in raw:
                result.errors.append(_row_error(where, _("more values than columns")))
                continue
            _add(result, raw, where, reader.line_num)
    except csv.Error as exc:
        result.errors.append(
            _("Line %(line)d: %(error)s") % {"line": reader.line_num, "error": exc}
        )


def _add(result: ParseResult, raw, where: str, line: int) -> None:
    values, errors = clean_row(raw, where)
    if errors:
        result.errors.extend(errors)
    else:
        result.rows.append(ParsedRow(line=line, values=values, where=where))


def import_rows(
    *, account: SocialAccount, rows: list[ParsedRow], source: str, actor=None
) -> list[IngestResult]:
    """Ingest every row in one transaction: all of the file or none of it."""
    results = []
    with transaction.atomic():
        for row in rows:
            try:
                results.append(
                    ingest_item(account=account, source=source, actor=actor, **row.values)
                )
            except ValidationError as exc:
                where = row.where or _("Line %d") % row.line
                raise ValidationError(_row_error(where, "; ".join(exc.messages))) from exc
    return results


# --- The ingest endpoint's body -----------------------------------------------------------------

API_SOURCES = ("api", "facebook", "instagram", "mastodon")


@dataclass
class IngestBatch:
    source: str = "api"
    # (position, account, values) of every item that passed its checks.
    items: list[tuple[int, SocialAccount, dict]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    count: int = 0


def parse_ingest_body(body: bytes) -> IngestBatch:
    """Check the endpoint's body (one item, or ``{"items": [...]}`` with ``account`` and
    ``source`` at the top or per item) completely; every error names the item's position and
    the field."""
    batch = IngestBatch()
    try:
        payload = load_json(body.decode("utf-8"))
    except UnicodeDecodeError as exc:
        batch.errors.append(_("The body is not UTF-8 text (byte %d).") % (exc.start + 1))
        return batch
    except JsonTooDeep as exc:
        batch.errors.append(json_error(exc))
        return batch
    except ValueError as exc:
        batch.errors.append(_("The body is not JSON: %s") % json_error(exc))
        return batch
    if not isinstance(payload, dict):
        batch.errors.append(_("The body must be a JSON object."))
        return batch
    entries = payload.get("items", [payload])
    if not isinstance(entries, list) or not entries:
        batch.errors.append(_("items must be a non-empty list."))
        return batch
    batch.count = len(entries)
    source = payload.get("source", "api")
    if not isinstance(source, str) or source not in API_SOURCES:
        batch.errors.append(_("source must be one of %s.") % ", ".join(API_SOURCES))
        return batch
    batch.source = source
    top_account = payload.get("account")
    accounts: dict[str, SocialAccount | None] = {}
    for position, entry in enumerate(entries, start=1):
        where = _("Item %d") % position
        if not isinstance(entry, dict):
            batch.errors.append(_row_error(where, _("expected an object with named fields")))
            continue
        address = entry.get("account", top_account)
        account = None
        if not isinstance(address, str) or not address.strip():
            batch.errors.append(
                _row_error(where, _("account is missing (the account's address as text)"))
            )
        elif problem := text_problem(address):
            batch.errors.append(_row_error(where, f"account {problem}"))
        elif len(address) > MAX_LENGTHS["link"]:
            batch.errors.append(
                _row_error(where, _("account is longer than %d characters") % MAX_LENGTHS["link"])
            )
        else:
            address = address.strip()
            if address not in accounts:
                accounts[address] = account_by_address(address, SocialAccount.objects.active())
            account = accounts[address]
            if account is None:
                batch.errors.append(
                    _row_error(where, _("no active account has the address %s") % address)
                )
        values, row_errors = clean_row(
            {k: v for k, v in entry.items() if k not in ("account", "source")}, where
        )
        batch.errors.extend(row_errors)
        if values is not None and account is not None:
            batch.items.append((position, account, values))
    return batch
