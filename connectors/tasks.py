"""Thin Celery adapters for media and reconciliation: they take ids and call a service."""

from __future__ import annotations

from celery import shared_task


@shared_task
def download_attachment(attachment_id: int) -> str:
    from .media import attachment_download

    return attachment_download(attachment_id=attachment_id).status


@shared_task
def retry_attachment_downloads() -> int:
    """Run by beat every ``CONNECTOR_RETRY_MINUTES``, beside the connectors' other sweep."""
    from .media import attachment_retry_failures

    return attachment_retry_failures()


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
