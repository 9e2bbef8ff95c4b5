"""Thin Celery adapters: they take ids and call a service."""

from celery import shared_task

from . import services
from .models import ModerationAction


@shared_task
def send_oversight_reminders() -> int:
    """Run by beat every day at ``OVERSIGHT_HOUR``; does nothing on weekends and holidays."""
    return services.oversight_remind()


@shared_task
def notify_communicator_of_troll(action_id: int) -> None:
    action = ModerationAction.objects.select_related("item__account", "actor").get(pk=action_id)
    services.notify_troll(action=action)
