"""Every write of retention: rule versions, proposals, approval, culling runs and legal holds
(R22, R23). Each refusal is a ``ValidationError`` in words the communicator can act on, and
changes nothing."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Iterator

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max, Min, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.permissions import is_communicator

from . import guard, holds, kinds
from .culling import culling_writes
from .models import (
    MAX_PERIOD_MONTHS,
    Anchor,
    CulledBatch,
    CullingLogEntry,
    CullingProposal,
    CullingRun,
    Disposal,
    HeldItem,
    HoldRelease,
    HoldScope,
    LegalHold,
    ProposalApproval,
    RuleVersion,
    RunStatus,
)

logger = logging.getLogger(__name__)

BATCH = 1000
EXAMPLES = 3


def _require_communicator(actor) -> None:
    if actor is None or not is_communicator(actor):
        raise PermissionDenied(_("Only the communicator may do this."))


# --- Rules ------------------------------------------------------------------------------------


def rules_in_force() -> dict[str, RuleVersion]:
    """The highest version of each type's rule."""
    latest = RuleVersion.objects.values("kind").annotate(number=Max("number"))
    q = Q(pk__in=[])
    for row in latest:
        q |= Q(kind=row["kind"], number=row["number"])
    rules = {rule.kind: rule for rule in RuleVersion.objects.filter(q).select_related("changed_by")}
    return {code: rules[code] for code in kinds.all_codes() if code in rules}


def allowed_anchors(kind_code: str) -> tuple[str, ...]:
    kind = kinds.get(kind_code)
    if kind is not None:
        return tuple(kind.anchors)
    if kind_code == kinds.REQUEST_DELIVERIES:
        return (Anchor.REQUEST_CLOSED,)
    return ()


def rule_change(
    *,
    kind: str,
    actor,
    period_months: int,
    anchor: str,
    disposal: str,
    decision_body: str,
    decision_date: dt.date,
    decision_reference: str,
    why: str,
) -> RuleVersion:
    """A new version of a type's rule, in force from now; who, when and why are recorded."""
    _require_communicator(actor)
    errors = {}
    if kind not in kinds.all_codes():
        raise ValidationError(_("Unknown information type."))
    if period_months is None or not 0 <= period_months <= MAX_PERIOD_MONTHS:
        errors["period_months"] = _(
            "The period must be between 0 and %(max)d months (100 years)."
        ) % {"max": MAX_PERIOD_MONTHS}
    if anchor not in allowed_anchors(kind):
        errors["anchor"] = _("This event does not apply to this information type.")
    if disposal not in Disposal.values:
        errors["disposal"] = _("Choose whether the records are preserved first or culled.")
    elif disposal == Disposal.PRESERVE_FIRST and not getattr(kinds.get(kind), "preservable", True):
        errors["disposal"] = _(
            "The archival packages do not hold this information type; it can only be culled."
        )
    for name, value in (
        ("decision_body", decision_body),
        ("decision_reference", decision_reference),
        ("why", why),
    ):
        if not (value or "").strip():
            errors[name] = _("This field is required.")
    if decision_date is None:
        errors["decision_date"] = _("Give the date of the decision the rule rests on.")
    elif decision_date > timezone.localdate():
        errors["decision_date"] = _("The decision cannot be dated in the future.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        # Locking the current versions serialises two changes of one type.
        current = (
            RuleVersion.objects.select_for_update().filter(kind=kind).order_by("-number").first()
        )
        return RuleVersion.objects.create(
            kind=kind,
            number=(current.number + 1) if current else 1,
            period_months=period_months,
            anchor=anchor,
            disposal=disposal,
            decision_body=decision_body.strip(),
            decision_date=decision_date,
            decision_reference=decision_reference.strip(),
            why=why.strip(),
            is_default=False,
            changed_by=actor,
        )


# --- What a rule would cull -------------------------------------------------------------------


def _due(kind: kinds.Kind, rule: RuleVersion, as_of: dt.datetime) -> QuerySet:
    return kind.due(rule, as_of)


def _cullable(kind, rule, as_of):
    """What the rule would cull now: due, not held, and for bevaras covered by a package whose
    last recorded fixity check passed (the run itself re-hashes each package first)."""
    due = _due(kind, rule, as_of)
    free = due.exclude(holds.held_q(kind))
    refused: list[dict] = []
    if rule.preserves_first:
        result = guard.preserved(kind, free, verify=False)
        free = free.filter(result.allowed)
        refused = result.refused
    return due, free, refused


def _identifier_lines(kind_code: str, rule_id: int, qs: QuerySet) -> Iterator[bytes]:
    for pk in qs.order_by("pk").values_list("pk", flat=True).iterator(chunk_size=5000):
        yield f"{kind_code}:{rule_id}:{pk}\n".encode()


def _fingerprint(as_of: dt.datetime, rules: dict[str, RuleVersion]) -> str:
    digest = hashlib.sha256()
    for code, rule in rules.items():
        kind = kinds.get(code)
        if kind is None:
            continue
        _due_qs, free, _refused = _cullable(kind, rule, as_of)
        for line in _identifier_lines(code, rule.pk, free):
            digest.update(line)
    return digest.hexdigest()


def proposal_prepare(*, actor=None, as_of: dt.datetime | None = None) -> CullingProposal:
    """What the rules in force would cull: per rule, counts, period and examples (R22).

    The monthly schedule calls it without an actor; the communicator may prepare one now."""
    if actor is not None:
        _require_communicator(actor)
    as_of = as_of or timezone.now()
    rules = rules_in_force()
    summary = []
    total = 0
    for code, rule in rules.items():
        kind = kinds.get(code)
        entry = {"kind": code, "rule": rule.pk, "rule_number": rule.number}
        if kind is None:
            summary.append({**entry, "not_registered": True})
            continue
        due, free, refused = _cullable(kind, rule, as_of)
        span = free.aggregate(first=Min(kind.date_field), last=Max(kind.date_field))
        count = free.count()
        due_count = due.count()
        refused_count = sum(r["count"] for r in refused)
        total += count
        cutoff = kind.cutoff(rule, as_of)
        summary.append(
            {
                **entry,
                "due": due_count,
                "to_cull": count,
                "held": due_count - count - refused_count,
                "refused": refused,
                "cutoff": cutoff.isoformat() if cutoff else None,
                "first": span["first"].isoformat() if span["first"] else None,
                "last": span["last"].isoformat() if span["last"] else None,
                "examples": [kind.example(r) for r in free.order_by("pk")[:EXAMPLES]],
            }
        )
    return CullingProposal.objects.create(
        as_of=as_of,
        created_by=actor,
        summary=summary,
        total=total,
        fingerprint=_fingerprint(as_of, rules),
    )


def proposal_approve(*, proposal: CullingProposal, actor, comment: str = "") -> CullingRun:
    """The communicator's documented decision to cull what the proposal lists. A proposal the
    data or the rules have outrun is refused: a new one must be prepared and read."""
    _require_communicator(actor)
    with transaction.atomic():
        proposal = CullingProposal.objects.select_for_update().get(pk=proposal.pk)
        if ProposalApproval.objects.filter(proposal=proposal).exists():
            raise ValidationError(_("This proposal has already been approved."))
        if CullingProposal.objects.filter(created_at__gt=proposal.created_at).exists():
            raise ValidationError(
                _("A newer proposal has been prepared; read and approve that one instead.")
            )
        if proposal.total == 0:
            raise ValidationError(_("There is nothing to cull in this proposal."))
        rules = rules_in_force()
        used = {entry["kind"]: entry["rule"] for entry in proposal.summary}
        if {code: rule.pk for code, rule in rules.items()} != used:
            raise ValidationError(
                _("The rules have changed since this proposal was made; prepare a new one.")
            )
        if _fingerprint(proposal.as_of, rules) != proposal.fingerprint:
            raise ValidationError(
                _(
                    "The records have changed since this proposal was made (new holds, "
                    "packages or culling); prepare a new proposal and read it again."
                )
            )
        ProposalApproval.objects.create(
            proposal=proposal, approved_by=actor, comment=(comment or "").strip()
        )
        run = CullingRun.objects.create(proposal=proposal)
        pk = run.pk

        def enqueue():
            from .tasks import run_culling

            run_culling.delay(pk)

        transaction.on_commit(enqueue)
    return run


# --- Culling ----------------------------------------------------------------------------------


def _cull_batch(run_id: int, kind, rule, as_of, allowed: Q | None, after: int) -> int | None:
    """Cull the next batch after pk ``after`` and record it, in one transaction; the last pk
    culled, or None when nothing is left."""
    with transaction.atomic():
        # One batch at a time per run, whichever worker holds the message.
        CullingRun.objects.select_for_update().get(pk=run_id)
        qs = _due(kind, rule, as_of).exclude(holds.held_q(kind)).filter(pk__gt=after)
        if allowed is not None:
            qs = qs.filter(allowed)
        ids = list(qs.order_by("pk").values_list("pk", flat=True)[:BATCH])
        if not ids:
            return None
        span = (
            kind.live()
            .filter(pk__in=ids)
            .aggregate(first=Min(kind.date_field), last=Max(kind.date_field))
        )
        with culling_writes():
            counts = kind.cull(ids)
        CulledBatch.objects.create(
            run_id=run_id,
            kind=kind.code,
            identifiers="\n".join(f"{kind.code}:{pk}" for pk in ids),
            counts=counts,
            first_date=span["first"],
            last_date=span["last"],
        )
        return ids[-1]


def _log(run: CullingRun, kind, rule, as_of, refused: list[dict]) -> CullingLogEntry:
    approval = run.proposal.approval
    digest = hashlib.sha256()
    counts: dict[str, int] = {}
    culled = 0
    first = last = None
    batches = CulledBatch.objects.filter(run=run, kind=kind.code).order_by("pk")
    for batch in batches.iterator(chunk_size=20):
        digest.update(batch.identifiers.encode())
        digest.update(b"\n")
        culled += batch.identifiers.count("\n") + 1
        for key, value in batch.counts.items():
            counts[key] = counts.get(key, 0) + value
        if batch.first_date and (first is None or batch.first_date < first):
            first = batch.first_date
        if batch.last_date and (last is None or batch.last_date > last):
            last = batch.last_date
    return CullingLogEntry.objects.create(
        run=run,
        rule=rule,
        kind=kind.code,
        cutoff=kind.cutoff(rule, as_of),
        first_date=first,
        last_date=last,
        culled=culled,
        counts=counts,
        refused=refused,
        # distinct: a type may reach its items through a many-valued relation.
        held=_due(kind, rule, as_of).filter(holds.held_q(kind)).distinct().count(),
        identifiers_sha256=digest.hexdigest(),
        approved_by_id=approval.approved_by_id,
        approved_at=approval.approved_at,
        started_at=run.started_at or timezone.now(),
    )


def run_culling(*, run_id: int) -> CullingRun:
    """Cull what the approved proposal lists, rule by rule, in batches (R22).

    Idempotent and resumable: each batch commits with its record, so a killed worker leaves
    whole batches; running again continues with what is still due and logs each rule once.
    Holds are read again for every batch, so a hold placed after approval still protects."""
    with transaction.atomic():
        run = CullingRun.objects.select_for_update().select_related("proposal").get(pk=run_id)
        if run.status == RunStatus.DONE:
            return run
        if not ProposalApproval.objects.filter(proposal_id=run.proposal_id).exists():
            raise ValidationError(_("The proposal has not been approved."))
        run.status = RunStatus.RUNNING
        run.attempts += 1
        run.started_at = run.started_at or timezone.now()
        run.save(update_fields=["status", "attempts", "started_at"])
    as_of = run.proposal.as_of
    fixity: dict[int, bool] = {}
    finishers: dict = {}
    for entry in run.proposal.summary:
        kind = kinds.get(entry["kind"])
        if kind is None or entry.get("not_registered"):
            continue
        # Each cleanup once per attempt, also for a type a killed attempt already logged.
        finishers.setdefault(type(kind).finish, kind)
        if CullingLogEntry.objects.filter(run=run, kind=kind.code).exists():
            continue
        rule = RuleVersion.objects.get(pk=entry["rule"])
        allowed, refused = None, []
        if rule.preserves_first:
            free = _due(kind, rule, as_of).exclude(holds.held_q(kind))
            result = guard.preserved(kind, free, verify=True, fixity=fixity)
            allowed, refused = result.allowed, result.refused
        after = 0
        while (after := _cull_batch(run.pk, kind, rule, as_of, allowed, after)) is not None:
            pass
        try:
            with transaction.atomic():
                _log(run, kind, rule, as_of, refused)
        except IntegrityError:
            logger.info("Culling run %s: %s was logged by another attempt", run.pk, kind.code)
    for kind in finishers.values():
        kind.finish()
    CullingRun.objects.filter(pk=run.pk).update(status=RunStatus.DONE, finished_at=timezone.now())
    run.refresh_from_db()
    return run


# --- Legal holds ------------------------------------------------------------------------------


def hold_place(
    *,
    actor,
    scope: str,
    reason: str,
    account=None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    search: str = "",
    item_ids: list[int] | None = None,
) -> LegalHold:
    """Hold records against culling: an account (optionally within dates), a date range, the
    items a search finds now, or single items. The reason and who placed it are recorded."""
    from moderation.models import Item

    _require_communicator(actor)
    errors = {}
    if not (reason or "").strip():
        errors["reason"] = _("Give the reason for the hold.")
    if scope not in HoldScope.values:
        errors["scope"] = _("Choose what the hold covers.")
    if date_from and date_to and date_from > date_to:
        errors["date_to"] = _("The range ends before it starts.")
    items: QuerySet | None = None
    if scope == HoldScope.ACCOUNT and account is None:
        errors["account"] = _("Choose the account to hold.")
    elif scope == HoldScope.DATE_RANGE and not (date_from and date_to):
        errors["date_from"] = _("Give both the first and the last day of the range.")
    elif scope == HoldScope.SEARCH:
        if len((search or "").strip()) < 2:
            errors["search"] = _("Search for at least two characters.")
        else:
            items = Item.objects.filter(text__icontains=search.strip())
            if account is not None:
                items = items.filter(account=account)
            if not items.exists():
                errors["search"] = _("The search finds no items to hold.")
    elif scope == HoldScope.ITEMS:
        wanted = set(item_ids or [])
        items = Item.objects.filter(pk__in=wanted)
        if not wanted:
            errors["item_ids"] = _("Give the numbers of the items to hold.")
        elif items.count() != len(wanted):
            found = set(items.values_list("pk", flat=True))
            missing = ", ".join(str(pk) for pk in sorted(wanted - found))
            errors["item_ids"] = _("No item has the number %(numbers)s.") % {"numbers": missing}
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        hold = LegalHold.objects.create(
            scope=scope,
            account=account if scope in (HoldScope.ACCOUNT, HoldScope.SEARCH) else None,
            date_from=date_from if scope in (HoldScope.ACCOUNT, HoldScope.DATE_RANGE) else None,
            date_to=date_to if scope in (HoldScope.ACCOUNT, HoldScope.DATE_RANGE) else None,
            search=(search or "").strip() if scope == HoldScope.SEARCH else "",
            reason=reason.strip(),
            placed_by=actor,
        )
        if items is not None:
            HeldItem.objects.bulk_create(
                HeldItem(hold=hold, item_id=pk)
                for pk in items.order_by("pk").values_list("pk", flat=True).iterator()
            )
    return hold


def hold_release(*, hold: LegalHold, actor, reason: str) -> HoldRelease:
    """Release a hold; only with a reason, and recorded."""
    _require_communicator(actor)
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Give the reason for releasing the hold.")})
    with transaction.atomic():
        hold = LegalHold.objects.select_for_update().get(pk=hold.pk)
        if HoldRelease.objects.filter(hold=hold).exists():
            raise ValidationError(_("This hold has already been released."))
        return HoldRelease.objects.create(hold=hold, reason=reason.strip(), released_by=actor)
