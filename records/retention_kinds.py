"""The delivered files of closed requests as an information type of retention (R22).

A delivered request's folder under ``records_root()`` (the PDFs, the CSV, the JSON, the
attachments, the decision, the manifest) and the ZIP beside it are copies made for the
requester. Their period runs from the request's closing (its delivery). Culling deletes the
files and marks the request ``files_culled_at``; the request itself, its items, reviews,
written decision and steps (who, when, what) are kept.

A hold reaches a delivery through its items: an account hold, a date-range hold (on the
items' publication) or a single-item hold that covers any of its items holds the delivery.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Any, ClassVar

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from retention import kinds
from retention.models import Anchor, RuleVersion


def delivered_paths(request) -> list[Path]:
    """The request's delivered folder and its ZIP, where they are."""
    from .services import records_root

    root = records_root().resolve()
    directory = root / str(request.pk)
    paths = [directory, directory.with_name(directory.name + ".zip")]
    if request.package and root in Path(request.package).resolve().parents:
        paths.append(Path(request.package).resolve())
    return list(dict.fromkeys(paths))


def _file_count(paths: list[Path]) -> int:
    count = 0
    for path in paths:
        if path.is_dir():
            count += sum(1 for p in path.rglob("*") if p.is_file())
        elif path.is_file():
            count += 1
    return count


def remove_delivered_files(paths: list[Path]) -> None:
    for path in paths:
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)


class RequestDeliveries(kinds.Kind):
    code = kinds.REQUEST_DELIVERIES
    date_field = "delivered_at"
    captured_field = "delivered_at"
    account_field = "request_items__item__account_id"
    item_field = "request_items__item_id"
    hold_date_field = "request_items__item__published_at"
    anchors: ClassVar[tuple[str, ...]] = (Anchor.REQUEST_CLOSED,)
    # Copies for a requester: the archival packages do not hold them.
    preservable = False

    @property
    def model(self):
        from .models import RecordsRequest

        return RecordsRequest

    def live(self) -> QuerySet:
        from .models import RecordsRequest, RequestStatus

        return RecordsRequest.objects.filter(
            status=RequestStatus.DELIVERED,
            delivered_at__isnull=False,
            files_culled_at__isnull=True,
        )

    def cutoff(self, rule: RuleVersion, as_of: dt.datetime) -> dt.datetime | None:
        if rule.anchor == Anchor.REQUEST_CLOSED:
            return kinds.add_months(as_of, -rule.period_months)
        return None

    def cull(self, ids: list[int]) -> dict[str, int]:
        from .models import RecordsRequest

        requests = list(self.live().filter(pk__in=ids))
        paths = [path for request in requests for path in delivered_paths(request)]
        files = _file_count(paths)
        count = RecordsRequest.objects.filter(pk__in=[r.pk for r in requests]).update(
            files_culled_at=timezone.now(), package=""
        )
        # The files go once the marks are committed; ``finish`` removes what a killed run left.
        transaction.on_commit(lambda: remove_delivered_files(paths), robust=True)
        return {"request_deliveries": count, "delivered_files": files}

    def finish(self) -> None:
        from .models import RecordsRequest

        culled = RecordsRequest.objects.filter(files_culled_at__isnull=False).only("pk", "package")
        for request in culled.iterator(chunk_size=500):
            paths = [path for path in delivered_paths(request) if path.exists()]
            if paths:
                remove_delivered_files(paths)

    def example(self, record) -> dict[str, Any]:
        return {"id": record.pk, "date": record.delivered_at.isoformat(), "text": record.reference}


def register() -> None:
    kinds.register(RequestDeliveries())
