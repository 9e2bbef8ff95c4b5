"""Writers for the package's own documents, one record at a time.

Each function takes an ``XmlWriter`` (or a ``HashingFile``) and records from a source; nothing is
collected in memory beyond one record.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable
from functools import lru_cache
from html import escape as html_escape
from typing import Any

from django.utils import timezone

from .stream import HashingFile, XmlWriter, attr, escape, not_xml, text, utc, xml_escaped, xml_text

NAMESPACE = "urn:haparanda-social:archive:1"
UPPRATTAD = "upprättad"
INKOMMEN = "inkommen"


def origin(item: dict[str, Any]) -> str:
    return UPPRATTAD if item.get("by_municipality") else INKOMMEN


def _date(value: dt.date | None) -> str:
    return value.isoformat() if value else ""


def write_account_summary(w: XmlWriter, record: dict[str, Any], tag: str = "account") -> None:
    w.start(tag, {"id": record["id"]})
    _summary_fields(w, record)
    w.end()


def _summary_fields(w: XmlWriter, record: dict[str, Any]) -> None:
    w.element("displayName", record["display_name"])
    w.element(
        "platform", record.get("platform_label", record["platform"]), {"code": record["platform"]}
    )
    w.element("handle", record["handle"])
    w.element("url", record["url"])
    w.element("status", record["status"])
    dept = record["department"]
    w.element("department", dept["name"], {"id": dept["id"], "slug": dept["slug"]})


def write_account(w: XmlWriter, record: dict[str, Any]) -> None:
    w.start("account", {"id": record["id"]})
    _summary_fields(w, record)
    for tag, key in (("purpose", "purpose"), ("audiences", "audiences")):
        w.element(tag, record[key])
    with w.block("goals"):
        for goal in record["goals"]:
            w.element("goal", goal)
    for tag, key in (
        ("plan", "plan"),
        ("tonality", "tonality"),
        ("answers", "answers"),
        ("doesNotAnswer", "does_not_answer"),
    ):
        w.element(tag, record[key])
    w.optional("hoursPerWeek", record["hours_per_week"])
    w.element("publicContact", record["public_contact"])
    w.optional("startsOn", _date(record["starts_on"]))
    w.optional("endsOn", _date(record["ends_on"]))
    w.element("createdAt", utc(record["created_at"]))
    w.optional("approvedAt", utc(record["approved_at"]))
    w.optional("closedAt", utc(record["closed_at"]))
    with w.block("visitorInformation"):
        for field, text in record["visitor"].items():
            w.element("statement", text, {"field": field})
    with w.block("credentialCustody"):
        w.element("location", record["credentials_location"])
        w.element("access", record["credentials_access"])
    with w.block("roles"):
        for role in record["roles"]:
            with w.block("role", {"kind": role["role"]}):
                w.element("person", role["person"])
                w.element("title", role["title"])
                w.element("manager", role["manager"])
                w.element("assignmentStatus", role["assignment_status"])
                w.element("assignmentReference", role["assignment_reference"])
                w.element("from", utc(role["created_at"]))
                w.optional("to", utc(role["ended_at"]))
    w.end()


def write_decisions(w: XmlWriter, decisions: Iterable[dict[str, Any]]) -> int:
    count = 0
    with w.block("decisions"):
        for d in decisions:
            with w.block("decision", {"id": d["id"], "kind": d["kind"]}):
                w.element("label", d["kind_label"])
                w.element("actor", d["actor"])
                w.element("at", utc(d["created_at"]))
                w.element("comment", d["comment"])
                w.element("details", json.dumps(d["details"], ensure_ascii=False, sort_keys=True))
            count += 1
    return count


_t = text  # escaped XML text
_a = attr  # a quoted, escaped XML attribute value


EXACT_IN = "items.jsonl"


# What ``_text`` would change or mark: markup, carriage returns and what XML 1.0 cannot carry.
_ITEM_TEXT_SPECIAL = re.compile("[&<>\r\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _text(indent: str, text: str) -> str:
    """An item's or version's ``<text>``: as it is, or, when it holds characters XML 1.0
    cannot carry, in the escaped form with a reference to the exact text in the JSON lines."""
    if _ITEM_TEXT_SPECIAL.search(text) is None:  # the common text: nothing to change
        return f"{indent}<text>{text}</text>\n"
    if not_xml(text):
        body = escape(xml_escaped(text))
        head = f'{indent}<text encoding="escaped" exactIn="{EXACT_IN}">'
    else:
        body, head = escape(text), f"{indent}<text>"
    if "\r" in body:
        # A parser turns a literal carriage return into a line feed; a reference survives.
        body = body.replace("\r", "&#13;")
    return f"{head}{body}</text>\n"


def _attachments(i: str, attachments: list[dict[str, Any]]) -> list[str]:
    parts = [f"{i}  <attachments>\n"]
    for a in attachments:
        attrs = f"kind={_a(a['kind'])} status={_a(a['status'])}"
        if a.get("file"):
            attrs += (
                f" file={_a(a['file'])} mimeType={_a(a['mime_type'])}"
                f' size="{int(a["size"])}" sha256={_a(a["sha256"])}'
            )
        parts.append(f"{i}    <attachment {attrs}>\n{i}      <url>{_t(a['url'])}</url>\n")
        for tag, key in (
            ("previewUrl", "preview_url"),
            ("title", "title"),
            ("description", "description"),
            ("claimedType", "http_content_type"),
            ("error", "error"),
        ):
            if a.get(key):
                parts.append(f"{i}      <{tag}>{_t(a[key])}</{tag}>\n")
        parts.append(f"{i}    </attachment>\n")
    parts.append(f"{i}  </attachments>\n")
    return parts


def write_item(w: XmlWriter, item: dict[str, Any]) -> int:
    """One item with its versions; returns the number of versions.

    The hottest path of a build: the item is formatted as one string (same output as writing it
    element by element with ``XmlWriter``), every text and attribute escaped."""
    i = "  " * len(w._open)
    scope = item.get("scope", "period")
    scope_attr = f" scope={_a(scope)}" if scope != "period" else ""
    parts = [
        f"{i}<item id={_a(item['id'])} kind={_a(item['kind'])} origin={_a(origin(item))}"
        f"{scope_attr}>\n",
        f"{i}  <platformId>{_t(item['platform_id'])}</platformId>\n",
    ]
    if item.get("parent_id") is not None:
        parts.append(f"{i}  <parentId>{_t(item['parent_id'])}</parentId>\n")
    parts.append(
        f"{i}  <author platformId={_a(item['author_platform_id'])}>"
        f"{_t(item['author_name'])}</author>\n"
    )
    parts.append(_text(f"{i}  ", item["text"]))
    if item["link"]:
        parts.append(f"{i}  <link>{_t(item['link'])}</link>\n")
    for tag, value in (
        ("publishedAt", item["published_at"]),
        ("capturedAt", item["captured_at"]),
        ("deletedByAuthorAt", item.get("deleted_by_author_at")),
        ("removedAt", item.get("removed_at")),
    ):
        if value is not None:  # an xs:dateTime: nothing to escape
            parts.append(f"{i}  <{tag}>{utc(value)}</{tag}>\n")
    parts.append(
        f"{i}  <status>{_t(item['status'])}</status>\n"
        f"{i}  <source>{_t(item['source'])}</source>\n{i}  <flags>\n"
    )
    parts.extend(f"{i}    <flag>{_t(flag)}</flag>\n" for flag in item["flags"])
    parts.append(f"{i}  </flags>\n")
    if item.get("attachments"):
        parts.extend(_attachments(i, item["attachments"]))
    parts.append(f"{i}  <versions>\n")
    for v in item["versions"]:
        number = v.get("number")
        change = v.get("change") or None
        attrs = (f" number={_a(number)}" if number is not None else "") + (
            f" change={_a(change)}" if change is not None else ""
        )
        deleted = "true" if v["deleted"] else "false"
        parts.append(f'{i}    <version{attrs} deleted="{deleted}">\n')
        for tag, value in (("changedAt", v.get("changed_at")), ("recordedAt", v["recorded_at"])):
            if value is not None:
                parts.append(f"{i}      <{tag}>{utc(value)}</{tag}>\n")
        parts.append(_text(f"{i}      ", v["text"]))
        parts.append(f"{i}    </version>\n")
    parts.append(f"{i}  </versions>\n{i}</item>\n")
    w.out.write_text("".join(parts))
    return len(item["versions"])


def write_action(w: XmlWriter, action: dict[str, Any]) -> None:
    attrs = {
        "id": action["id"],
        "itemId": action["item_id"],
        "kind": action.get("kind") or None,
        "outcome": action["outcome"],
    }
    with w.block("action", attrs):
        w.element("actor", action["actor"])
        w.optional("at", utc(action["created_at"]))
        w.element("legalGround", action["legal_ground"])
        w.element("reference", action["reference"])
        w.element("recipient", action["recipient"])
        w.element("replyText", action["reply_text"])
        w.element("comment", action["comment"])
        w.element("responseModelVersion", action["response_model_version"])
        if action.get("path"):
            w.element("path", json.dumps(action["path"], ensure_ascii=False, default=str))
        if action.get("details"):
            details = json.dumps(action["details"], ensure_ascii=False, sort_keys=True, default=str)
            w.element("details", details)


def write_outbound(w: XmlWriter, outbound: dict[str, Any]) -> None:
    attrs = {
        "id": outbound["id"],
        "itemId": outbound["item_id"],
        "moderationActionId": outbound.get("moderation_action_id"),
        "kind": outbound["kind"],
        "status": outbound["status"],
    }
    with w.block("outbound", attrs):
        w.element("requestedBy", outbound["requested_by"])
        w.optional("createdAt", utc(outbound["created_at"]))
        w.optional("doneAt", utc(outbound["done_at"]))
        w.element("confirmedBy", outbound["confirmed_by"])
        w.element("text", outbound["text"])
        w.element("platformUrl", outbound["platform_url"])
        w.element("platformResultId", outbound["platform_result_id"])
        w.element("error", outbound["error"])


def _json_default(value):
    if type(value) is dt.datetime or isinstance(value, dt.datetime):  # the common case first
        return utc(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


# One encoder for every line: ``json.dumps`` with options builds a new one per call. A record is
# a tree of fresh dicts and lists from the source, never circular: the check is left out (it
# costs a lookup per container and changes no output).
_JSONL = json.JSONEncoder(ensure_ascii=False, default=_json_default, check_circular=False)
_JSONL_ASCII = json.JSONEncoder(ensure_ascii=True, default=_json_default, check_circular=False)
# What the JSON lines carry of an attachment: its description, never where it is on disk.
_ATTACHMENT_FIELDS = (
    "kind",
    "status",
    "url",
    "preview_url",
    "title",
    "description",
    "http_content_type",
    "mime_type",
    "size",
    "sha256",
    "file",
    "error",
)


def jsonl_line(record: dict[str, Any]) -> bytes:
    """One item as a line of JSON: the exact text, whatever characters it holds (JSON escapes
    control characters; a line with a lone surrogate is written with ASCII escapes, which
    ``json.loads`` reads back to the same string)."""
    record = {**record, "origin": origin(record)}
    if "attachments" in record:
        record["attachments"] = [
            {k: a.get(k) for k in _ATTACHMENT_FIELDS} for a in record["attachments"]
        ]
    line = _JSONL.encode(record) + "\n"
    try:
        return line.encode("utf-8")
    except UnicodeEncodeError:
        return (_JSONL_ASCII.encode(record) + "\n").encode("ascii")


# --- The human-readable rendering -------------------------------------------------------------
# Swedish: the rendering is the published record for people reading the archive.

_CSS = """
body{font-family:system-ui,Arial,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;
color:#1b1b1b;line-height:1.5}
table{border-collapse:collapse;width:100%}th,td{text-align:left;border-bottom:1px solid #ccc;
padding:.3rem .5rem;vertical-align:top}th{background:#f2f2f2}
.item{border:1px solid #ccc;border-radius:4px;padding:.5rem 1rem;margin:.75rem 0}
.meta{color:#555;font-size:.9rem}.text{white-space:pre-wrap}
dl{display:grid;grid-template-columns:16rem 1fr;gap:.25rem 1rem}dt{font-weight:600}
dd{margin:0;white-space:pre-wrap}
"""


# What ``h`` would change: a text with none of these is written as it is.
_HTML_SPECIAL = re.compile("[&<>\"'\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def h(value) -> str:
    """Escaped text for the HTML rendering: markup in account text stays text."""
    if type(value) is str and _HTML_SPECIAL.search(value) is None:
        return value
    text = xml_text(value)
    if "&" in text or "<" in text or ">" in text or '"' in text or "'" in text:
        return html_escape(text, quote=True)
    return text


def local(value: dt.datetime | None) -> str:
    """Swedish time, minutes: "2026-01-02 03:00" (formatted by hand: this runs per item)."""
    if value is None:
        return ""
    return _local(value, timezone.get_default_timezone())


@lru_cache(maxsize=256)
def _local(value: dt.datetime, zone: dt.tzinfo) -> str:
    t = value.astimezone(zone)
    return f"{t.year:04d}-{t.month:02d}-{t.day:02d} {t.hour:02d}:{t.minute:02d}"


# The structured representation's data folder, from the rendering's index.html.
_TO_REP1 = "../../rep01-structured/data/"
_INLINE = ("image/jpeg", "image/png", "image/gif", "image/webp", "image/avif", "image/bmp")


def _html_attachment(a: dict[str, Any]) -> str:
    label = h(a.get("title") or a.get("url"))
    if a.get("file") and a.get("mime_type") in _INLINE:
        alt = h(a.get("description") or a.get("title") or "Bifogad bild")
        return f'<p><img src="{h(_TO_REP1 + a["file"])}" alt="{alt}" style="max-width:100%"></p>\n'
    if a.get("file"):
        return (
            f'<p class="meta">Bilaga: <a href="{h(_TO_REP1 + a["file"])}">{label}</a> '
            f"({h(a.get('mime_type'))}, {h(a.get('size'))} byte)</p>\n"
        )
    return f'<p class="meta">Bilaga som inte kunde sparas: {label} ({h(a.get("status"))})</p>\n'


class HtmlRendering:
    """Writes ``index.html`` section by section while the other files are written."""

    def __init__(self, out: HashingFile):
        self.out = out

    def w(self, text: str) -> None:
        self.out.write_text(text)

    def header(self, info, record: dict[str, Any]) -> None:
        title = f"{record['display_name']} – {info.period_start} – {info.period_end}"
        self.w(
            '<!doctype html>\n<html lang="sv">\n<head>\n<meta charset="utf-8">\n'
            f"<title>{h(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
        )
        self.w(f"<h1>{h(record['display_name'])}</h1>\n")
        self.w(
            f'<p class="meta">{h(info.creator)} · {h(record["platform_label"])} · '
            f"{h(record['url'])}<br>Period {h(info.period_start)} – {h(info.period_end)} · "
            f"Paket {h(info.package_id)}</p>\n"
        )
        self.w("<h2>Kontot i registret</h2>\n<dl>\n")
        rows = [
            ("Förvaltning", record["department"]["name"]),
            ("Status", record["status"]),
            ("Syfte", record["purpose"]),
            ("Målgrupper", record["audiences"]),
            ("Plan", record["plan"]),
            ("Tonalitet", record["tonality"]),
            ("Kontot svarar på", record["answers"]),
            ("Kontot svarar inte på", record["does_not_answer"]),
            ("Kontaktadress", record["public_contact"]),
            ("Startdatum", _date(record["starts_on"])),
            ("Slutdatum", _date(record["ends_on"])),
        ]
        rows += [("Besöksinformation", text) for text in record["visitor"].values()]
        for label, value in rows:
            self.w(f"<dt>{h(label)}</dt><dd>{h(value)}</dd>\n")
        self.w("</dl>\n<h2>Roller</h2>\n<table>\n<thead><tr><th>Roll</th><th>Person</th>")
        self.w("<th>Chef</th><th>Från</th><th>Till</th></tr></thead>\n<tbody>\n")
        for role in record["roles"]:
            self.w(
                f"<tr><td>{h(role['role'])}</td><td>{h(role['person'])}</td>"
                f"<td>{h(role['manager'])}</td><td>{h(local(role['created_at']))}</td>"
                f"<td>{h(local(role['ended_at']))}</td></tr>\n"
            )
        self.w("</tbody>\n</table>\n")

    def decisions(self, decisions: Iterable[dict[str, Any]]) -> None:
        self.w("<h2>Beslut under perioden</h2>\n<table>\n<thead><tr><th>Tid</th><th>Beslut</th>")
        self.w("<th>Av</th><th>Motivering</th></tr></thead>\n<tbody>\n")
        for d in decisions:
            self.w(
                f"<tr><td>{h(local(d['created_at']))}</td><td>{h(d['kind_label'])}</td>"
                f"<td>{h(d['actor'])}</td><td>{h(d['comment'])}</td></tr>\n"
            )
        self.w("</tbody>\n</table>\n")

    def items_start(self) -> None:
        self.w("<h2>Inlägg, kommentarer och meddelanden</h2>\n")

    def item(self, item: dict[str, Any]) -> None:
        # Times, origin and the fixed Swedish words hold nothing to escape.
        when = local(item["published_at"] or item["captured_at"])
        earlier = " · publicerat före perioden" if item.get("scope") == "earlier" else ""
        parts = [
            f'<article class="item" id="item-{h(item["id"])}">\n'
            f'<p class="meta">{when} · {h(item["kind"])} · {origin(item)} · '
            f"{h(item['author_name'])}{earlier}</p>\n"
            f'<p class="text">{h(item["text"])}</p>\n'
        ]
        for a in item.get("attachments") or ():
            parts.append(_html_attachment(a))
        for v in item["versions"]:
            state = "borttagen av skribenten" if v["deleted"] else "version"
            parts.append(
                f'<p class="meta">{state} {local(v["recorded_at"])}</p>'
                f'<p class="text">{h(v["text"])}</p>\n'
            )
        parts.append("</article>\n")
        self.w("".join(parts))

    def actions_start(self) -> None:
        self.w("<h2>Moderering</h2>\n<table>\n<thead><tr><th>Tid</th><th>Inlägg</th>")
        self.w("<th>Åtgärd</th><th>Lagrum</th><th>Diarienummer</th><th>Av</th></tr></thead>\n")
        self.w("<tbody>\n")

    def action(self, a: dict[str, Any]) -> None:
        self.w(
            f"<tr><td>{h(local(a['created_at']))}</td><td>{h(a['item_id'])}</td>"
            f"<td>{h(a.get('kind', ''))} {h(a['outcome'])}</td><td>{h(a['legal_ground'])}</td>"
            f"<td>{h(a['reference'])}</td><td>{h(a['actor'])}</td></tr>\n"
        )

    def actions_end(self) -> None:
        self.w("</tbody>\n</table>\n")

    def outbound_start(self) -> None:
        self.w("<h2>Åtgärder på plattformen</h2>\n<table>\n<thead><tr><th>Skapad</th>")
        self.w("<th>Inlägg</th><th>Åtgärd</th><th>Status</th><th>Utförd</th><th>Av</th>")
        self.w("</tr></thead>\n<tbody>\n")

    def outbound(self, o: dict[str, Any]) -> None:
        self.w(
            f"<tr><td>{h(local(o['created_at']))}</td><td>{h(o['item_id'])}</td>"
            f"<td>{h(o['kind'])}</td><td>{h(o['status'])}</td>"
            f"<td>{h(local(o['done_at']))}</td>"
            f"<td>{h(o['confirmed_by'] or o['requested_by'])}</td></tr>\n"
        )

    def outbound_end(self) -> None:
        self.w("</tbody>\n</table>\n")

    def evidence_start(self) -> None:
        self.w("<h2>Dokumentation av borttagna inlägg</h2>\n<ul>\n")

    def evidence(self, e: dict[str, Any], folder: str) -> None:
        self.w(
            f"<li>Inlägg {h(e['item_id'])}: kopia tagen {h(local(e['taken_at']))} av "
            f"{h(e['taken_by'])} (../../rep01-structured/data/{h(folder)})</li>\n"
        )

    def footer(self, counts: dict[str, int]) -> None:
        self.w("</ul>\n<h2>Antal</h2>\n<dl>\n")
        for key, value in counts.items():
            self.w(f"<dt>{h(key)}</dt><dd>{h(value)}</dd>\n")
        self.w("</dl>\n</body>\n</html>\n")
