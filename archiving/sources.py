"""Where a package's records come from: the "section sources".

The package builder never touches models. It asks a source for plain records (dicts) section by
section and streams each one into the package, so memory stays flat however many items there are.
``DatabaseSource`` reads the registry and the moderation app; the memory benchmark and tests can
pass any object with the same methods.

Record shapes (every text is ``str``, every time an aware ``datetime`` or ``None``):

``account_record()``
    id, display_name, platform, handle, url, status, department {id, name, slug}, purpose,
    audiences, goals [str], plan, tonality, answers, does_not_answer, hours_per_week,
    public_contact, starts_on, ends_on, created_at, approved_at, closed_at, visitor {field: text},
    credentials_location, credentials_access, roles [{role, person, title, manager,
    assignment_status, assignment_reference, created_at, ended_at}]
``decisions()``
    id, kind, kind_label, actor, created_at, comment, details (dict)
``items()``
    id, platform_id, kind, parent_id, author_name, author_platform_id, by_municipality (bool),
    text, link, published_at, captured_at, deleted_by_author_at, removed_at, status, source,
    flags [str], scope ("period", or "earlier" for an item published before the period and
    included because something happened to it in the period: then only the versions recorded in
    the period), versions [{number, change, changed_at, recorded_at, text, deleted (bool)}]
    ``by_municipality`` decides the record's origin: *upprättad* (drawn up by the municipality)
    or *inkommen* (received from a visitor), the distinction of the Public Access to Information
    and Secrecy Act (offentlighets- och sekretesslagen).
``moderation_actions()``
    id, item_id, kind, outcome, actor, created_at, legal_ground, reference (diarienummer),
    recipient, reply_text, comment, response_model_version, path [answers], details (dict)
``outbound_actions()``
    id, item_id, moderation_action_id, kind, status, text, requested_by, created_at, done_at,
    confirmed_by, platform_url, platform_result_id, error
``evidence()``
    id, item_id, taken_by, taken_at, data_json (str), rendered_html (str), data_sha256,
    html_sha256

The moderation app's models are looked up lazily, by name, so this module works before they
exist: ``items``, ``moderation_actions`` and ``evidence`` yield nothing while
``apps.get_model("moderation", ...)`` raises ``LookupError``. The moderation fields are mapped to
the record shapes above in ``_item_record``, ``_version_record``, ``_action_record`` and
``_evidence_record`` (with the names of the time and person fields picked in the queries), the
one place to adjust when that app's fields change. A field that is named in a query but missing
makes the build fail loudly (a ``failed`` snapshot with the error), never a silently thin package.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Exists, OuterRef, Prefetch, Q
from django.utils import timezone

CHUNK = 500
# An item published before the period, included because something happened to it in the period.
PERIOD = "period"
EARLIER = "earlier"


def period_bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The period as aware datetimes in the municipality's time: [start 00:00, end+1 00:00)."""
    tz = timezone.get_default_timezone()
    lower = dt.datetime.combine(start, dt.time.min, tzinfo=tz)
    upper = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    return lower, upper


def _name(user) -> str:
    if user is None:
        return ""
    return str(user.get_full_name() or user.get_username())


def _get(obj, *names: str, default: Any = None) -> Any:
    """The first of ``names`` the object has: moderation fields may go by either name."""
    for name in names:
        if hasattr(obj, name):
            value = getattr(obj, name)
            return value() if callable(value) and not hasattr(value, "all") else value
    return default


def _model(name: str):
    try:
        return apps.get_model("moderation", name)
    except LookupError:
        return None


class DatabaseSource:
    """Records of one account for one period, read from the database in chunks."""

    def __init__(self, account, start: dt.date, end: dt.date):
        self.account = account
        self.start = start
        self.end = end
        self.lower, self.upper = period_bounds(start, end)

    # --- registry ---------------------------------------------------------------------------
    def account_record(self) -> dict[str, Any]:
        from accounts.models import SocialAccount

        account = SocialAccount.objects.select_related("department").get(pk=self.account.pk)
        roles = account.roles.select_related("user", "manager").order_by("created_at", "pk")
        return {
            "id": account.pk,
            "display_name": account.display_name,
            "platform": account.platform,
            "platform_label": str(account.get_platform_display()),
            "handle": account.handle,
            "url": account.url,
            "status": account.status,
            "department": {
                "id": account.department_id,
                "name": account.department.name,
                "slug": account.department.slug,
            },
            "purpose": account.purpose,
            "audiences": account.audiences,
            "goals": list(account.goals or []),
            "plan": account.plan,
            "tonality": account.tonality,
            "answers": account.answers,
            "does_not_answer": account.does_not_answer,
            "hours_per_week": (
                str(account.hours_per_week) if account.hours_per_week is not None else ""
            ),
            "public_contact": account.public_contact,
            "starts_on": account.starts_on,
            "ends_on": account.ends_on,
            "created_at": account.created_at,
            "approved_at": account.approved_at,
            "closed_at": account.closed_at,
            "visitor": {name: getattr(account, name) for name in account.VISITOR_FIELDS},
            "credentials_location": account.credentials_location,
            "credentials_access": account.credentials_access,
            "roles": [
                {
                    "role": role.role,
                    "person": _name(role.user),
                    "title": role.user.title,
                    "manager": _name(role.manager),
                    "assignment_status": role.assignment_status,
                    "assignment_reference": role.assignment_reference,
                    "created_at": role.created_at,
                    "ended_at": role.ended_at,
                }
                for role in roles
            ],
        }

    def decisions(self) -> Iterator[dict[str, Any]]:
        from accounts.models import AccountDecision

        qs = (
            AccountDecision.objects.filter(
                account_id=self.account.pk,
                created_at__gte=self.lower,
                created_at__lt=self.upper,
            )
            .select_related("actor")
            .order_by("created_at", "pk")
        )
        for decision in qs.iterator(chunk_size=CHUNK):
            yield {
                "id": decision.pk,
                "kind": decision.kind,
                "kind_label": str(decision.get_kind_display()),
                "actor": _name(decision.actor),
                "created_at": decision.created_at,
                "comment": decision.comment,
                "details": decision.details or {},
            }

    # --- moderation (looked up lazily) ------------------------------------------------------
    def _in_period(self, *time_fields: str) -> Q:
        first, *rest = time_fields
        q = Q(**{f"{first}__gte": self.lower, f"{first}__lt": self.upper})
        for name in rest:
            q |= Q(
                **{f"{first}__isnull": True, f"{name}__gte": self.lower, f"{name}__lt": self.upper}
            )
        return q

    def items(self) -> Iterator[dict[str, Any]]:
        """Every item something happened to in the period: published or first seen in it, or
        from an earlier period with a new version, an action, an outbound action or evidence in
        it. An earlier item is a reference (``scope`` "earlier") that carries only the versions
        recorded in the period; no item carries a version recorded after the period, so a
        package does not depend on when it was built."""
        Item = _model("Item")
        if Item is None:
            return
        happened = self._in_period("published_at", "captured_at")
        for related, at in (
            ("ItemVersion", "recorded_at"),
            ("ModerationAction", "created_at"),
            ("Evidence", "taken_at"),
            ("OutboundAction", "created_at"),
            ("OutboundAction", "done_at"),
        ):
            model = _model(related)
            if model is None or not _has_field(model, at):
                continue
            happened |= Exists(
                model.objects.filter(
                    item=OuterRef("pk"), **{f"{at}__gte": self.lower, f"{at}__lt": self.upper}
                )
            )
        versions = "versions"
        Version = _model("ItemVersion")
        if Version is not None and _has_field(Version, "recorded_at"):
            versions = Prefetch(
                "versions", queryset=Version.objects.filter(recorded_at__lt=self.upper)
            )
        related = [versions]
        # The connectors' attachments and exact texts, by their reverse relations.
        related += [name for name in ("attachments", "exact_texts") if _has_field(Item, name)]
        qs = (
            Item.objects.filter(Q(account_id=self.account.pk) & happened)
            .prefetch_related(*related)
            .order_by("pk")
        )
        for item in qs.iterator(chunk_size=CHUNK):
            record = _item_record(item)
            _with_connector_records(item, record)
            first_seen = record["published_at"] or record["captured_at"]
            if first_seen is not None and first_seen < self.lower:
                record["scope"] = EARLIER
                record["versions"] = [
                    v
                    for v in record["versions"]
                    if v["recorded_at"] is not None and v["recorded_at"] >= self.lower
                ]
            yield record

    def outbound_actions(self) -> Iterator[dict[str, Any]]:
        """Replies, hides, deletes and removal notices asked of the platform, created or done in
        the period."""
        Outbound = _model("OutboundAction")
        if Outbound is None:
            return
        qs = (
            Outbound.objects.filter(
                Q(created_at__gte=self.lower, created_at__lt=self.upper)
                | Q(done_at__gte=self.lower, done_at__lt=self.upper),
                item__account_id=self.account.pk,
            )
            .select_related("requested_by", "confirmed_by")
            .order_by("created_at", "pk")
        )
        for outbound in qs.iterator(chunk_size=CHUNK):
            yield _outbound_record(outbound)

    def moderation_actions(self) -> Iterator[dict[str, Any]]:
        Action = _model("ModerationAction")
        if Action is None:
            return
        at = _field(Action, "created_at", "taken_at", "at")
        related = [n for n in ("actor", "response_model") if _has_field(Action, n)]
        qs = (
            Action.objects.filter(
                item__account_id=self.account.pk,
                **{f"{at}__gte": self.lower, f"{at}__lt": self.upper},
            )
            .select_related(*related)
            .order_by(at, "pk")
        )
        for action in qs.iterator(chunk_size=CHUNK):
            yield _action_record(action)

    def evidence(self) -> Iterator[dict[str, Any]]:
        Evidence = _model("Evidence")
        if Evidence is None:
            return
        at = _field(Evidence, "taken_at", "created_at")
        by = _field(Evidence, "taken_by", "created_by")
        qs = (
            Evidence.objects.filter(
                item__account_id=self.account.pk,
                **{f"{at}__gte": self.lower, f"{at}__lt": self.upper},
            )
            .select_related(by)
            .order_by(at, "pk")
        )
        for evidence in qs.iterator(chunk_size=CHUNK):
            yield _evidence_record(evidence)

    def culling_log(self) -> Iterator[dict[str, Any]]:
        """The culling log's entries of runs in the period, municipality-wide (R22): each
        yearly package documents the culling done in its year."""
        if not apps.is_installed("retention"):
            return
        Entry = apps.get_model("retention", "CullingLogEntry")
        qs = (
            Entry.objects.filter(ran_at__gte=self.lower, ran_at__lt=self.upper)
            .select_related("rule", "approved_by")
            .order_by("ran_at", "pk")
        )
        for entry in qs.iterator(chunk_size=CHUNK):
            rule = entry.rule
            yield {
                "id": entry.pk,
                "run": entry.run_id,
                "information_type": entry.kind,
                "rule": {
                    "version": rule.number,
                    "period_months": rule.period_months,
                    "anchor": rule.anchor,
                    "disposal": rule.disposal,
                    "decision_body": rule.decision_body,
                    "decision_date": rule.decision_date.isoformat(),
                    "decision_reference": rule.decision_reference,
                },
                "records_dated_before": _iso(entry.cutoff),
                "first_record": _iso(entry.first_date),
                "last_record": _iso(entry.last_date),
                "culled": entry.culled,
                "counts": entry.counts,
                "refused": entry.refused,
                "held": entry.held,
                "identifiers_sha256": entry.identifiers_sha256,
                "approved_by": _name(entry.approved_by),
                "approved_at": _iso(entry.approved_at),
                "started_at": _iso(entry.started_at),
                "ran_at": _iso(entry.ran_at),
            }


def _iso(value) -> str | None:
    return value.astimezone(dt.UTC).isoformat() if value is not None else None


def _with_connector_records(item, record: dict[str, Any]) -> None:
    """Attachments (stored ones with their file's path and checksum) and the exact texts: a
    text the database kept with characters replaced is carried as the platform sent it."""
    exact_texts = getattr(item, "exact_texts", None)
    if exact_texts is not None:
        exact = {e.stored_sha256: e.text for e in exact_texts.all()}
        if exact:
            record["text"] = _exact(record["text"], exact)
            for version in record["versions"]:
                version["text"] = _exact(version["text"], exact)
    attachments = getattr(item, "attachments", None)
    if attachments is None:
        return
    from connectors.models import media_file

    record["attachments"] = [
        {
            "kind": str(a.kind),
            "status": str(a.status),
            "url": a.source_url,
            "preview_url": a.preview_url,
            "title": a.title,
            "description": a.description,
            "http_content_type": a.http_content_type,
            "mime_type": a.mime_type,
            "size": a.size,
            "sha256": a.sha256 if a.is_stored else "",
            "path": str(media_file(a.sha256)) if a.is_stored else "",
            "error": a.error,
        }
        for a in sorted(attachments.all(), key=lambda a: (a.position, a.pk))
    ]


def _exact(text: str, exact: dict[str, str]) -> str:
    if "\ufffd" not in text:
        return text
    digest = hashlib.sha256(text.encode("utf-8", errors="surrogatepass")).hexdigest()
    return exact.get(digest, text)


def _has_field(model, name: str) -> bool:
    try:
        model._meta.get_field(name)
    except FieldDoesNotExist:
        return False
    return True


def _field(model, *candidates: str) -> str:
    """The first of ``candidates`` the model has; the first one otherwise, so the query fails
    loudly naming the field we expected."""
    return next((name for name in candidates if _has_field(model, name)), candidates[0])


def _version_record(v) -> dict[str, Any]:
    change = str(_get(v, "change", default="") or "")
    return {
        "number": _get(v, "number"),
        "change": change,
        "changed_at": _get(v, "changed_at"),
        "recorded_at": _get(v, "recorded_at", "captured_at", "created_at"),
        "text": str(_get(v, "text", default="") or ""),
        "deleted": change == "deleted" or bool(_get(v, "deleted", "is_deleted", default=False)),
    }


def _item_record(item) -> dict[str, Any]:
    versions = _get(item, "versions")
    flags = _get(item, "flags", default=None) or []
    if isinstance(flags, dict):
        flags = [name for name, on in flags.items() if on]
    # A flag may be a finding ({"kind": "personnummer", "masked": …}): keep its kind only.
    flags = [str(f.get("kind", "")) if isinstance(f, dict) else str(f) for f in flags]
    if _get(item, "has_personal_data", default=False) and "personal_data" not in flags:
        flags.append("personal_data")
    return {
        "id": item.pk,
        "platform_id": str(_get(item, "platform_id", default="") or ""),
        "kind": str(_get(item, "kind", default="") or ""),
        "parent_id": _get(item, "parent_id"),
        "author_name": str(_get(item, "author_name", default="") or ""),
        "author_platform_id": str(_get(item, "author_platform_id", default="") or ""),
        "by_municipality": bool(_get(item, "by_municipality", "is_own", default=False)),
        "text": str(_get(item, "text", default="") or ""),
        "link": str(_get(item, "link", "url", default="") or ""),
        "published_at": _get(item, "published_at"),
        "captured_at": _get(item, "captured_at"),
        "deleted_by_author_at": _get(item, "deleted_by_author_at"),
        "removed_at": _get(item, "removed_at"),
        "status": str(_get(item, "status", default="") or ""),
        "source": str(_get(item, "source", default="") or ""),
        "flags": flags,
        "scope": PERIOD,
        "versions": sorted(
            (_version_record(v) for v in (versions.all() if versions is not None else [])),
            key=lambda v: (v["number"] is None, v["number"] or 0),
        ),
    }


def _outbound_record(outbound) -> dict[str, Any]:
    return {
        "id": outbound.pk,
        "item_id": outbound.item_id,
        "moderation_action_id": outbound.moderation_action_id,
        "kind": str(outbound.kind),
        "status": str(outbound.status),
        "text": outbound.text or "",
        "requested_by": _name(outbound.requested_by),
        "created_at": outbound.created_at,
        "done_at": outbound.done_at,
        "confirmed_by": _name(outbound.confirmed_by),
        "platform_url": _get(outbound, "platform_url", default="") or "",
        "platform_result_id": outbound.platform_result_id or "",
        "error": outbound.error or "",
    }


def _action_record(action) -> dict[str, Any]:
    details = _get(action, "details", default=None) or {}
    if not isinstance(details, dict):
        details = {"value": details}
    response_model = _get(action, "response_model")
    return {
        "id": action.pk,
        "item_id": _get(action, "item_id"),
        "kind": str(_get(action, "kind", default="") or ""),
        "outcome": str(_get(action, "outcome", default="") or ""),
        "actor": _name(_get(action, "actor")),
        "created_at": _get(action, "created_at", "at"),
        "legal_ground": str(
            details.get("legal_ground") or _get(action, "legal_ground", default="") or ""
        ),
        "reference": str(
            details.get("diarienummer") or _get(action, "reference", default="") or ""
        ),
        "recipient": str(details.get("recipient") or _get(action, "recipient", default="") or ""),
        "reply_text": str(_get(action, "reply_text", default="") or ""),
        "comment": str(_get(action, "reason", "comment", default="") or ""),
        "response_model_version": str(_get(response_model, "number", default="") or "")
        if response_model is not None
        else "",
        "path": _get(action, "path", default=None) or [],
        "details": details,
    }


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def _evidence_record(evidence) -> dict[str, Any]:
    return {
        "id": evidence.pk,
        "item_id": _get(evidence, "item_id"),
        "taken_by": _name(_get(evidence, "taken_by", "created_by")),
        "taken_at": _get(evidence, "taken_at", "created_at"),
        "data_json": _as_text(_get(evidence, "data_json", "data")),
        "rendered_html": _as_text(_get(evidence, "rendered_html", "html")),
        "data_sha256": str(_get(evidence, "data_sha256", default="") or ""),
        "html_sha256": str(_get(evidence, "html_sha256", default="") or ""),
    }
