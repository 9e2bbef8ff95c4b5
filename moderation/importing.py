"""Bulk import of items from CSV, a JSON array or JSON Lines (R10).

A file is parsed and checked completely before anything is written; a bad row is reported with
its line number (or its position in a JSON array) and then nothing of the file is imported.
The same parsing serves the upload page, the ``import_items`` command and the ingest endpoint.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from accounts.models import SocialAccount

from .models import ItemKind
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
_TRUE = {"1", "true", "yes", "ja", "sant"}
_FALSE = {"", "0", "false", "no", "nej", "falskt"}


@dataclass
class ParsedRow:
    line: int
    values: dict


@dataclass
class ParseResult:
    rows: list[ParsedRow] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


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
    if not value:
        return None
    parsed = parse_datetime(str(value).strip())
    if parsed is None:
        raise ValueError
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


def clean_row(raw: dict, where: str) -> tuple[dict | None, list[str]]:
    """Check one row; return its values ready for ``ingest_item`` or the errors."""
    if not isinstance(raw, dict):
        return None, [_row_error(where, _("expected an object with named fields"))]
    errors = []
    values: dict = {}
    unknown = sorted(set(raw) - set(FIELDS) - {"account"})
    if unknown:
        errors.append(_row_error(where, _("unknown fields: %s") % ", ".join(unknown)))
    for name in REQUIRED:
        if not str(raw.get(name) or "").strip():
            errors.append(_row_error(where, _("%s is missing") % name))
    for name in ("platform_id", "author_name", "author_platform_id", "link", "text"):
        value = raw.get(name)
        if value is not None and not isinstance(value, str | int):
            errors.append(_row_error(where, _("%s must be text") % name))
        values[name] = str(value if value is not None else "").strip()
    values["text"] = str(raw.get("text") or "")
    values["parent_platform_id"] = str(raw.get("parent_platform_id") or "").strip()
    kind = str(raw.get("kind") or "").strip()
    if kind and kind not in ItemKind.values:
        errors.append(_row_error(where, _("kind must be one of %s") % ", ".join(ItemKind.values)))
    values["kind"] = kind
    for name in ("published_at", "changed_at"):
        try:
            values[name] = _as_datetime(raw.get(name))
        except (ValueError, TypeError):
            errors.append(_row_error(where, _("%s is not a date and time (ISO 8601)") % name))
    if values.get("published_at") and values["published_at"] > timezone.now():
        errors.append(_row_error(where, _("published_at is in the future")))
    if values.get("published_at") and values["published_at"].year < 2000:
        errors.append(_row_error(where, _("published_at is before 2000")))
    for name in ("by_municipality", "deleted"):
        flag = _as_bool(raw.get(name))
        if flag is None:
            errors.append(_row_error(where, _("%s must be true or false") % name))
        values[name] = bool(flag)
    if values["link"] and not values["link"].startswith(("http://", "https://")):
        errors.append(_row_error(where, _("link must be an http(s) address")))
    return (None if errors else values), errors


def parse_file(content: bytes | str) -> ParseResult:
    """Parse CSV (header row), a JSON array or JSON Lines; errors carry line numbers."""
    result = ParseResult()
    if isinstance(content, bytes):
        try:
            content = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            result.errors.append(_("The file is not UTF-8 text."))
            return result
    stripped = content.lstrip()
    if not stripped:
        result.errors.append(_("The file is empty."))
        return result
    if stripped.startswith("["):
        try:
            data = json.loads(content)
        except json.JSONDecodeError as exc:
            result.errors.append(
                _("Line %(line)d: %(error)s") % {"line": exc.lineno, "error": exc.msg}
            )
            return result
        for position, raw in enumerate(data, start=1):
            _add(result, raw, _("Item %d") % position, position)
    elif stripped.startswith("{"):
        for number, line in enumerate(content.splitlines(), start=1):
            if not line.strip():
                continue
            where = _("Line %d") % number
            try:
                raw = json.loads(line)
            except json.JSONDecodeError as exc:
                result.errors.append(_row_error(where, exc.msg))
                continue
            _add(result, raw, where, number)
    else:
        reader = csv.DictReader(io.StringIO(content))
        missing = [name for name in REQUIRED if name not in (reader.fieldnames or [])]
        if missing:
            result.errors.append(_("Line 1: the header lacks the columns %s") % ", ".join(missing))
            return result
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
    if not result.rows and not result.errors:
        result.errors.append(_("The file holds no items."))
    return result


def _add(result: ParseResult, raw, where: str, line: int) -> None:
    values, errors = clean_row(raw, where)
    if errors:
        result.errors.extend(errors)
    else:
        result.rows.append(ParsedRow(line=line, values=values))


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
                raise ValidationError(
                    _("Line %(line)d: %(error)s")
                    % {"line": row.line, "error": "; ".join(exc.messages)}
                ) from exc
    return results
