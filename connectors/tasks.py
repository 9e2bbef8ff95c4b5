"""Thin Celery adapters for media: they take ids and call a service."""

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
