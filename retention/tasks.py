"""Celery adapters: they take ids and call the services (the services hold the logic)."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(acks_late=True)
def prepare_proposal() -> int:
    """The monthly proposal (R22): what the rules would cull, for the communicator to read."""
    return services.proposal_prepare().pk


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(Exception,),
    retry_backoff=60,
    max_retries=5,
)
def run_culling(run_id: int) -> str:
    """Cull an approved proposal. A redelivered or repeated message finishes what is left and
    logs nothing twice."""
    return services.run_culling(run_id=run_id).status
