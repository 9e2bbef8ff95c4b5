"""Reconciliation on beat's schedule: one task per connected account."""

from __future__ import annotations

from celery import shared_task


@shared_task
def reconcile_accounts() -> int:
    """Run by beat every ``RECONCILE_MINUTES``: each enabled connector of an active account
    whose platform allows a call now is reconciled in a task of its own."""
    from .capture import reconcile_due_configs

    ids = reconcile_due_configs()
    for pk in ids:
        reconcile_account.delay(pk)
    return len(ids)


@shared_task
def reconcile_account(config_id: int) -> int:
    from moderation.models import ConnectorConfig

    from .capture import reconcile

    config = ConnectorConfig.objects.filter(pk=config_id, enabled=True).first()
    return reconcile(config=config) if config is not None else 0
