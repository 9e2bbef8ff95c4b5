"""Thin Celery adapters: they take ids and call a service."""

from celery import shared_task

from . import services


@shared_task
def send_end_date_reminders() -> int:
    """Run by beat every morning: time-limited accounts that end soon or have passed (R8)."""
    return services.end_date_remind()


@shared_task
def import_staff_directory() -> int | None:
    """Run by beat every night: the HR system's file at ``STAFF_DIRECTORY_PATH``, when set.

    A refused file is recorded with its reason and leaves the directory as it was; the task then
    returns None rather than failing, since retrying the same file cannot help."""
    from django.conf import settings
    from django.core.exceptions import ValidationError

    from .directory import directory_import_path
    from .models import DirectorySource

    if not settings.STAFF_DIRECTORY_PATH:
        return None
    try:
        result = directory_import_path(
            path=settings.STAFF_DIRECTORY_PATH, source=DirectorySource.NIGHTLY
        )
    except ValidationError:
        return None
    return result.record.pk
