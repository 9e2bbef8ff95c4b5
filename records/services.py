"""Every write of a request for allmänna handlingar, each with its append-only record (R21, R23).

Registration, adding and removing items, the secrecy review of each item and the delivery.
Each service locks the request, checks that it is still open and that the person may do this,
and writes a ``RequestEvent``. Refusals are ``ValidationError`` with a message for the person;
nothing is changed then.
"""

from __future__ import annotations

import datetime as dt
import logging
import shutil
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.page_cache import registry_pages_changed
from moderation.models import Item, sha256_hex

from .masking import MaskingError, normalise_spans, suggestions_for
from .models import (
    EventKind,
    ItemReview,
    RecordsRequest,
    RequestEvent,
    RequestItem,
    RequestStatus,
    ReviewOutcome,
    SecrecyProvision,
)
from .permissions import can_decide, records_for_user

ASKED_FOR_MAX = 5000
logger = logging.getLogger(__name__)


class ItemChanged(ValidationError):
    """The item's text changed after the reviewer saw it: the review is made again."""


class DeliveryUnavailable(Exception):
    """The part that writes the delivered files is not installed."""


def _open_request_for_update(request: RecordsRequest) -> RecordsRequest:
    locked = RecordsRequest.objects.select_for_update().get(pk=request.pk)
    if not locked.is_open:
        raise ValidationError(_("The request has been delivered and is closed; nothing changes."))
    return locked


def request_register(
    *,
    actor: User,
    received_at: dt.datetime,
    channel: str,
    asked_for: str,
    requester_name: str = "",
    requester_contact: str = "",
    diarienummer: str = "",
    include_versions: bool = False,
    decision_maker: User | None = None,
) -> RecordsRequest:
    """Register a request. Only what is asked for is required: the requester may stay anonymous."""
    asked_for = asked_for.strip()
    if not asked_for:
        raise ValidationError({"asked_for": _("Write what the requester asks for.")})
    if received_at > timezone.now() + dt.timedelta(minutes=5):
        raise ValidationError({"received_at": _("The request cannot have come in the future.")})
    if received_at < timezone.now() - dt.timedelta(days=366):
        raise ValidationError(
            {"received_at": _("A request is registered when it comes in, not a year later.")}
        )
    with transaction.atomic():
        request = RecordsRequest.objects.create(
            received_at=received_at,
            channel=channel,
            asked_for=asked_for[:ASKED_FOR_MAX],
            requester_name=requester_name.strip(),
            requester_contact=requester_contact.strip(),
            diarienummer=diarienummer.strip(),
            include_versions=include_versions,
            decision_maker=decision_maker,
            registered_by=actor,
        )
        # The record says whether the requester is anonymous, never who they are.
        RequestEvent.objects.create(
            request=request,
            kind=EventKind.REGISTERED,
            actor=actor,
            details={
                "channel": channel,
                "anonymous": request.is_anonymous,
                "include_versions": include_versions,
                "decision_maker": decision_maker.get_full_name() if decision_maker else "",
            },
        )
    return request


def request_add_items(
    *, request: RecordsRequest, actor: User, items: QuerySet[Item], search: str = ""
) -> int:
    """Add the items (ones the person may see) to the request; returns how many were new.

    ``items`` may be a whole search: more than ``RECORDS_ADD_ALL_LIMIT`` is refused whole, with
    a message, rather than cut at an arbitrary place."""
    limit = settings.RECORDS_ADD_ALL_LIMIT
    visible = items.filter(pk__in=records_for_user(actor).values("pk"))
    with transaction.atomic():
        request = _open_request_for_update(request)
        ids = list(visible.order_by().values_list("pk", flat=True)[: limit + 1])
        if len(ids) > limit:
            total = visible.count()
            raise ValidationError(
                _(
                    "The search found %(total)d items; at most %(limit)d can be added at once. "
                    "Narrow the search (an account, a date range) and add the rest in parts."
                )
                % {"total": total, "limit": limit}
            )
        present = set(
            RequestItem.objects.filter(
                request=request, removed_at__isnull=True, item_id__in=ids
            ).values_list("item_id", flat=True)
        )
        new = [pk for pk in ids if pk not in present]
        now = timezone.now()
        RequestItem.objects.bulk_create(
            [RequestItem(request=request, item_id=pk, added_by=actor, added_at=now) for pk in new]
        )
        registry_pages_changed()  # the dashboard's panel counts the open requests' items
        RequestEvent.objects.bulk_create(
            [
                RequestEvent(
                    request=request,
                    kind=EventKind.ITEM_ADDED,
                    actor=actor,
                    created_at=now,
                    item_id=pk,
                    details={"search": search[:1000]} if search else {},
                )
                for pk in new
            ]
        )
    return len(new)


def request_remove_item(*, request_item: RequestItem, actor: User, reason: str = "") -> None:
    with transaction.atomic():
        _open_request_for_update(request_item.request)
        removed = RequestItem.objects.filter(pk=request_item.pk, removed_at__isnull=True).update(
            removed_at=timezone.now()
        )
        if not removed:
            raise ValidationError(_("The item is no longer in the request."))
        RequestEvent.objects.create(
            request_id=request_item.request_id,
            kind=EventKind.ITEM_REMOVED,
            actor=actor,
            item_id=request_item.item_id,
            details={"reason": reason.strip()[:1000]} if reason.strip() else {},
        )


def check_seen(text: str, seen: str) -> None:
    """Refuse a review made on another text than the item's current one."""
    if seen and seen != sha256_hex(text):
        raise ItemChanged(_("The item changed while you reviewed it; look at it again and decide."))


def item_review(
    *,
    request_item: RequestItem,
    actor: User,
    outcome: str,
    provision: SecrecyProvision | None = None,
    reason: str = "",
    spans=(),
    accepted: set[int] = frozenset(),
    mask_author: bool = False,
    seen: str = "",
) -> ItemReview:
    """Record the secrecy review of one item: release, release with masking, or withhold.

    Only the communicator or the request's named decision maker decides. Masking and withholding
    cite a provision from the municipality's list. ``accepted`` are the indexes of the
    detector's suggestions the reviewer accepted; ``spans`` are further spans they marked;
    ``seen`` is the SHA-256 of the text they saw, so an edit in between is not masked blind."""
    request = request_item.request
    if not can_decide(actor, request):
        raise PermissionDenied
    if outcome not in ReviewOutcome.values:
        raise ValidationError({"outcome": _("Choose release, release with masking or withhold.")})
    item = request_item.item
    text = item.text
    check_seen(text, seen)
    suggestions = suggestions_for(text)
    if any(i not in range(len(suggestions)) for i in accepted):
        raise ValidationError({"accepted": _("An accepted suggestion is not in the list.")})
    errors = {}
    chosen: list[tuple[int, int]] = []
    if outcome in (ReviewOutcome.MASK, ReviewOutcome.WITHHOLD):
        if provision is None:
            errors["provision"] = _(
                "Cite the provision of the Public Access to Information and Secrecy Act the "
                "decision rests on."
            )
        elif not provision.active:
            errors["provision"] = _("That provision is no longer on the list.")
    if outcome == ReviewOutcome.MASK:
        wanted = [*spans, *((suggestions[i]["start"], suggestions[i]["end"]) for i in accepted)]
        try:
            chosen = normalise_spans(wanted, len(text))
        except MaskingError as exc:
            errors["spans"] = str(exc)
        else:
            if not chosen and not mask_author:
                errors["spans"] = _("Mark what to mask, or choose release.")
    elif spans or accepted or mask_author:
        errors["spans"] = _("Only a release with masking masks anything.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        _open_request_for_update(request)
        current = RequestItem.objects.filter(pk=request_item.pk, removed_at__isnull=True).exists()
        if not current:
            raise ValidationError(_("The item is no longer in the request."))
        review = ItemReview.objects.create(
            request_item=request_item,
            outcome=outcome,
            provision=provision if outcome != ReviewOutcome.RELEASE else None,
            provision_citation=provision.citation
            if provision and outcome != ReviewOutcome.RELEASE
            else "",
            reason=reason.strip()[:5000],
            reviewed_text=text,
            spans=[list(span) for span in chosen],
            mask_author=bool(mask_author and outcome == ReviewOutcome.MASK),
            suggestions=[
                {**suggestion, "accepted": i in accepted and outcome == ReviewOutcome.MASK}
                for i, suggestion in enumerate(suggestions)
            ],
            reviewer=actor,
        )
        RequestEvent.objects.create(
            request=request,
            kind=EventKind.REVIEWED,
            actor=actor,
            item=item,
            review=review,
            details={
                "outcome": outcome,
                "provision": review.provision_citation,
                "spans": len(chosen),
                "suggestions_accepted": len(accepted) if outcome == ReviewOutcome.MASK else 0,
                "suggestions_rejected": len(suggestions)
                - (len(accepted) if outcome == ReviewOutcome.MASK else 0),
            },
        )
    return review


def latest_reviews() -> Subquery:
    """The id of each request item's latest review (an annotation for ``RequestItem``)."""
    return Subquery(
        ItemReview.objects.filter(request_item=OuterRef("pk"))
        .order_by("-reviewed_at", "-pk")
        .values("pk")[:1]
    )


def current_items(request: RecordsRequest) -> QuerySet[RequestItem]:
    return RequestItem.objects.filter(request=request, removed_at__isnull=True)


def records_root() -> Path:
    return Path(settings.RECORDS_ROOT or Path(settings.MEDIA_ROOT) / "records")


def _zip(directory: Path) -> Path:
    """The delivered folder as one zip file for download, beside the folder."""
    try:
        from records.delivery import zip_delivery
    except ImportError:
        archive = shutil.make_archive(str(directory), "zip", root_dir=directory)
        return Path(archive)
    return Path(zip_delivery(directory))


def request_deliver(*, request: RecordsRequest, actor: User) -> RecordsRequest:
    """Write the package for the requester and close the request.

    Refused until every item in the request is reviewed. The written decision is made from the
    reviews when anything is withheld or masked. The files are written by ``records.delivery``
    from already-masked data (``records.handover``) into ``records_root()/<request id>/``."""
    if not can_decide(actor, request):
        raise PermissionDenied
    from .delivering import build_delivery

    directory = records_root() / str(request.pk)
    with transaction.atomic():
        request = _open_request_for_update(request)
        items = current_items(request).annotate(latest=latest_reviews())
        total = items.count()
        if not total:
            raise ValidationError(_("Add the items the request covers before delivering."))
        unreviewed = items.filter(latest__isnull=True).count()
        if unreviewed:
            raise ValidationError(
                _("%(count)d of %(total)d items are not yet reviewed; review them first.")
                % {"count": unreviewed, "total": total}
            )
        try:
            from records.delivery import write_delivery
        except ImportError as exc:
            raise DeliveryUnavailable from exc
        now = timezone.now()
        delivery, lines = build_delivery(request, actor=actor, delivered_at=now)
        if directory.exists():
            shutil.rmtree(directory)
        directory.mkdir(parents=True)
        try:
            files = write_delivery(delivery, directory)
            package = _zip(directory)
        except Exception as exc:
            shutil.rmtree(directory, ignore_errors=True)
            from records.delivery import AttachmentUnavailable

            if isinstance(exc, AttachmentUnavailable):
                logger.error("request %s: an attachment cannot be delivered: %s", request.pk, exc)
                raise ValidationError(
                    _(
                        "An attachment's stored file is missing or damaged, so the delivery "
                        "was not written; ask the administrator to look at the stored files."
                    )
                ) from exc
            raise
        request.status = RequestStatus.DELIVERED
        request.delivered_at = now
        request.delivered_by = actor
        request.decision_text = delivery.decision_text or ""
        request.package = str(package)
        request.save(
            update_fields=["status", "delivered_at", "delivered_by", "decision_text", "package"]
        )
        if delivery.decision_text:
            RequestEvent.objects.create(
                request=request,
                kind=EventKind.DECIDED,
                actor=actor,
                created_at=now,
                details={
                    "withheld": sum(1 for line in lines if line.outcome == ReviewOutcome.WITHHOLD),
                    "masked": sum(1 for line in lines if line.outcome == ReviewOutcome.MASK),
                    "provisions": sorted({line.citation for line in lines if line.citation}),
                },
            )
        RequestEvent.objects.create(
            request=request,
            kind=EventKind.DELIVERED,
            actor=actor,
            created_at=now,
            details={
                "item_count": delivery.item_count,
                "files": [Path(f).relative_to(directory).as_posix() for f in files],
            },
        )
    return request


def provision_add(*, citation: str, description: str) -> SecrecyProvision:
    """Add a provision to the municipality's list; the form has checked it."""
    return SecrecyProvision.objects.create(
        citation=citation.strip(), description=description.strip()
    )


def provision_set_active(*, provision: SecrecyProvision, active: bool) -> None:
    """Retire a provision or use it again. A cited provision is never deleted: the reviews
    that cite it keep pointing at it, and keep the citation's words besides."""
    SecrecyProvision.objects.filter(pk=provision.pk).update(active=active)


# The provisions a municipality's social media most often needs; the list starts with them.
DEFAULT_PROVISIONS = (
    ("21 kap. 7 §", "Personuppgifter vars utlämnande skulle strida mot dataskyddsförordningen"),
    ("23 kap. 2 §", "Enskildas personliga förhållanden i förskola och skola"),
    ("25 kap. 1 §", "Enskildas hälsotillstånd och personliga förhållanden i hälso- och sjukvård"),
    ("26 kap. 1 §", "Enskildas personliga förhållanden inom socialtjänsten"),
    ("39 kap. 3 §", "Enskildas personliga förhållanden i personalsocial verksamhet"),
)


def provisions_ensure_default() -> int:
    """Put the default provisions on the list where missing (never changing one that is there);
    returns how many were added."""
    added = 0
    for citation, description in DEFAULT_PROVISIONS:
        _provision, created = SecrecyProvision.objects.get_or_create(
            citation=citation, defaults={"description": description}
        )
        added += created
    return added
