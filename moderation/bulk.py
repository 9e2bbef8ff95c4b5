"""One outcome for many items at once (issue 9): let stand, monitor, thank with one reply, or
remove with one ground, for up to ``BULK_LIMIT`` items.

Each item still goes through ``services.triage_item`` on its own: its own triage record with
the full path of answers, its own evidence before a removal, its own outbound action, in its own
transaction. A failure on one item is reported for that item and does not undo the others; an
item already handled, or claimed by a colleague, is skipped, so running the same bulk twice
changes nothing.
"""

from __future__ import annotations

import logging
from collections import deque
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User

from .claims import claim_holder_name
from .models import Claim, Item, ResponseModelVersion
from .permissions import items_for_user
from .replies import visitor_notice as default_visitor_notice
from .response_model import LegalGround, Outcome
from .services import (
    EvidenceNotVerified,
    ItemAlreadyHandled,
    response_model_ensure_default,
    triage_item,
    triage_items_alike,
)

logger = logging.getLogger("moderation.bulk")

BULK_LIMIT = 500
BATCH_SIZE = 50
# Moving a report to case handling needs a recipient and a department per item: not in bulk.
BULK_EXCLUDED_GROUNDS = frozenset({LegalGround.CASE_HANDLING})


class BulkAction(models.TextChoices):
    LET_STAND = Outcome.LET_STAND.value, _("Let stand")
    MONITOR = Outcome.MONITOR.value, _("Monitor only")
    THANK = Outcome.THANK.value, _("Thank with one reply")
    REMOVE = Outcome.REMOVE.value, _("Remove with one ground")


class BulkStatus(models.TextChoices):
    DONE = "done", _("Done")
    SKIPPED = "skipped", _("Skipped")
    FAILED = "failed", _("Failed")


@dataclass
class BulkItemResult:
    item_id: int
    status: str
    message: str = ""
    item: Item | None = None

    @property
    def status_label(self) -> str:
        return BulkStatus(self.status).label


@dataclass
class BulkResult:
    action: str
    path: list[dict]
    results: list[BulkItemResult] = field(default_factory=list)

    def _count(self, status: str) -> int:
        return sum(1 for r in self.results if r.status == status)

    @property
    def done(self) -> int:
        return self._count(BulkStatus.DONE)

    @property
    def skipped(self) -> int:
        return self._count(BulkStatus.SKIPPED)

    @property
    def failed(self) -> int:
        return self._count(BulkStatus.FAILED)

    @property
    def action_label(self) -> str:
        return BulkAction(self.action).label


def bulk_path(tree: dict, outcome: str, *, legal_ground: str = "") -> list[str]:
    """The answers of the shortest path through the response model that ends in ``outcome``.

    A path whose preset names ``legal_ground`` wins; otherwise a path without a preset (so a
    bulk "monitor" is not recorded as a troll, which would mail the communicator); otherwise
    any. Breadth first in the order the model lists its answers, so the choice is stable.
    """
    found: list[tuple[int, list[str]]] = []
    queue = deque([(tree["start"], [])])
    seen = {tree["start"]}
    while queue:
        node_id, answers = queue.popleft()
        for answer in tree["nodes"][node_id]["answers"]:
            keys = [*answers, answer["key"]]
            if answer.get("outcome") == outcome:
                preset = answer.get("preset") or {}
                if legal_ground and preset.get("legal_ground") == legal_ground:
                    rank = 0
                elif not preset:
                    rank = 1
                else:
                    rank = 2
                found.append((rank, keys))
            elif "goto" in answer and answer["goto"] not in seen:
                seen.add(answer["goto"])
                queue.append((answer["goto"], keys))
    if not found:
        raise ValidationError(
            _("The response model has no path to this outcome; handle the items one by one.")
        )
    return min(found, key=lambda entry: entry[0])[1]


def bulk_triage(
    *,
    actor: User,
    item_ids: list[int],
    action: str,
    reply_text: str = "",
    legal_ground: str = "",
    reason: str = "",
    response_model: ResponseModelVersion | None = None,
) -> BulkResult:
    """Give every item in ``item_ids`` (of the actor's queue) the same outcome.

    Refused as a whole, before anything changes, with a ``ValidationError`` when there are more
    than ``BULK_LIMIT`` items, none, an unknown action, a thank without reply or a removal
    without a known ground. Otherwise each item is done, skipped or failed on its own.
    """
    ids = list(dict.fromkeys(item_ids))
    if not ids:
        raise ValidationError(_("Select at least one item."))
    if len(ids) > BULK_LIMIT:
        raise ValidationError(
            _("Select at most %(limit)d items at a time; you selected %(count)d.")
            % {"limit": BULK_LIMIT, "count": len(ids)}
        )
    if action not in BulkAction.values:
        raise ValidationError(_("Choose what to do with the items."))
    reply_text = reply_text.strip()
    if action == BulkAction.THANK and not reply_text:
        raise ValidationError(_("Write the reply that will be published."))
    if action == BulkAction.REMOVE and (
        legal_ground not in LegalGround.values or legal_ground in BULK_EXCLUDED_GROUNDS
    ):
        raise ValidationError(_("Choose the ground for the removal."))
    if action != BulkAction.REMOVE:
        legal_ground = ""
    if action != BulkAction.THANK:
        reply_text = ""
    model = response_model or response_model_ensure_default()
    answers = bulk_path(model.tree, action, legal_ground=legal_ground)
    from .response_model import walk

    result = BulkResult(action=action, path=walk(model.tree, answers).path)
    items = {
        item.pk: item
        for item in items_for_user(actor).filter(pk__in=ids).select_related("account", "parent")
    }
    # The live claims up front, one query rather than one per item (500 items in < 10 s).
    claims = {
        claim.item_id: claim
        for claim in Claim.objects.select_related("user").filter(
            item_id__in=list(items), expires_at__gt=timezone.now()
        )
    }
    # Items are committed in batches of fifty: each batch is written with one statement per
    # kind of record (500 items within ten seconds) and holds its items' row locks only
    # briefly. When anything in a batch fails, the batch is undone and its items are done one
    # by one, each in its own savepoint, so a failure is reported for its item only.
    for start in range(0, len(ids), BATCH_SIZE):
        with transaction.atomic():
            chunk: list[tuple[int, BulkItemResult | None]] = []
            for item_id in ids[start : start + BATCH_SIZE]:
                item = items.get(item_id)
                if item is None:
                    refusal = BulkItemResult(
                        item_id, BulkStatus.FAILED, str(_("Not found in your queue."))
                    )
                else:
                    refusal = _refusal(item=item, claim=claims.get(item_id), actor=actor)
                chunk.append((item_id, refusal))
            eligible = [items[item_id] for item_id, refusal in chunk if refusal is None]
            done = _all_at_once(
                items=eligible,
                actor=actor,
                model=model,
                answers=answers,
                reply_text=reply_text,
                legal_ground=legal_ground,
                reason=reason.strip(),
            )
            for item_id, refusal in chunk:
                if refusal is not None:
                    result.results.append(refusal)
                elif done is not None:
                    result.results.append(
                        BulkItemResult(item_id, BulkStatus.DONE, "", done[item_id])
                    )
                else:
                    result.results.append(
                        _one(
                            item=items[item_id],
                            actor=actor,
                            model=model,
                            answers=answers,
                            reply_text=reply_text,
                            legal_ground=legal_ground,
                            reason=reason.strip(),
                        )
                    )
    return result


def _refusal(*, item, claim, actor) -> BulkItemResult | None:
    """Why the item is skipped, or None when the bulk may act on it."""
    if not item.is_open:
        return BulkItemResult(item.pk, BulkStatus.SKIPPED, str(_("Already handled.")), item)
    if claim is not None and claim.user_id != actor.pk:
        return BulkItemResult(
            item.pk,
            BulkStatus.SKIPPED,
            str(
                _("%(name)s is handling it.") % {"name": claim_holder_name(claim.user)},
            ),
            item,
        )
    return None


def _all_at_once(
    *, items, actor, model, answers, reply_text, legal_ground, reason
) -> dict[int, Item] | None:
    """The batch in one go, or None (and nothing saved) when any item of it fails."""
    if not items:
        return {}
    try:
        with transaction.atomic():
            handled = triage_items_alike(
                items=items,
                actor=actor,
                response_model=model,
                answers=answers,
                reply_text=reply_text,
                legal_ground=legal_ground,
                visitor_notices={
                    item.pk: default_visitor_notice(legal_ground, author_name=item.author_name)
                    for item in items
                }
                if legal_ground
                else None,
                reason=reason,
            )
    except Exception:
        # Not an error: the items are now done one by one, which reports the failing ones.
        logger.info("bulk batch falls back to one item at a time", exc_info=True)
        return None
    return {item.pk: item for item in handled}


def _one(*, item, actor, model, answers, reply_text, legal_ground, reason) -> BulkItemResult:
    notice = default_visitor_notice(legal_ground, author_name=item.author_name)
    try:
        # triage_item runs in its own savepoint and ends the item's claim.
        triage_item(
            item=item,
            actor=actor,
            response_model=model,
            answers=answers,
            reply_text=reply_text,
            legal_ground=legal_ground,
            visitor_notice=notice if legal_ground else "",
            reason=reason,
        )
    except ItemAlreadyHandled:
        return BulkItemResult(item.pk, BulkStatus.SKIPPED, str(_("Already handled.")), item)
    except ValidationError as exc:
        return BulkItemResult(item.pk, BulkStatus.FAILED, " ".join(exc.messages), item)
    except EvidenceNotVerified:
        return BulkItemResult(
            item.pk,
            BulkStatus.FAILED,
            str(_("The evidence could not be verified, so nothing was removed.")),
            item,
        )
    except Exception:
        # One item's unexpected failure must not stop or undo the rest; it is logged in full.
        logger.exception("bulk triage failed for item %s", item.pk)
        return BulkItemResult(
            item.pk,
            BulkStatus.FAILED,
            str(_("An unexpected error; nothing was saved for this item.")),
            item,
        )
    return BulkItemResult(item.pk, BulkStatus.DONE, "", item)
