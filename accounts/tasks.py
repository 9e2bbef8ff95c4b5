"""Thin Celery adapters: they take ids and call a service."""

from celery import shared_task

from . import services


@shared_task
def send_end_date_reminders() -> int:
    """Run by beat every morning: time-limited accounts that end soon or have passed (R8)."""
    return services.end_date_remind()
