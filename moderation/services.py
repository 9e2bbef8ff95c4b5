"""Every write of the moderation app (house rule: services own writes).

Each function is keyword-only, runs in one transaction, checks the current state and writes an
append-only record of who, when, what and why (R23).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F, Max, Q, Value
from django.db.models.functions import Coalesce
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import Department, Role, SocialAccount, User
from accounts.selectors import communicator_emails

from .models import (
    OPEN_STATUSES,
    ActionKind,
    Claim,
    DailyCheck,
    Evidence,
    IngestToken,
    Item,
    ItemKind,
    ItemSource,
    ItemStatus,
    ItemVersion,
    ModerationAction,
    ResponseModelVersion,
    VersionChange,
    sha256_hex,
)
from .page_cache import moderation_changed
from .personal_data import find_personal_data
from .replies import sign
from .response_model import (
    DEFAULT_TREE,
    REMOVING_OUTCOMES,
    InvalidPath,
    LegalGround,
    Outcome,
    ground_basis,
    validate_tree,
    walk,
)
from .workdays import is_working_day, local_today


class ItemAlreadyHandled(Exception):
    """Someone else handled the item first; nothing of this attempt was saved."""


class EvidenceNotVerified(Exception):
    """The evidence is missing, belongs to another item or its hashes do not match."""


# --- Ingest (R10, R16) ------------------------------------------------------------------------


@dataclass
class IngestResult:
    item: Item
    created: bool
    changed: bool


def _flags_for(text: str) -> list[dict]:
    return [finding.as_flag() for finding in find_personal_data(text)]


def ingest_item(
    *,
    account: SocialAccount,
    platform_id: str,
    kind: str,
    author_name: str,
    text: str,
    published_at: dt.datetime,
    source: str,
    link: str = "",
    author_platform_id: str = "",
    by_municipality: bool = False,
    parent_platform_id: str = "",
    deleted: bool = False,
    changed_at: dt.datetime | None = None,
    actor: User | None = None,
) -> IngestResult:
    """Create or update an item, idempotently by (account, platform id).

    The same data again changes nothing; a new text or link is an edit and makes a new version;
    ``deleted`` records the author's deletion as a version and keeps the item.

    Changes are ordered by the platform's own time (``changed_at``), not by arrival: Meta
    redelivers for hours and out of order, so a change no newer than the latest version is
    stale and changes nothing (no false "edited" version, no older text over a newer one).
    Without a platform time the arrival is the time.
    """
    if kind not in ItemKind.values:
        raise ValidationError({"kind": _("Unknown kind of item.")})
    if source not in ItemSource.values:
        raise ValidationError({"source": _("Unknown source.")})
    platform_id = platform_id.strip()
    if not platform_id:
        raise ValidationError({"platform_id": _("The platform id is missing.")})
    _check_storable(
        platform_id=platform_id,
        author_name=author_name,
        author_platform_id=author_platform_id,
        parent_platform_id=parent_platform_id,
        link=link,
        text=text,
    )
    now = timezone.now()
    fields = {
        "account": account,
        "platform_id": platform_id,
        "kind": kind,
        "author_name": author_name,
        "text": text,
        "published_at": published_at,
        "source": source,
        "link": link,
        "author_platform_id": author_platform_id,
        "by_municipality": by_municipality,
        "parent_platform_id": parent_platform_id,
        "deleted": deleted,
        "changed_at": changed_at or now,
        # First seen through a later change (an "edited" delivered before its "add"): the text
        # we have is the one of that time, so an older delivery must count as stale.
        "first_seen_at": max(published_at, changed_at) if changed_at else published_at,
        "actor": actor,
        "now": now,
    }
    try:
        with transaction.atomic():
            return _ingest_locked(**fields)
    except IntegrityError:
        # Two deliveries of a new item raced; the other one created it, so this is an update.
        with transaction.atomic():
            return _ingest_locked(**fields)


def _check_storable(**texts: str) -> None:
    """Refuse, naming the field, what the database would refuse with a server error: a value
    longer than its column, a NUL character or a lone surrogate."""
    errors = {}
    for name, value in texts.items():
        column = "platform_id" if name == "parent_platform_id" else name
        limit = Item._meta.get_field(column).max_length
        if limit and len(value) > limit:
            errors[name] = gettext("Longer than %(limit)d characters.") % {"limit": limit}
        elif "\x00" in value:
            errors[name] = gettext("Contains a NUL character.")
        else:
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                errors[name] = gettext("Contains an invalid character (a lone surrogate).")
    if errors:
        raise ValidationError(errors)


def _ingest_locked(
    *,
    account,
    platform_id,
    kind,
    author_name,
    text,
    published_at,
    source,
    link,
    author_platform_id,
    by_municipality,
    parent_platform_id,
    deleted,
    changed_at,
    first_seen_at,
    actor,
    now,
) -> IngestResult:
    item = Item.objects.select_for_update().filter(account=account, platform_id=platform_id).first()
    if item is None:
        parent = None
        if parent_platform_id:
            parent = Item.objects.filter(account=account, platform_id=parent_platform_id).first()
        flags = _flags_for(text)
        item = Item.objects.create(
            account=account,
            platform_id=platform_id,
            kind=kind,
            parent=parent,
            author_name=author_name,
            author_platform_id=author_platform_id,
            by_municipality=by_municipality,
            text=text,
            link=link,
            published_at=published_at,
            captured_at=now,
            source=source,
            flags=flags,
            has_personal_data=bool(flags),
            # What the municipality itself wrote needs no triage.
            status=ItemStatus.HANDLED if by_municipality else ItemStatus.NEW,
            deleted_by_author_at=changed_at if deleted else None,
        )
        ItemVersion.objects.create(
            item=item,
            number=1,
            change=VersionChange.CREATED,
            text=text,
            link=link,
            changed_at=published_at if deleted else first_seen_at,
        )
        if deleted:
            ItemVersion.objects.create(
                item=item,
                number=2,
                change=VersionChange.DELETED,
                text=text,
                link=link,
                changed_at=changed_at,
            )
        ModerationAction.objects.create(
            item=item,
            kind=ActionKind.RECEIVED,
            actor=actor,
            details={"source": source, "flags": flags},
        )
        return IngestResult(item=item, created=True, changed=True)

    changed = False
    latest = item.versions.aggregate(n=Max("number"), at=Max("changed_at"))
    number = latest["n"] or 0
    update_fields: list[str] = []
    if (
        (text != item.text or link != item.link)
        and item.deleted_by_author_at is None
        and _is_newer(item, changed_at=changed_at, latest_at=latest["at"], text=text, link=link)
    ):
        number += 1
        ItemVersion.objects.create(
            item=item,
            number=number,
            change=VersionChange.EDITED,
            text=text,
            link=link,
            changed_at=changed_at,
        )
        item.text, item.link = text, link
        flags = _flags_for(text)
        # Keep what an earlier version revealed: removing a personnummer by editing does not
        # remove it from the record, which still needs review.
        new_flags = [f for f in flags if f not in item.flags]
        merged = item.flags + new_flags
        item.flags, item.has_personal_data = merged, bool(merged)
        update_fields += ["text", "link", "flags", "has_personal_data"]
        changed = True
        if new_flags and not item.is_open and item.removed_at is None and not item.by_municipality:
            # An item judged harmless that is edited to hold personal data must be seen again.
            item.status = ItemStatus.NEW
            update_fields.append("status")
            ModerationAction.objects.create(
                item=item,
                kind=ActionKind.REOPENED,
                actor=actor,
                reason="Personuppgifter tillkom när författaren redigerade inlägget.",
                details={"version": number, "flags": new_flags},
            )
    if deleted and item.deleted_by_author_at is None:
        number += 1
        ItemVersion.objects.create(
            item=item,
            number=number,
            change=VersionChange.DELETED,
            text=item.text,
            link=item.link,
            changed_at=changed_at,
        )
        item.deleted_by_author_at = changed_at
        update_fields.append("deleted_by_author_at")
        changed = True
    if update_fields:
        item.save(update_fields=update_fields)
    return IngestResult(item=item, created=False, changed=changed)


def _is_newer(item: Item, *, changed_at, latest_at, text: str, link: str) -> bool:
    """Whether a differing text is the author's newer version rather than a stale or repeated
    delivery. At the same second as the latest version, a text already recorded then is a
    repeat (a redelivered "add" after an "edit" in the same second)."""
    if latest_at is None or changed_at > latest_at:
        return True
    if changed_at < latest_at:
        return False
    return not item.versions.filter(changed_at=changed_at, text=text, link=link).exists()


# --- Response model (R12) ---------------------------------------------------------------------


def response_model_ensure_default() -> ResponseModelVersion:
    """The current version, publishing the default tree first if none exists yet."""
    current = ResponseModelVersion.objects.order_by("-number").first()
    if current is not None:
        return current
    try:
        with transaction.atomic():
            return ResponseModelVersion.objects.create(
                number=1, tree=DEFAULT_TREE, note="Standardmodellen (Appendix 1)."
            )
    except IntegrityError:
        return ResponseModelVersion.objects.order_by("-number").first()


def response_model_publish(*, tree: dict, actor: User, note: str) -> ResponseModelVersion:
    validate_tree(tree)
    with transaction.atomic():
        latest = ResponseModelVersion.objects.aggregate(n=Max("number"))["n"] or 0
        return ResponseModelVersion.objects.create(
            number=latest + 1, tree=tree, note=note, published_by=actor
        )


# --- Triage and outcomes (R12–R15) -------------------------------------------------------------

# The fields each outcome cannot do without; forms mark them required and the service refuses.
REQUIRED_FIELDS: dict[str, tuple[str, ...]] = {
    Outcome.ANSWER: ("reply_text",),
    Outcome.THANK: ("reply_text",),
    Outcome.CORRECT_FACTS: ("reply_text", "source_url"),
    Outcome.RECTIFY: ("reply_text",),
    Outcome.FORWARD_FOR_ANSWER: ("recipient", "reply_text"),
    Outcome.REFER_FAULT_REPORT: ("reply_text",),
    Outcome.REFER_INDIVIDUAL_CASE: ("reply_text",),
    Outcome.FORWARD_TO_DEPARTMENT: ("department", "recipient", "reply_text"),
    Outcome.REMOVE: ("legal_ground", "visitor_notice"),
    Outcome.MONITOR: (),
    Outcome.LET_STAND: (),
}
# The fields each outcome shows, required or not.
OUTCOME_FIELDS: dict[str, tuple[str, ...]] = {
    Outcome.ANSWER: ("reply_text",),
    Outcome.THANK: ("reply_text",),
    Outcome.CORRECT_FACTS: ("reply_text", "source_url"),
    Outcome.RECTIFY: ("reply_text",),
    Outcome.FORWARD_FOR_ANSWER: ("recipient", "reply_text"),
    Outcome.REFER_FAULT_REPORT: ("reply_text", "recipient"),
    Outcome.REFER_INDIVIDUAL_CASE: ("reply_text", "recipient"),
    Outcome.FORWARD_TO_DEPARTMENT: (
        "department",
        "recipient",
        "diarienummer",
        "reply_text",
        "reason",
    ),
    Outcome.REMOVE: ("legal_ground", "visitor_notice", "reason", "police_report"),
    Outcome.MONITOR: ("troll", "reason"),
    Outcome.LET_STAND: ("reason",),
}

_MISSING = {
    "reply_text": _("Write the reply that will be published."),
    "source_url": _("Give the source of the correct facts, haparanda.se first."),
    "recipient": _("Say who the item is forwarded to."),
    "department": _("Choose the department the report is forwarded to."),
    "legal_ground": _("Choose the legal ground for the removal."),
    "visitor_notice": _("Write the notice that tells the visitor the item was removed."),
}


def triage_item(
    *,
    item: Item,
    actor: User,
    response_model: ResponseModelVersion,
    answers: list[str],
    reply_text: str = "",
    source_url: str = "",
    recipient: str = "",
    department: Department | None = None,
    diarienummer: str = "",
    legal_ground: str = "",
    visitor_notice: str = "",
    reason: str = "",
    troll: bool = False,
    police_report: bool = False,
) -> ModerationAction:
    """Record the outcome of walking the response model and carry it out.

    The item is claimed with a conditional update, so of two people acting at once exactly one
    succeeds; the other gets ``ItemAlreadyHandled`` and nothing of theirs is saved. A removing
    outcome takes the evidence first and removes only when its hashes verify.
    """
    try:
        result = walk(response_model.tree, answers)
    except (InvalidPath, KeyError) as exc:
        raise ValidationError(_("The answers do not fit the response model.")) from exc
    if result.outcome is None:
        raise ValidationError(_("The response model has more questions to answer."))
    outcome = result.outcome
    if outcome == Outcome.FORWARD_TO_DEPARTMENT:
        legal_ground = LegalGround.CASE_HANDLING
    values = {
        "reply_text": reply_text.strip(),
        "source_url": source_url.strip(),
        "recipient": recipient.strip(),
        "department": department,
        "legal_ground": legal_ground,
        "visitor_notice": visitor_notice.strip(),
    }
    errors = {name: _MISSING[name] for name in REQUIRED_FIELDS[outcome] if not values.get(name)}
    if legal_ground and legal_ground not in LegalGround.values:
        errors["legal_ground"] = _("Unknown legal ground.")
    if errors:
        raise ValidationError(errors)

    now = timezone.now()
    signed_reply = sign(values["reply_text"], actor) if values["reply_text"] else ""
    # The visitor's notice is published to them like a reply, so it is signed the same way.
    if values["visitor_notice"]:
        values["visitor_notice"] = sign(values["visitor_notice"], actor)
    with transaction.atomic():
        claimed = Item.objects.filter(pk=item.pk, status__in=OPEN_STATUSES).update(
            status=ItemStatus.HANDLED,
            outcome=outcome,
            # The first handling counts for response times (R18), even if the item came back.
            handled_at=Coalesce(F("handled_at"), Value(now)),
            handled_by=actor,
        )
        if not claimed:
            raise ItemAlreadyHandled
        # ``answered_at`` is set when the reply is on the platform (sent by the connector or
        # confirmed done by hand), not here: a triaged reply may never have been posted (R18).
        # The outcome ends any claim on the item: nobody is working on it any more.
        Claim.objects.filter(item_id=item.pk).delete()
        details = {
            "source_url": values["source_url"],
            "recipient": values["recipient"],
            "department": department.name if department else "",
            "department_id": department.pk if department else None,
            "diarienummer": diarienummer.strip(),
            "legal_ground": legal_ground,
            # Whether the removal rests on a law or on the municipality's rules.
            "ground_basis": ground_basis(legal_ground),
            "visitor_notice": values["visitor_notice"],
            "troll": bool(troll),
            "police_report": bool(police_report),
        }
        action = ModerationAction.objects.create(
            item=item,
            kind=ActionKind.TRIAGED,
            outcome=outcome,
            actor=actor,
            created_at=now,
            response_model=response_model,
            path=result.path,
            reply_text=signed_reply,
            reason=reason.strip(),
            details={k: v for k, v in details.items() if v not in ("", None, False)},
        )
        if outcome in REMOVING_OUTCOMES:
            item.refresh_from_db()
            evidence = evidence_take(item=item, actor=actor)
            item_mark_removed(
                item=item,
                evidence=evidence,
                actor=actor,
                legal_ground=legal_ground,
                reason=reason.strip(),
                visitor_notice=values["visitor_notice"],
            )
        # The reply, delete or hide the outcome asks of the platform, sent after commit.
        from connectors.services import outbound_plan

        outbound_plan(action=action, actor=actor)
        if outcome == Outcome.MONITOR and troll:
            from .tasks import notify_communicator_of_troll

            transaction.on_commit(lambda: notify_communicator_of_troll.delay(action.pk))
    item.refresh_from_db()
    return action


def triage_items_alike(
    *,
    items: list[Item],
    actor: User,
    response_model: ResponseModelVersion,
    answers: list[str],
    reply_text: str = "",
    legal_ground: str = "",
    visitor_notices: dict[int, str] | None = None,
    reason: str = "",
) -> list[Item]:
    """``triage_item`` for many items given the same answers, in one go (a bulk, issue 9).

    Each item gets what ``triage_item`` gives it: its own triage record with the full path, its
    own evidence, verified as stored before the removal, its own removal record and platform
    actions. The records are written with one statement per kind rather than per item, so 500
    items finish within ten seconds. All or nothing: when any item is no longer open it raises
    ``ItemAlreadyHandled``, when any evidence does not verify ``EvidenceNotVerified``, and
    nothing is saved; the caller then handles the items one by one to report each.
    Returns the items as they are now.
    """
    try:
        result = walk(response_model.tree, answers)
    except (InvalidPath, KeyError) as exc:
        raise ValidationError(_("The answers do not fit the response model.")) from exc
    outcome = result.outcome
    if outcome not in (Outcome.LET_STAND, Outcome.MONITOR, Outcome.THANK, Outcome.REMOVE):
        raise ValidationError(_("The response model has more questions to answer."))
    notices = {pk: text.strip() for pk, text in (visitor_notices or {}).items()}
    reply_text, reason = reply_text.strip(), reason.strip()
    if outcome == Outcome.THANK and not reply_text:
        raise ValidationError({"reply_text": _MISSING["reply_text"]})
    if outcome == Outcome.REMOVE and (
        legal_ground not in LegalGround.values
        or legal_ground == LegalGround.CASE_HANDLING
        or not all(notices.get(item.pk) for item in items)
    ):
        raise ValidationError(_("Choose the ground for the removal."))
    ids = [item.pk for item in items]
    now = timezone.now()
    signed_reply = sign(reply_text, actor) if reply_text else ""
    with transaction.atomic():
        locked = list(
            Item.objects.select_for_update(of=("self",))
            .select_related("account", "parent")
            .prefetch_related("attachments")
            .filter(pk__in=ids, status__in=OPEN_STATUSES)
            .order_by("pk")
        )
        if len(locked) != len(ids):
            raise ItemAlreadyHandled
        Item.objects.filter(pk__in=ids).update(
            status=ItemStatus.HANDLED,
            outcome=outcome,
            handled_at=Coalesce(F("handled_at"), Value(now)),
            handled_by=actor,
        )
        Claim.objects.filter(item_id__in=ids).delete()
        actions = []
        for item in locked:
            item.status, item.outcome, item.handled_by = ItemStatus.HANDLED, outcome, actor
            item.handled_at = item.handled_at or now
            notice = sign(notices[item.pk], actor) if outcome == Outcome.REMOVE else ""
            details = {
                "legal_ground": legal_ground,
                "ground_basis": ground_basis(legal_ground),
                "visitor_notice": notice,
            }
            actions.append(
                ModerationAction(
                    item=item,
                    kind=ActionKind.TRIAGED,
                    outcome=outcome,
                    actor=actor,
                    created_at=now,
                    response_model=response_model,
                    path=result.path,
                    reply_text=signed_reply,
                    reason=reason,
                    details={k: v for k, v in details.items() if v not in ("", None, False)},
                )
            )
        ModerationAction.objects.bulk_create(actions)
        if outcome in REMOVING_OUTCOMES:
            _remove_alike(items=locked, actions=actions, actor=actor, legal_ground=legal_ground)
        from connectors.services import outbound_plan_many

        outbound_plan_many(actions=actions, actor=actor)
        # The records above were written in bulk, without the signals that tell the cache.
        moderation_changed()
    return locked


def _remove_alike(
    *, items: list[Item], actions: list[ModerationAction], actor: User, legal_ground: str
) -> None:
    """The evidence of each item, then its removal once the stored copy verifies."""
    versions: dict[int, list[ItemVersion]] = {item.pk: [] for item in items}
    for version in ItemVersion.objects.filter(item_id__in=list(versions)).order_by(
        "item_id", "number"
    ):
        versions[version.item_id].append(version)
    taken = Evidence.objects.bulk_create(
        [_evidence_of(item, actor=actor, versions=versions[item.pk]) for item in items]
    )
    stored = {
        evidence.item_id: evidence
        for evidence in Evidence.objects.filter(pk__in=[evidence.pk for evidence in taken])
    }
    for item in items:
        evidence = stored.get(item.pk)
        if item.removed_at is not None:
            raise ItemAlreadyHandled
        if evidence is None or not evidence.verifies():
            raise EvidenceNotVerified
    removed_at = timezone.now()
    Item.objects.filter(pk__in=[item.pk for item in items]).update(removed_at=removed_at)
    records = []
    for item, action in zip(items, actions, strict=True):
        item.removed_at = removed_at
        evidence = stored[item.pk]
        records.append(
            ModerationAction(
                item=item,
                kind=ActionKind.REMOVED,
                actor=actor,
                created_at=removed_at,
                reason=action.reason,
                evidence=evidence,
                details={
                    "legal_ground": legal_ground,
                    "ground_basis": ground_basis(legal_ground),
                    "visitor_notice": action.details.get("visitor_notice", ""),
                    "data_sha256": evidence.data_sha256,
                    "html_sha256": evidence.html_sha256,
                },
            )
        )
    ModerationAction.objects.bulk_create(records)


# --- Evidence and removal (R14) ---------------------------------------------------------------


def _item_data(
    item: Item, *, taken_at: dt.datetime, actor: User, versions: list[ItemVersion] | None = None
) -> dict:
    def iso(value):
        return value.isoformat() if value else None

    return {
        "evidence": {"taken_at": iso(taken_at), "taken_by": actor.get_username()},
        "account": {
            "id": item.account_id,
            "url": item.account.url,
            "display_name": item.account.display_name,
            "platform": item.account.platform,
        },
        "item": {
            "id": item.pk,
            "platform_id": item.platform_id,
            "kind": item.kind,
            "parent_platform_id": item.parent.platform_id if item.parent_id else None,
            "author_name": item.author_name,
            "author_platform_id": item.author_platform_id,
            "by_municipality": item.by_municipality,
            "text": item.text,
            "link": item.link,
            "published_at": iso(item.published_at),
            "captured_at": iso(item.captured_at),
            "deleted_by_author_at": iso(item.deleted_by_author_at),
            "source": item.source,
            "flags": item.flags,
        },
        "versions": [
            {
                "number": v.number,
                "change": v.change,
                "text": v.text,
                "link": v.link,
                "changed_at": iso(v.changed_at),
                "recorded_at": iso(v.recorded_at),
            }
            for v in (item.versions.order_by("number") if versions is None else versions)
        ],
        **_attachments_data(item),
    }


def _attachments_data(item: Item) -> dict:
    """The item's attachments as the evidence names them: each stored file by its SHA-256 (the
    bytes stay in the media store under that hash until retention culls them). Read through the
    reverse relation (prefetched by bulk outcomes; the model's ordering is position, then pk),
    so this app does not import the connectors."""
    attachments = [
        {
            "kind": a.kind,
            "url": a.source_url,
            "title": a.title,
            "status": a.status,
            "sha256": a.sha256,
            "size": a.size,
            "mime_type": a.mime_type,
        }
        for a in item.attachments.all()
    ]
    return {"attachments": attachments} if attachments else {}


def evidence_take(*, item: Item, actor: User) -> Evidence:
    """An immutable copy of the item as it is now, before anything is removed."""
    evidence = _evidence_of(item, actor=actor)
    evidence.save()
    return evidence


def _evidence_of(item: Item, *, actor: User, versions: list[ItemVersion] | None = None) -> Evidence:
    """The evidence of the item as it is now, not yet saved."""
    taken_at = timezone.now()
    data = _item_data(item, taken_at=taken_at, actor=actor, versions=versions)
    # Canonical JSON (sorted keys, no insignificant space) so the hash can be recomputed.
    data_json = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    html = render_to_string("moderation/evidence_copy.html", {"data": data})
    return Evidence(
        item=item,
        data_json=data_json,
        data_sha256=sha256_hex(data_json),
        html=html,
        html_sha256=sha256_hex(html),
        taken_by=actor,
        taken_at=taken_at,
    )


def item_mark_removed(
    *,
    item: Item,
    evidence: Evidence | None,
    actor: User,
    legal_ground: str,
    reason: str,
    visitor_notice: str,
) -> ModerationAction:
    """Mark the item removed, only when its evidence exists and verifies as stored."""
    if legal_ground not in LegalGround.values:
        raise ValidationError({"legal_ground": _("Choose the legal ground for the removal.")})
    with transaction.atomic():
        item = Item.objects.select_for_update().get(pk=item.pk)
        if item.removed_at is not None:
            raise ItemAlreadyHandled
        stored = Evidence.objects.filter(pk=evidence.pk, item=item).first() if evidence else None
        if stored is None or not stored.verifies():
            raise EvidenceNotVerified
        item.removed_at = timezone.now()
        item.save(update_fields=["removed_at"])
        return ModerationAction.objects.create(
            item=item,
            kind=ActionKind.REMOVED,
            actor=actor,
            created_at=item.removed_at,
            reason=reason,
            evidence=stored,
            details={
                "legal_ground": legal_ground,
                "ground_basis": ground_basis(legal_ground),
                "visitor_notice": visitor_notice,
                "data_sha256": stored.data_sha256,
                "html_sha256": stored.html_sha256,
            },
        )


# --- Daily oversight (R17) --------------------------------------------------------------------


def daily_check_record(
    *, account: SocialAccount, actor: User, note: str = "", day: dt.date | None = None
) -> tuple[DailyCheck, bool]:
    """Record that the account was checked today; a second check the same day changes nothing."""
    day = day or local_today()
    with transaction.atomic():
        check, created = DailyCheck.objects.get_or_create(
            account=account, day=day, defaults={"checked_by": actor, "note": note.strip()}
        )
    return check, created


def oversight_remind(*, day: dt.date | None = None) -> int:
    """E-mail the owner, deputies and the communicator about the active accounts that have not
    been checked on this working day, and about the platform to-do entries left undone longer
    than a working day: one message per person, listing their accounts. Returns the number of
    accounts reminded about."""
    from .todo import overdue_todo_counts

    day = day or local_today()
    if not is_working_day(day):
        return 0
    todo_counts = overdue_todo_counts()
    accounts = list(
        SocialAccount.objects.active()
        .filter(~Q(daily_checks__day=day) | Q(pk__in=list(todo_counts)))
        .distinct()
        .order_by("display_name")
        .with_people()
    )
    checked = set(
        DailyCheck.objects.filter(day=day, account__in=accounts).values_list(
            "account_id", flat=True
        )
    )
    communicators = communicator_emails()
    per_person: dict[str, dict[str, list]] = {}
    for account in accounts:
        people = {
            r.user.email
            for r in account.current_roles
            if r.role in (Role.OWNER, Role.DEPUTY) and r.user.email and r.user.is_active
        }
        for email in people | communicators:
            mail = per_person.setdefault(email, {"unchecked": [], "todos": []})
            if account.pk not in checked:
                mail["unchecked"].append(account)
            if account.pk in todo_counts:
                count, oldest = todo_counts[account.pk]
                mail["todos"].append({"account": account, "count": count, "oldest": oldest})
    for email, mail in sorted(per_person.items()):
        if mail["unchecked"]:
            subject = gettext("Accounts not checked today, %(day)s") % {"day": day.isoformat()}
        else:
            subject = gettext("Overdue on the platform, %(day)s") % {"day": day.isoformat()}
        body = render_to_string(
            "moderation/email/oversight_reminder.txt",
            {
                "accounts": mail["unchecked"],
                "todos": mail["todos"],
                "day": day,
                "site_url": settings.SITE_URL,
            },
        )
        send_mail(subject, body, None, [email])
    return len(accounts)


def notify_troll(*, action: ModerationAction) -> None:
    recipients = sorted(communicator_emails())
    subject = gettext("A troll is being monitored on %(account)s") % {
        "account": action.item.account.display_name
    }
    body = render_to_string(
        "moderation/email/troll.txt", {"action": action, "site_url": settings.SITE_URL}
    )
    send_mail(subject, body, None, recipients)


# --- Ingest tokens ----------------------------------------------------------------------------


def _hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def ingest_token_create(*, name: str, actor: User | None = None) -> tuple[IngestToken, str]:
    """A new token for a connector, revoking its previous one. The raw token is returned once
    and never stored."""
    raw = secrets.token_urlsafe(32)
    with transaction.atomic():
        IngestToken.objects.filter(name=name, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        token = IngestToken.objects.create(
            name=name, token_hash=_hash_token(raw), prefix=raw[:8], created_by=actor
        )
    return token, raw


def ingest_token_authenticate(raw: str) -> IngestToken | None:
    if not raw:
        return None
    token = IngestToken.objects.filter(token_hash=_hash_token(raw), revoked_at__isnull=True).first()
    if token is not None:
        IngestToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return token
