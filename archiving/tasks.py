"""Celery adapters: they take ids and call the services (the services hold the logic)."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(Exception,),
    retry_backoff=60,
    retry_backoff_max=3600,
    retry_jitter=True,
    max_retries=5,
)
def build_snapshot(self, snapshot_id: int) -> str:
    """Build one snapshot. A duplicate message finds it claimed or complete and stops; the same
    message delivered again after its worker was lost (late acknowledgement, rejected on a lost
    worker) carries the same task id and resumes the build at once; a failure leaves it
    ``failed`` and is retried with growing delays."""
    return services.build_snapshot(snapshot_id=snapshot_id, token=self.request.id or "").status


@shared_task(acks_late=True)
def schedule_yearly_snapshots(year: int | None = None) -> int:
    return len(services.schedule_yearly_snapshots(year=year))


@shared_task(acks_late=True)
def catch_up_snapshots() -> int:
    return len(services.catch_up_snapshots())


@shared_task(acks_late=True)
def check_fixity() -> int:
    return len(services.check_all_fixity())
