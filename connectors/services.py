"""Every write of the connectors: raw events, their processing into items, Mastodon polling and
outbound actions. Ingestion goes through ``moderation.services.ingest_item``, the same idempotent
service as manual entry, file import and the ingest endpoint, so a replay creates nothing new.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import logging
import re
import sys
from time import monotonic, sleep
from urllib.parse import urlsplit

import psycopg
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import (
    DEFAULT_DB_ALIAS,
    InterfaceError,
    OperationalError,
    connection,
    connections,
    transaction,
)
from django.db.models import CharField, F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import SocialAccount, User
from accounts.platforms import is_platform_host
from moderation.models import (
    TODO_STATUSES,
    ActionKind,
    ConnectorConfig,
    ConnectorPlatform,
    Evidence,
    Item,
    ItemKind,
    ItemSource,
    ModerationAction,
    OutboundAction,
    OutboundKind,
    OutboundStatus,
    RawEvent,
    RawEventStatus,
)
from moderation.response_model import REPLY_OUTCOMES, Outcome

from . import mastodon, meta
from .base import Connector, ConnectorError, ManualConnector, ManualRequired
from .events import InboundChange, PayloadError
from .secrets import SecretUnavailable, token_for

logger = logging.getLogger("connectors")

CONNECTOR_SOURCES = {
    ConnectorPlatform.FACEBOOK: ItemSource.FACEBOOK,
    ConnectorPlatform.INSTAGRAM: ItemSource.INSTAGRAM,
    ConnectorPlatform.MASTODON: ItemSource.MASTODON,
}
# A received event or pending action older than this lost its task (worker died, message lost).
STALE_AFTER = dt.timedelta(minutes=10)


class UnknownAccount(Exception):
    """An event for a page or account that no enabled connector maps to a registry account."""


class OutboundNotWaiting(Exception):
    """The action is not waiting for a person (already done, sent or still being sent); nothing
    was changed. ``outbound`` is the action as it is now, to say who did it and when."""

    def __init__(self, outbound: OutboundAction):
        super().__init__(f"outbound action {outbound.pk} is {outbound.status}")
        self.outbound = outbound


# --- Configuration ----------------------------------------------------------------------------

ACCOUNT_PLATFORMS = {
    ConnectorPlatform.FACEBOOK: "facebook",
    ConnectorPlatform.INSTAGRAM: "instagram",
    ConnectorPlatform.MASTODON: "mastodon",
}


def connector_configure(
    *,
    account: SocialAccount,
    platform: str,
    external_id: str,
    api_base: str = "",
    token_env: str = "",
    token: str = "",
    enabled: bool = True,
) -> tuple[ConnectorConfig, bool]:
    """Map a platform page or account to a registry account, idempotently by (platform, id).
    A token given here is stored encrypted; ``token_env`` names a variable to read it from."""
    from .secrets import encrypt

    external_id = external_id.strip()
    if platform not in ConnectorPlatform.values:
        raise ValidationError({"platform": "unknown platform"})
    if account.platform != ACCOUNT_PLATFORMS[platform]:
        raise ValidationError({"platform": "the account is on another platform"})
    if not external_id:
        raise ValidationError({"external_id": "the page or account id is missing"})
    if platform == ConnectorPlatform.MASTODON and not api_base.startswith("https://"):
        raise ValidationError({"api_base": "a Mastodon connector needs its https:// server"})
    with transaction.atomic():
        config = (
            ConnectorConfig.objects.select_for_update()
            .filter(platform=platform, external_id=external_id)
            .first()
        )
        created = config is None
        if created:
            config = ConnectorConfig(platform=platform, external_id=external_id)
        config.account = account
        config.api_base = api_base
        config.enabled = enabled
        if token_env:
            config.token_env, config.token_encrypted = token_env, ""
        elif token:
            config.token_env, config.token_encrypted = "", encrypt(token)
        config.save()
    logger.info("connector %s %s for account %s", platform, external_id, account.pk)
    return config, created


# --- Inbound ----------------------------------------------------------------------------------


def storable_text(text: str) -> str:
    """The text with what a text column cannot hold (NUL, lone surrogates) replaced by U+FFFD,
    so one such character does not lose the comment it is in."""
    return _UNSTORABLE.sub("\ufffd", text)


_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def raw_event_store(
    *, source: str, body: bytes | str, config: ConnectorConfig | None = None
) -> RawEvent:
    """Store the body exactly as received and have it processed by a worker after commit.

    A replay of the same delivery (the same bytes to the same hook) is recognised by its
    SHA-256 and stored once: the event already kept is returned.

    On PostgreSQL one autocommitted statement stores the event unless one with the same source
    and SHA-256 exists (``INSERT … SELECT … WHERE NOT EXISTS … RETURNING``), and only a replay
    costs a second round trip to read the event kept; elsewhere an indexed look-up and an
    INSERT. No BEGIN/COMMIT around them: the webhook answers Meta's bursts, and each round trip
    counts. Neither way stops two simultaneous replays from both being stored (there is no
    unique constraint, as before), and processing applies changes by the platform's own ids and
    times, so a second copy changes nothing. Called inside a transaction, the event and its
    processing wait for that transaction's commit instead.

    Processing is asked for after the commit (``_request_processing``): with a cache shared by
    the web and worker processes one drain task takes every new event, otherwise one task per
    event.
    """
    raw = body if isinstance(body, bytes) else body.encode("utf-8", errors="surrogatepass")
    digest = hashlib.sha256(raw).hexdigest()
    fields = {
        "source": source,
        "body": storable_text(raw.decode("utf-8", errors="replace")),
        "raw_body": raw,
        "body_sha256": digest,
        "config": config,
    }
    resent = False
    db = connections[DEFAULT_DB_ALIAS]
    if db.vendor == "postgresql":
        event, resent = _insert_if_absent(db, fields)
    else:
        event = None if _kept(source, digest) else RawEvent.objects.create(**fields)
    if event is None:
        existing = _kept(source, digest)
        if existing is not None:
            if resent:
                # The first INSERT may have been stored before its connection broke, without
                # its processing asked for; asking twice does no harm.
                _request_processing(existing.pk)
            else:
                logger.info("%s delivery replayed; kept once as event %s", source, existing.pk)
            return existing
        # The copy seen a moment ago was deleted since (retention): store this one.
        event = RawEvent.objects.create(**fields)
    _request_processing(event.pk)
    return event


def _kept(source: str, digest: str) -> RawEvent | None:
    return RawEvent.objects.filter(source=source, body_sha256=digest).first()


# What a new event starts with, as the model's defaults say.
_NEW_EVENT = {
    name: RawEvent._meta.get_field(name).get_default() for name in ("status", "attempts", "error")
}


class _PreparingCursor(psycopg.Cursor):
    """psycopg's cursor that binds on the server and prepares each statement it runs."""

    def execute(self, query, params=None, *, prepare=None, binary=None):
        return super().execute(query, params, prepare=True, binary=binary)


# Django turns psycopg's preparing off on its connections (``prepare_threshold`` None); turned
# back on with a threshold never reached, it prepares only what a cursor asks to (the one
# above): every other statement stays unprepared, as Django has it.
_NEVER_BY_COUNT = sys.maxsize


@functools.cache
def _insert_if_absent_sql() -> tuple[str, tuple[str, ...]]:
    """The INSERT of ``_insert_if_absent`` and the fields it sets, in order; every value is
    cast, since a parameter in a SELECT list has no column to take its type from."""
    names = ("source", "body", "raw_body", "body_sha256", "config", "received_at", "status")
    names += ("attempts", "error")
    quote = connection.ops.quote_name
    columns = {name: RawEvent._meta.get_field(name) for name in names}
    table = quote(RawEvent._meta.db_table)
    # Text rather than varchar(n), which would cut a longer value instead of refusing it.
    values = ", ".join(
        f"CAST(%s AS {'text' if isinstance(f, CharField) else f.cast_db_type(connection)})"
        for f in columns.values()
    )
    names_sql = ", ".join(quote(f.column) for f in columns.values())
    source, digest = quote(columns["source"].column), quote(columns["body_sha256"].column)
    pk = quote(RawEvent._meta.pk.column)
    # Only the model's own table and column names are put into the text; values are parameters.
    sql = (
        f"INSERT INTO {table} ({names_sql}) SELECT {values} "  # noqa: S608
        f"WHERE NOT EXISTS (SELECT 1 FROM {table} WHERE {source} = %s AND {digest} = %s) "
        f"RETURNING {pk}"
    )
    return sql, names


def _kept_cursor(db):
    """For a kept connection (``DATABASE_CONN_MAX_AGE`` not 0), a psycopg cursor that binds the
    values on the server and has the statement prepared once per connection: the INSERT is then
    neither quoted into text on our side nor parsed and planned again on PostgreSQL's for each
    delivery. Django's own cursors bind on the client and prepare nothing, so that a pooler in
    transaction mode can sit between; the README says what such a pooler needs for this
    statement.

    The cursor is kept with the connection and used again by its next delivery. It is given
    inside Django's cursor wrapper (logged, and seen by ``execute_wrapper``) whenever anything
    watches the queries, and bare otherwise, sparing each delivery the wrapper's cost; the
    caller raises its errors as Django's (``wrap_database_errors``) either way."""
    db.ensure_connection()
    kept = getattr(db, "_raw_event_cursor", None)
    if kept is None or kept.connection is not db.connection or kept.closed:
        with db.wrap_database_errors:
            if db.connection.prepare_threshold is None:
                db.connection.prepare_threshold = _NEVER_BY_COUNT
            kept = db._raw_event_cursor = _PreparingCursor(db.connection)
    if db.queries_logged:
        return db.make_debug_cursor(kept)
    if db.execute_wrappers:
        return db.make_cursor(kept)
    return kept


def _insert_if_absent(db, fields: dict) -> tuple[RawEvent | None, bool]:
    """The event stored in one round trip unless one with the same source and SHA-256 is kept
    already (None then), and whether the INSERT was sent a second time.

    Outside a transaction, Django's health check of a kept connection (a ``SELECT 1`` before
    the first query of each request, ``CONN_HEALTH_CHECKS``) is left out: a connection that
    broke while idle (a database restart) fails the INSERT itself, and the INSERT is then sent
    once more on a new connection. That is safe because it stores nothing when the first one
    got through after all.

    A connection not kept (``DATABASE_CONN_MAX_AGE`` 0) gets Django's own cursor: preparing
    would cost it a round trip more."""
    sql, names = _insert_if_absent_sql()
    config = fields["config"]
    # The model's defaults for the rest: received now, and the status, attempts and error a
    # new event starts with.
    values = {**_NEW_EVENT, **fields, "config": config.pk if config else None}
    values["received_at"] = timezone.now()
    params = [*(values[name] for name in names), fields["source"], fields["body_sha256"]]

    def insert():
        if db.settings_dict["CONN_MAX_AGE"] == 0:
            with db.cursor() as cursor:
                cursor.execute(sql, params)
                return cursor.fetchone()
        cursor = _kept_cursor(db)
        db.validate_no_broken_transaction()  # as Django's cursors do before every query
        with db.wrap_database_errors:
            cursor.execute(sql, params)
            return cursor.fetchone()

    resent = False
    if db.in_atomic_block:
        row = insert()
    else:
        if db.connection is not None:
            db.health_check_done = True
        try:
            row = insert()
        except (OperationalError, InterfaceError):
            logger.warning("raw event INSERT failed; sent again on a new connection")
            db.close()
            row, resent = insert(), True
    if row is None:
        return None, resent
    event = RawEvent(pk=row[0], received_at=values["received_at"], **fields)
    event._state.adding = False
    event._state.db = db.alias
    return event, resent


# Set while a drain task is on its way and has not yet begun reading (``raw_events_drain``).
DRAIN_FLAG = "connectors:raw-events-drain"
# A drain task whose message was lost holds the flag at most this long; the next delivery then
# enqueues another, and beat's sweep takes what no delivery followed.
DRAIN_FLAG_SECONDS = 60
DRAIN_BATCH = 100
# How long a process trusts that the flag it last found (or set) is still there, without asking
# Redis again; a drain waits as long between deleting the flag and its first read, so that an
# event whose process trusted the flag is committed before that read (``raw_events_drain``).
DRAIN_SETTLE_SECONDS = 0.2


class _DrainSeen:
    """When this process last found the flag set, or set it: ``monotonic()`` just before
    the SET NX was sent (the flag was there at some moment after it). One float, written whole,
    so the threads of a worker may share it."""

    at: float | None = None

    def trusted(self, now: float) -> bool:
        return self.at is not None and now - self.at < DRAIN_SETTLE_SECONDS


_drain_seen = _DrainSeen()


def forget_drain_seen() -> None:
    """Forget the flag this process last saw (the cache it lived in was emptied)."""
    _drain_seen.at = None


def _request_processing(event_id: int) -> None:
    """After the commit, have the event processed: one task per event, or, when
    ``CONNECTOR_EVENT_DRAIN`` is on (the default with a shared cache), one drain task for every
    event stored until it begins (see ``raw_events_drain``). Robust: with the broker down the
    event is still stored and acknowledged, and beat's sweep processes it later."""
    from moderation.tasks import process_raw_event

    if settings.CONNECTOR_EVENT_DRAIN:
        transaction.on_commit(_request_drain, robust=True)
    else:
        transaction.on_commit(lambda: process_raw_event.delay(event_id), robust=True)


def _request_drain() -> None:
    from moderation.tasks import drain_raw_events

    asked = monotonic()
    # In a burst, most deliveries come within moments of one that found the flag set: they
    # need no round trip to Redis to know that a drain will read after their commit.
    if _drain_seen.trusted(asked):
        return
    # One Redis SET NX. False: a drain is on its way that has not begun reading, so it will see
    # this event, committed before. None (the cache is down): enqueue, to be sure.
    added = cache.add(DRAIN_FLAG, 1, timeout=DRAIN_FLAG_SECONDS)
    if added is False:
        _drain_seen.at = asked
        return
    try:
        drain_raw_events.delay()
    except Exception:
        # No drain is coming: the next delivery must be free to enqueue one.
        forget_drain_seen()
        cache.delete(DRAIN_FLAG)
        raise
    if added:
        _drain_seen.at = asked


def raw_events_drain(*, batch: int = DRAIN_BATCH) -> int:
    """Process every event stored and never tried yet, oldest (lowest id) first, in batches;
    return how many this drain processed.

    Why no event is left unprocessed: an event is committed before its ``_request_drain`` runs.
    Either that call sets the flag, and enqueues a drain that reads only after it; or the flag
    was already set, by a call whose drain has not yet deleted it, and since a drain deletes the
    flag before it reads anything, that drain reads after this event's commit. Every read of a
    drain sees every event committed before the drain began; the drain walks up the ids, each
    read taking the lowest ones above the last it saw, so none of those is passed over (one
    committed later with a lower id has a drain of its own by the same reasoning). A delivery
    whose enqueue fails releases the flag; a drain whose message is lost holds it at most
    ``DRAIN_FLAG_SECONDS``; in both cases beat's sweep (``retry_failures``) still takes the
    events after ``STALE_AFTER``, as it takes those of a broker that was down.

    A delivery may also skip asking when its process found the flag set, or set it, less than
    ``DRAIN_SETTLE_SECONDS`` before (``_request_drain``). The drain that deletes that flag does
    so after that moment, and waits as long again before its first read: the read begins after
    the delivery's commit, so the reasoning above still holds. Each side measures only a
    duration on its own clock, so the web and worker machines' clocks need not agree.

    Two drains at once (a flag set again while the first is still working) share the work
    without waiting on each other: each event is claimed by an UPDATE that counts its first
    attempt only while it has none (``raw_event_process(first_attempt=True)``), so exactly one
    drain processes it, and an event tried before (failed, or whose worker died) is left to the
    sweep and its attempt limit, as with one task per event.
    """
    cache.delete(DRAIN_FLAG)
    sleep(DRAIN_SETTLE_SECONDS)
    processed = 0
    after = 0
    while True:
        ids = list(
            RawEvent.objects.filter(status=RawEventStatus.RECEIVED, attempts=0, pk__gt=after)
            .order_by("pk")
            .values_list("pk", flat=True)[:batch]
        )
        if not ids:
            return processed
        for pk in ids:
            try:
                if raw_event_process(event_id=pk, first_attempt=True) is not None:
                    processed += 1
            except Exception:
                # Left "received" with its attempt counted: beat's sweep retries it.
                logger.exception("raw event %s could not be processed by the drain", pk)
        after = ids[-1]


def raw_event_process(*, event_id: int, first_attempt: bool = False) -> RawEvent | None:
    """Turn a stored event into items. Processing is idempotent, so a retry or a replayed
    webhook changes nothing already recorded. Each change of a delivery is applied on its own,
    so one bad change does not lose the others; any failure is kept on the event with its
    error and shows on the failures page.

    With ``first_attempt`` (the drain) the event is processed only if it is still received and
    was never tried; otherwise nothing is done and None returned."""
    # The attempt is counted in a write of its own, so that an attempt that never finishes
    # (a worker killed mid-way) still counts and the sweep stops after the limit.
    attempt = RawEvent.objects.filter(pk=event_id).exclude(status=RawEventStatus.PROCESSED)
    if first_attempt:
        attempt = attempt.filter(status=RawEventStatus.RECEIVED, attempts=0)
    if not attempt.update(attempts=F("attempts") + 1) and first_attempt:
        return None
    with transaction.atomic():
        event = RawEvent.objects.select_for_update().get(pk=event_id)
        if event.status == RawEventStatus.PROCESSED:
            return event
        try:
            with transaction.atomic():
                errors = _apply(event)
        except Exception as exc:
            # Whatever the payload does, the event must end failed with its error, never stay
            # "received" to be requeued for ever.
            errors = [_describe(exc)]
        if errors:
            event.status = RawEventStatus.FAILED
            # The error may quote the payload, NUL characters included.
            event.error = storable_text("\n".join(errors))[:2000]
            logger.warning("raw event %s failed: %s", event.pk, event.error)
        else:
            event.status = RawEventStatus.PROCESSED
            event.error = ""
            event.processed_at = timezone.now()
        event.save(update_fields=["status", "error", "processed_at"])
    return event


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:1000]


def _apply(event: RawEvent) -> list[str]:
    """Apply every change of the event, each in its own savepoint; return the errors of those
    that failed. A payload that cannot be read at all raises."""
    from .capture import polled_changes

    now = timezone.now()
    payload = json.loads(event.body)
    polled = polled_changes(event, payload, now)
    if polled is not None:
        changes = polled
    elif event.source == ConnectorPlatform.MASTODON:
        if event.config is None:
            raise UnknownAccount("a Mastodon page without its connector")
        changes = mastodon.parse(payload, own_account_id=event.config.external_id, now=now)
    else:
        expected = "page" if event.source == ConnectorPlatform.FACEBOOK else "instagram"
        if isinstance(payload, dict) and payload.get("object") != expected:
            raise PayloadError(f"object {payload.get('object')!r} sent to the {event.source} hook")
        changes = meta.parse(payload, now=now)
    configs: dict[str, ConnectorConfig] = {}
    errors = []
    for number, change in enumerate(changes, start=1):
        try:
            with transaction.atomic():
                if change.external_id not in configs:
                    configs[change.external_id] = _config_for(change)
                _ingest(change, configs[change.external_id].account)
        except Exception as exc:
            errors.append(f"change {number} ({change.platform_id[:200]}): {_describe(exc)}")
    return errors


def _config_for(change: InboundChange) -> ConnectorConfig:
    config = (
        ConnectorConfig.objects.select_related("account")
        .filter(
            platform=change.platform,
            external_id=change.external_id,
            enabled=True,
            account__in=SocialAccount.objects.active(),
        )
        .first()
    )
    if config is None:
        logger.warning("refused an event for unknown %s id %s", change.platform, change.external_id)
        raise UnknownAccount(f"no enabled connector for {change.platform} id {change.external_id}")
    return config


def _ingest(change: InboundChange, account: SocialAccount) -> None:
    from moderation.services import ingest_item

    source = CONNECTOR_SOURCES[change.platform]
    platform_id = storable_text(change.platform_id)
    if change.deleted:
        # A removal carries no text: record the deletion on what we have, or nothing at all.
        existing = Item.objects.filter(account=account, platform_id=platform_id).first()
        if existing is None:
            logger.info("removal of unseen %s %s ignored", change.platform, platform_id)
            return
        ingest_item(
            account=account,
            platform_id=existing.platform_id,
            kind=existing.kind,
            author_name=existing.author_name,
            author_platform_id=existing.author_platform_id,
            by_municipality=existing.by_municipality,
            text=existing.text,
            link=existing.link,
            published_at=existing.published_at,
            source=existing.source,
            deleted=True,
            changed_at=change.changed_at,
        )
        return
    result = ingest_item(
        account=account,
        platform_id=platform_id,
        kind=change.kind,
        author_name=storable_text(change.author_name)[:200] or "?",
        author_platform_id=storable_text(change.author_platform_id)[:200],
        by_municipality=change.by_owner,
        text=storable_text(change.text),
        link=storable_text(change.link),
        published_at=change.published_at,
        source=source,
        parent_platform_id=storable_text(change.parent_platform_id),
        changed_at=change.changed_at,
    )
    from .media import attachments_record, exact_text_record

    exact_text_record(item=result.item, exact=change.text)
    attachments_record(item=result.item, attachments=change.attachments)


def raw_event_retry(*, event: RawEvent, actor: User) -> bool:
    """Queue a failed event again (the communicator's retry button)."""
    with transaction.atomic():
        event = RawEvent.objects.select_for_update().get(pk=event.pk)
        if event.status != RawEventStatus.FAILED:
            return False
        logger.info("raw event %s retried by %s", event.pk, actor.get_username())
        from moderation.tasks import process_raw_event

        transaction.on_commit(lambda: process_raw_event.delay(event.pk))
    return True


def mastodon_poll(*, config: ConnectorConfig) -> int:
    """Poll a Mastodon account: see ``connectors.capture.mastodon_poll``."""
    from .capture import mastodon_poll as poll

    return poll(config=config)


# --- Outbound ---------------------------------------------------------------------------------


def _config_for_item(item: Item) -> ConnectorConfig | None:
    platform = {v: k for k, v in CONNECTOR_SOURCES.items()}.get(item.source)
    if platform is None:
        return None
    return (
        ConnectorConfig.objects.filter(account_id=item.account_id, platform=platform, enabled=True)
        .order_by("pk")
        .first()
    )


def connector_for(item: Item) -> Connector:
    """The platform connector when the item came from a configured one, else the manual one.
    Items registered by hand or imported have no platform id to act on, so they are manual."""
    config = _config_for_item(item)
    if config is None or not config.has_token:
        return ManualConnector()
    if item.kind == ItemKind.MESSAGE and config.platform != ConnectorPlatform.MASTODON:
        # Answering a private message needs Meta's Send API and its messaging permission,
        # which this connector does not ask for: a person answers in the inbox and confirms.
        return ManualConnector()
    token = token_for(config)
    if config.platform == ConnectorPlatform.FACEBOOK:
        return meta.FacebookConnector(token)
    if config.platform == ConnectorPlatform.INSTAGRAM:
        return meta.InstagramConnector(token)
    return mastodon.MastodonConnector(token, config.api_base)


def outbound_plan(*, action: ModerationAction, actor: User) -> list[OutboundAction]:
    """The platform actions an outcome asks for, in the triage's transaction: the reply, and
    for a removal the delete (or hide, when the item goes on to case handling). Sending starts
    after commit, so the evidence the removal took is stored before any delete is sent."""
    return outbound_plan_many(actions=[action], actor=actor)


def _outbound_wanted(action: ModerationAction) -> list[tuple[str, str]]:
    wanted: list[tuple[str, str]] = []
    if action.outcome in REPLY_OUTCOMES and action.reply_text:
        wanted.append((OutboundKind.REPLY, action.reply_text))
    if action.outcome == Outcome.REMOVE:
        wanted.append((OutboundKind.DELETE, ""))
        if action.details.get("visitor_notice"):
            # The visitor is told, signed like a reply (R14): by the connector where the
            # platform allows it (Mastodon: a direct message), otherwise by hand.
            wanted.append((OutboundKind.NOTICE, action.details["visitor_notice"]))
    elif action.outcome == Outcome.FORWARD_TO_DEPARTMENT:
        wanted.append((OutboundKind.HIDE, ""))
    if action.item.deleted_by_author_at is not None:
        # The author already deleted it: there is nothing left to answer, hide or delete.
        return []
    return wanted


def outbound_plan_many(*, actions: list[ModerationAction], actor: User) -> list[OutboundAction]:
    """``outbound_plan`` for many outcomes (a bulk, issue 9): one insert for all their platform
    actions, and one connector look-up per account and source rather than per item."""
    manual_for: dict[tuple[int, str], bool] = {}
    rows: list[OutboundAction] = []
    for action in actions:
        wanted = _outbound_wanted(action)
        if not wanted:
            continue
        item = action.item
        key = (item.account_id, item.source)
        if key not in manual_for:
            manual_for[key] = isinstance(_safe_connector(item), ManualConnector)
        manual = manual_for[key]
        rows += [
            OutboundAction(
                item=item,
                moderation_action=action,
                kind=kind,
                text=text,
                requested_by=actor,
                status=OutboundStatus.MANUAL if manual else OutboundStatus.PENDING,
            )
            for kind, text in wanted
        ]
    created = OutboundAction.objects.bulk_create(rows) if rows else []
    pending = [outbound.pk for outbound in created if outbound.status == OutboundStatus.PENDING]
    if pending:
        from moderation.tasks import send_outbound_action

        for pk in pending:
            # Robust: a broker failure must not undo the recorded outcome; the sweep sends it.
            transaction.on_commit(lambda pk=pk: send_outbound_action.delay(pk), robust=True)
    return created


def _safe_connector(item: Item) -> Connector | None:
    try:
        return connector_for(item)
    except SecretUnavailable:
        # Configured but the token is missing: try anyway, so the failure shows and is retried.
        return None


def outbound_send(*, outbound_id: int) -> OutboundAction:
    """Send one action through the item's connector. The row is locked while sending, so two
    workers never send the same action twice."""
    with transaction.atomic():
        outbound = (
            OutboundAction.objects.select_for_update().select_related("item").get(pk=outbound_id)
        )
        if outbound.status not in (OutboundStatus.PENDING, OutboundStatus.FAILED):
            return outbound
        outbound.attempts += 1
        outbound.last_attempt_at = timezone.now()
        try:
            result = _send(outbound)
        except ManualRequired:
            outbound.status, outbound.error = OutboundStatus.MANUAL, ""
        except (ConnectorError, SecretUnavailable) as exc:
            outbound.status, outbound.error = OutboundStatus.FAILED, str(exc)[:2000]
            logger.warning("outbound action %s failed: %s", outbound.pk, outbound.error)
        else:
            outbound.status, outbound.error = OutboundStatus.SENT, ""
            outbound.platform_result_id = result.platform_id[:200]
            outbound.done_at = timezone.now()
            if outbound.kind == OutboundKind.REPLY:
                _mark_answered(outbound.item_id, outbound.done_at)
        outbound.save(
            update_fields=[
                "status",
                "error",
                "attempts",
                "last_attempt_at",
                "platform_result_id",
                "done_at",
            ]
        )
    return outbound


def _send(outbound: OutboundAction):
    item = outbound.item
    if outbound.kind == OutboundKind.DELETE:
        # Evidence first, always: no delete leaves without a verified copy of the item.
        evidence = Evidence.objects.filter(item=item).order_by("-taken_at", "-pk").first()
        if evidence is None or not evidence.verifies():
            raise ConnectorError("no verified evidence of the item; the delete was not sent")
    connector = connector_for(item)
    if outbound.kind == OutboundKind.REPLY:
        if isinstance(connector, mastodon.MastodonConnector):
            return connector.reply(
                platform_id=item.platform_id,
                text=outbound.text,
                author_name=item.author_name,
                idempotency_key=f"haparanda-outbound-{outbound.pk}",
            )
        return connector.reply(
            platform_id=item.platform_id, text=outbound.text, author_name=item.author_name
        )
    if outbound.kind == OutboundKind.NOTICE:
        if isinstance(connector, mastodon.MastodonConnector):
            return connector.notify(
                platform_id=item.platform_id,
                text=outbound.text,
                author_name=item.author_name,
                idempotency_key=f"haparanda-outbound-{outbound.pk}",
            )
        return connector.notify(
            platform_id=item.platform_id, text=outbound.text, author_name=item.author_name
        )
    if outbound.kind == OutboundKind.HIDE:
        return connector.hide(platform_id=item.platform_id)
    return connector.delete(platform_id=item.platform_id)


def _mark_answered(item_id: int, at: dt.datetime) -> None:
    # Response times count from the reply being on the platform (R18), not from the triage;
    # the first posted reply counts if there are several.
    Item.objects.filter(pk=item_id, answered_at__isnull=True).update(answered_at=at)


def outbound_retry(*, outbound: OutboundAction, actor: User) -> bool:
    with transaction.atomic():
        outbound = OutboundAction.objects.select_for_update().get(pk=outbound.pk)
        if outbound.status != OutboundStatus.FAILED:
            return False
        logger.info("outbound action %s retried by %s", outbound.pk, actor.get_username())
        from moderation.tasks import send_outbound_action

        transaction.on_commit(lambda: send_outbound_action.delay(outbound.pk))
    return True


def validate_platform_url(url: str, *, account: SocialAccount) -> str:
    """The address of something posted on the account's platform, or a ValidationError."""
    url = url.strip()
    try:
        URLValidator(schemes=["https", "http"])(url)
    except ValidationError:
        raise ValidationError(
            _("Give the whole address, beginning with https://."), code="invalid"
        ) from None
    host = urlsplit(url).hostname or ""
    if not is_platform_host(host, platform=account.platform, account_url=account.url):
        raise ValidationError(
            _("The address is not on %(platform)s, where the account is."),
            code="wrong_platform",
            params={"platform": account.get_platform_display()},
        )
    return url


def outbound_confirm(*, outbound: OutboundAction, actor: User, url: str = "") -> OutboundAction:
    """The person did it on the platform by hand (a manual action, or a failed one given up),
    optionally giving the address of the posted reply or notice. Recorded on the item's history
    as an append-only action; a posted reply sets when the item was answered (R18). Raises
    ``OutboundNotWaiting`` when it was already done, so a second confirmation changes nothing."""
    with transaction.atomic():
        # Only the action's row is locked; who confirmed it is read after, for the message.
        outbound = (
            OutboundAction.objects.select_for_update(of=("self",))
            .select_related("item__account")
            .get(pk=outbound.pk)
        )
        if outbound.status not in TODO_STATUSES:
            raise OutboundNotWaiting(outbound)
        url = url.strip()
        if url:
            if outbound.kind not in (OutboundKind.REPLY, OutboundKind.NOTICE):
                raise ValidationError(
                    _("Only a posted reply or notice has an address."), code="no_address"
                )
            url = validate_platform_url(url, account=outbound.item.account)
        now = timezone.now()
        outbound.status = OutboundStatus.CONFIRMED
        outbound.confirmed_by = actor
        outbound.done_at = now
        outbound.platform_url = url
        outbound.save(update_fields=["status", "confirmed_by", "done_at", "platform_url"])
        ModerationAction.objects.create(
            item=outbound.item,
            kind=ActionKind.DONE_ON_PLATFORM,
            actor=actor,
            created_at=now,
            details={"outbound_id": outbound.pk, "outbound_kind": outbound.kind, "url": url},
        )
        if outbound.kind == OutboundKind.REPLY:
            _mark_answered(outbound.item_id, now)
    logger.info("outbound action %s done by hand by %s", outbound.pk, actor.get_username())
    return outbound


def retry_failures(*, now: dt.datetime | None = None) -> tuple[int, int]:
    """Beat's sweep: failed raw events and outbound actions below the attempt limit, and those
    whose task was lost, are queued again. Returns (events, actions) queued."""
    from moderation.tasks import process_raw_event, send_outbound_action

    now = now or timezone.now()
    limit = settings.CONNECTOR_MAX_ATTEMPTS
    stale = RawEvent.objects.filter(
        status=RawEventStatus.RECEIVED, received_at__lt=now - STALE_AFTER
    )
    # An event whose processing never finished in the allowed attempts goes to the failures
    # page with that said, instead of being requeued for ever.
    stale.filter(attempts__gte=limit).update(
        status=RawEventStatus.FAILED,
        error=f"processing did not finish in {limit} attempts",
    )
    events = list(
        RawEvent.objects.filter(status=RawEventStatus.FAILED, attempts__lt=limit).values_list(
            "pk", flat=True
        )
    ) + list(stale.filter(attempts__lt=limit).values_list("pk", flat=True))
    actions = list(
        OutboundAction.objects.filter(status=OutboundStatus.FAILED, attempts__lt=limit).values_list(
            "pk", flat=True
        )
    ) + list(
        OutboundAction.objects.filter(
            status=OutboundStatus.PENDING, created_at__lt=now - STALE_AFTER
        ).values_list("pk", flat=True)
    )
    for pk in events:
        process_raw_event.delay(pk)
    for pk in actions:
        send_outbound_action.delay(pk)
    return len(events), len(actions)
