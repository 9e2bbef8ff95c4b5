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


# --- Connectors ---------------------------------------------------------------------------------


@shared_task
def process_raw_event(event_id: int) -> str:
    from connectors.services import raw_event_process

    return raw_event_process(event_id=event_id).status


@shared_task
def drain_raw_events() -> int:
    """Enqueued by a webhook delivery when no drain is on its way: processes every new event."""
    from connectors.services import raw_events_drain

    return raw_events_drain()


@shared_task
def send_outbound_action(outbound_id: int) -> str:
    from connectors.services import outbound_send

    return outbound_send(outbound_id=outbound_id).status


@shared_task
def poll_mastodon_accounts() -> int:
    """Run by beat every ``MASTODON_POLL_SECONDS``: one polling task per connected account."""
    from accounts.models import SocialAccount

    from .models import ConnectorConfig, ConnectorPlatform

    ids = list(
        ConnectorConfig.objects.filter(
            platform=ConnectorPlatform.MASTODON,
            enabled=True,
            account__in=SocialAccount.objects.active(),
        ).values_list("pk", flat=True)
    )
    for pk in ids:
        poll_mastodon_account.delay(pk)
    return len(ids)


@shared_task
def poll_mastodon_account(config_id: int) -> int:
    from connectors.services import mastodon_poll

    from .models import ConnectorConfig

    config = ConnectorConfig.objects.filter(pk=config_id, enabled=True).first()
    return mastodon_poll(config=config) if config is not None else 0


@shared_task
def retry_connector_failures() -> list[int]:
    from connectors.services import retry_failures

    return list(retry_failures())
