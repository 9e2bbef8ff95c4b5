"""Polling and reconciliation: every write that reads the platforms on a schedule.

Each page read is stored as a raw event exactly as received (with a ``PolledPage`` saying
where it came from) and processed through the same idempotent ingestion as webhooks, so a page
read twice, or an item both notified and listed, is recorded once.

- Mastodon polling walks the notifications newer than the cursor (``Link: rel=prev``) and, from
  the first connection on, backfills the older ones (``rel=next``) a bounded number of pages per
  run, storing where it stands so the next run resumes.
- Reconciliation lists each connected account's recent posts and the comments on them (Graph
  API feed and media, Mastodon's account statuses and contexts) and records what the
  notifications missed; a run that listed everything it set out to list is the account's "last
  complete capture".
- ``Retry-After`` and ``X-RateLimit-*`` are honoured: no call is made before the time the
  platform gave, and the run stops there instead of hammering.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import SocialAccount
from moderation.models import (
    ConnectorConfig,
    ConnectorPlatform,
    Item,
    ItemKind,
    ItemSource,
    RawEvent,
    RawEventStatus,
)

from . import listings, mastodon
from .base import ConnectorError, http_request
from .events import InboundChange, PayloadError, from_unix
from .meta import appsecret_proof
from .models import CaptureState, PolledEndpoint, PolledPage, ReconciliationRun
from .secrets import SecretUnavailable, token_for

logger = logging.getLogger("connectors")

# Waited after a 429 that says nothing about when to come back.
DEFAULT_BACKOFF = dt.timedelta(minutes=5)


class RateLimited(Exception):
    """The platform asked us to wait; no call is made before ``until``."""

    def __init__(self, until: dt.datetime, message: str = ""):
        super().__init__(message or f"rate limited until {until.isoformat()}")
        self.until = until


def capture_state(config: ConnectorConfig) -> CaptureState:
    state, _created = CaptureState.objects.get_or_create(config=config)
    return state


def _save_state(state: CaptureState, *fields: str) -> None:
    state.updated_at = timezone.now()
    state.save(update_fields=[*fields, "updated_at"])


def _call(state: CaptureState, token: str, url: str, params: dict | None = None):
    """One GET through the HTTP seam, within the rate limits the platform gave."""
    now = timezone.now()
    if state.next_call_at and state.next_call_at > now:
        raise RateLimited(state.next_call_at)
    try:
        response = http_request("GET", url, token=token, params=params)
    except ConnectorError as exc:
        until = mastodon.wait_until(exc.headers, now)
        if exc.status == 429 and until is None:
            until = now + DEFAULT_BACKOFF
        if until is not None and exc.status in (429, 503):
            state.next_call_at = until
            _save_state(state, "next_call_at")
            raise RateLimited(until, f"{exc}; next call after {until.isoformat()}") from None
        raise
    remaining = mastodon.rate_limit_remaining(response.headers)
    state.rate_limit_remaining = remaining
    if remaining is not None and remaining <= settings.CONNECTOR_RATE_LIMIT_RESERVE:
        # Keep the last calls of the window for replies; read again after the reset.
        state.next_call_at = mastodon.wait_until(response.headers, now) or now + DEFAULT_BACKOFF
    _save_state(state, "rate_limit_remaining", "next_call_at")
    return response


def _store_page(
    config: ConnectorConfig,
    body: str,
    *,
    endpoint: str,
    url: str,
    status_id: str = "",
    listed_in: RawEvent | None = None,
    http_status: int = 200,
    reconciliation: bool = False,
) -> RawEvent | None:
    """The page as a raw event with where it came from. A reconciliation page identical to one
    already processed for the same account and endpoint is not stored again (None)."""
    from .services import storable_text

    raw = body.encode("utf-8", errors="surrogatepass")
    digest = hashlib.sha256(raw).hexdigest()
    if (
        reconciliation
        and RawEvent.objects.filter(
            config=config,
            body_sha256=digest,
            status=RawEventStatus.PROCESSED,
            polled_page__endpoint=endpoint,
            polled_page__status_id=status_id[:200],
        ).exists()
    ):
        return None
    with transaction.atomic():
        event = RawEvent.objects.create(
            source=config.platform,
            body=storable_text(body),
            raw_body=raw,
            body_sha256=digest,
            config=config,
        )
        PolledPage.objects.create(
            raw_event=event,
            endpoint=endpoint,
            url=url,
            status_id=status_id[:200],
            listed_in=listed_in,
            http_status=http_status,
            reconciliation=reconciliation,
        )
    return event


def polled_changes(event: RawEvent, payload, now: dt.datetime) -> list[InboundChange] | None:
    """The changes of a polled page, read by its endpoint; None for a webhook or a page polled
    before pages recorded their endpoint (a Mastodon one is then a notifications page)."""
    if event.config_id is None:
        # A webhook delivery: only polled pages are stored with their connector.
        return None
    page = PolledPage.objects.filter(raw_event=event).first()
    if page is None:
        return None
    config = event.config
    if config is None:
        raise PayloadError("a polled page without its connector")
    own = config.external_id
    if page.endpoint == PolledEndpoint.NOTIFICATIONS:
        return mastodon.parse(payload, own_account_id=own, now=now)
    if page.endpoint == PolledEndpoint.ACCOUNT_STATUSES:
        return mastodon.parse_statuses(payload, own_account_id=own, now=now)
    if page.endpoint == PolledEndpoint.CONTEXT:
        return mastodon.parse_context(payload, own_account_id=own, now=now)
    if page.endpoint == PolledEndpoint.HISTORY:
        listed = page.listed_in
        base = next(
            (
                s
                for s in mastodon.statuses_in(json.loads(listed.body) if listed else None)
                if str(s.get("id")) == page.status_id
            ),
            None,
        )
        if base is None:
            raise PayloadError(f"the page that listed status {page.status_id} is missing")
        return mastodon.parse_history(payload, status=base, own_account_id=own, now=now)
    if page.endpoint == PolledEndpoint.STATUS:
        if page.http_status == 404:
            # Gone from the platform: the author deleted it. Noticed now; the platform does
            # not say when.
            return [
                InboundChange(
                    platform=ConnectorPlatform.MASTODON,
                    external_id=own,
                    platform_id=page.status_id,
                    kind=ItemKind.POST,
                    author_name="",
                    author_platform_id="",
                    text="",
                    published_at=event.received_at,
                    deleted=True,
                    changed_at=event.received_at,
                )
            ]
        return [mastodon.status_change(payload, own_account_id=own, now=now)]
    if page.endpoint == PolledEndpoint.FACEBOOK_FEED:
        return listings.parse_feed(payload, page_id=own, now=now)
    if page.endpoint == PolledEndpoint.INSTAGRAM_MEDIA:
        return listings.parse_media(payload, ig_id=own, now=now)
    raise PayloadError(f"unknown endpoint {page.endpoint!r}")


def _process(event: RawEvent | None) -> bool:
    """Process a stored page now; False when it failed (kept on the failures page)."""
    from .services import raw_event_process

    if event is None:
        return True
    return raw_event_process(event_id=event.pk).status == RawEventStatus.PROCESSED


def _json(body: str):
    try:
        return json.loads(body)
    except ValueError:
        return None


# --- Mastodon ----------------------------------------------------------------------------------


def _needs_history(config: ConnectorConfig, status: dict) -> bool:
    """An edited status whose latest edit is not yet recorded."""
    edited_at = status.get("edited_at")
    if not edited_at:
        return False
    item = Item.objects.filter(account=config.account, platform_id=str(status.get("id"))).first()
    if item is None:
        return True
    latest = item.versions.order_by("-changed_at").values_list("changed_at", flat=True).first()
    return latest is None or from_unix(edited_at, latest) > latest


def _process_with_history(
    config: ConnectorConfig, state: CaptureState, token: str, event: RawEvent | None, page
) -> bool:
    """Read the edit history of each edited status on the page first, so every version is
    recorded with its own time, then the page itself. A history that cannot be read leaves the
    latest version, recorded from the page."""
    if event is None:
        return True
    try:
        for status in mastodon.statuses_in(page):
            if not _needs_history(config, status):
                continue
            status_id = str(status.get("id"))
            url = mastodon.status_url(config.api_base, status_id, "/history")
            try:
                response = _call(state, token, url)
            except ConnectorError as exc:
                logger.warning("edit history of %s not read: %s", status_id, exc)
                continue
            _process(
                _store_page(
                    config,
                    response.text,
                    endpoint=PolledEndpoint.HISTORY,
                    url=url,
                    status_id=status_id,
                    listed_in=event,
                )
            )
    finally:
        # Rate limited mid-way or not, the page is processed: nothing it holds is lost.
        processed = _process(event)
    return processed


def _older_url(config: ConnectorConfig, page) -> str:
    """The next older page of notifications when the Link header could not be read: the
    documented ``max_id`` of the oldest notification on this page."""
    if not isinstance(page, list) or not page or not isinstance(page[-1], dict):
        return ""
    oldest = page[-1].get("id")
    return _older_than(config, str(oldest)) if oldest else ""


def _older_than(config: ConnectorConfig, notification_id: str) -> str:
    params = {**mastodon.first_page_params(""), "max_id": notification_id}
    return mastodon.with_params(mastodon.notifications_url(config.api_base), params)


def _links(response, config: ConnectorConfig, errors: list[str]) -> dict[str, str] | None:
    try:
        return mastodon.parse_link_header(
            response.headers.get("Link", ""), api_base=config.api_base
        )
    except mastodon.LinkHeaderError as exc:
        errors.append(str(exc))
        logger.warning("%s: %s", config, exc)
        return None


def mastodon_poll(*, config: ConnectorConfig) -> int:
    """New notifications (mentions and edits) page by page from the cursor, then a bounded
    part of the backfill of older ones. Returns the number of notification pages stored."""
    try:
        token = token_for(config)
    except SecretUnavailable as exc:
        _poll_failed(config, [str(exc)])
        return 0
    state = capture_state(config)
    now = timezone.now()
    errors: list[str] = []
    stored = 0
    first_connection = state.backfill_started_at is None
    url: str | None = mastodon.notifications_url(config.api_base)
    params: dict | None = mastodon.first_page_params(config.cursor)
    try:
        while url and stored < mastodon.MAX_PAGES:
            response = _call(state, token, url, params)
            links = _links(response, config, errors)
            page = _json(response.text)
            if page == []:
                if first_connection:
                    # Nothing new. Connected before backfills existed, the notifications older
                    # than the cursor are read; never connected, there is nothing older either.
                    older = _older_than(config, config.cursor) if config.cursor else ""
                    state.backfill_started_at = now
                    state.backfill_next_url = older
                    state.backfill_completed_at = None if older else now
                    _save_state(
                        state, "backfill_started_at", "backfill_next_url", "backfill_completed_at"
                    )
                break
            with transaction.atomic():
                event = _store_page(
                    config,
                    response.text,
                    endpoint=PolledEndpoint.NOTIFICATIONS,
                    url=mastodon.with_params(url, params),
                )
                if isinstance(page, list) and isinstance(page[0], dict) and page[0].get("id"):
                    # Newest first: the first id is the cursor, whatever its form.
                    config.cursor = str(page[0]["id"])
                    config.save(update_fields=["cursor"])
            stored += 1
            if first_connection:
                first_connection = False
                older = links.get("next", "") if links is not None else _older_url(config, page)
                state.backfill_started_at = now
                state.backfill_next_url = older
                state.backfill_completed_at = None if older else now
                _save_state(
                    state, "backfill_started_at", "backfill_next_url", "backfill_completed_at"
                )
            if not _process_with_history(config, state, token, event, page):
                break
            if links is None:
                # The cursor is stored: the next poll asks for what is newer with min_id.
                break
            url, params = links.get("prev"), None
        if stored >= mastodon.MAX_PAGES:
            errors.append(
                f"{stored} pages of new notifications read; the rest follow on the next poll"
            )
        _mastodon_backfill(config, state, token, errors)
    except RateLimited as exc:
        errors.append(str(exc))
    except ConnectorError as exc:
        errors.append(str(exc))
    _poll_failed(config, errors)
    return stored


def _mastodon_backfill(
    config: ConnectorConfig, state: CaptureState, token: str, errors: list[str]
) -> None:
    """Older notifications, ``MASTODON_BACKFILL_PAGES`` pages per run, resumable."""
    for _ in range(settings.MASTODON_BACKFILL_PAGES):
        url = state.backfill_next_url
        if not url:
            return
        response = _call(state, token, url)
        links = _links(response, config, errors)
        page = _json(response.text)
        older = ""
        if page != []:
            event = _store_page(
                config, response.text, endpoint=PolledEndpoint.NOTIFICATIONS, url=url
            )
            if not _process_with_history(config, state, token, event, page):
                # Kept as a failed event to retry; the backfill goes on past it.
                errors.append(f"an older page could not be processed (event {event.pk})")
            older = links.get("next", "") if links is not None else _older_url(config, page)
            state.backfill_pages += 1
        state.backfill_next_url = older
        if not older:
            state.backfill_completed_at = timezone.now()
        _save_state(state, "backfill_next_url", "backfill_pages", "backfill_completed_at")


def _poll_failed(config: ConnectorConfig, errors: list[str]) -> None:
    error = "\n".join(errors)
    if error:
        logger.warning("polling %s: %s", config, error)
    config.last_polled_at = timezone.now()
    config.last_error = error[:2000]
    config.save(update_fields=["last_polled_at", "last_error"])


# --- Reconciliation ----------------------------------------------------------------------------


def reconcile(*, config: ConnectorConfig) -> int:
    """List the account's recent posts and their comments and record what is missing. Returns
    the number of items found that the notifications had missed."""
    state = capture_state(config)
    started = timezone.now()
    since = started - dt.timedelta(days=settings.RECONCILE_DAYS)
    before = Item.objects.filter(account=config.account).count()
    errors: list[str] = []
    complete = False
    try:
        token = token_for(config)
        if config.platform == ConnectorPlatform.MASTODON:
            complete = _reconcile_mastodon(config, state, token, since, errors)
        else:
            complete = _reconcile_meta(config, state, token, since, errors)
    except (SecretUnavailable, RateLimited, ConnectorError, PayloadError) as exc:
        errors.append(str(exc))
    found = Item.objects.filter(account=config.account).count() - before
    state.last_reconcile_at = timezone.now()
    state.last_reconcile_error = "\n".join(errors)[:2000]
    state.last_reconcile_found = found
    fields = ["last_reconcile_at", "last_reconcile_error", "last_reconcile_found"]
    if complete and not errors:
        state.last_complete_capture_at = started
        fields.append("last_complete_capture_at")
    with transaction.atomic():
        _save_state(state, *fields)
        ReconciliationRun.objects.create(
            config=config,
            started_at=started,
            finished_at=state.last_reconcile_at,
            window_start=since,
            complete=complete and not errors,
            found=found,
            error=state.last_reconcile_error,
        )
    logger.info("reconciled %s: %s missed items found, complete=%s", config, found, complete)
    return found


def _within(status: dict, since: dt.datetime) -> bool:
    return from_unix(status.get("created_at"), since) >= since


def _reconcile_mastodon(
    config: ConnectorConfig, state: CaptureState, token: str, since, errors: list[str]
) -> bool:
    url: str | None = mastodon.account_statuses_url(config.api_base, config.external_id)
    params: dict | None = {"limit": str(mastodon.STATUSES_LIMIT), "exclude_reblogs": "true"}
    own: list[dict] = []
    complete = False
    for _ in range(settings.RECONCILE_MAX_PAGES):
        response = _call(state, token, url, params)
        links = _links(response, config, errors)
        page = _json(response.text)
        event = _store_page(
            config,
            response.text,
            endpoint=PolledEndpoint.ACCOUNT_STATUSES,
            url=mastodon.with_params(url, params),
            reconciliation=True,
        )
        if not _process_with_history(config, state, token, event, page):
            errors.append(
                f"a page of the account's posts could not be processed (event {event.pk})"
            )
            return False
        statuses = mastodon.statuses_in(page)
        recent = [s for s in statuses if _within(s, since)]
        own += recent
        older = links.get("next") if links is not None else None
        if links is None and statuses:
            params = {"limit": str(mastodon.STATUSES_LIMIT), "max_id": str(statuses[-1]["id"])}
            older = mastodon.account_statuses_url(config.api_base, config.external_id)
        else:
            params = None
        if not statuses or len(recent) < len(statuses) or not older:
            complete = True
            break
        url = older
    else:
        errors.append(
            f"the account's posts of the last {settings.RECONCILE_DAYS} days did not fit in "
            f"{settings.RECONCILE_MAX_PAGES} pages"
        )
    for status in own:
        complete = _reconcile_context(config, state, token, status, errors) and complete
    if complete:
        listed = {str(s.get("id")) for s in own}
        gone = Item.objects.filter(
            account=config.account,
            by_municipality=True,
            kind=ItemKind.POST,
            source=ItemSource.MASTODON,
            published_at__gte=since,
            deleted_by_author_at__isnull=True,
        ).exclude(platform_id__in=listed)
        for platform_id in gone.values_list("platform_id", flat=True):
            _check_status(config, state, token, platform_id)
    return complete


def _reconcile_context(
    config: ConnectorConfig, state: CaptureState, token: str, status: dict, errors
) -> bool:
    status_id = str(status.get("id"))
    url = mastodon.status_url(config.api_base, status_id, "/context")
    response = _call(state, token, url)
    page = _json(response.text)
    event = _store_page(
        config,
        response.text,
        endpoint=PolledEndpoint.CONTEXT,
        url=url,
        status_id=status_id,
        reconciliation=True,
    )
    if not _process_with_history(config, state, token, event, page):
        errors.append(f"the replies to {status_id} could not be processed (event {event.pk})")
        return False
    listed = {str(s.get("id")) for s in mastodon.statuses_in(page)}
    # Replies recorded before but missing from the thread now: deleted, or only hidden from
    # the thread? Asked one by one; only a 404 records a deletion.
    known = Item.objects.filter(
        account=config.account,
        parent__platform_id__in=listed | {status_id},
        deleted_by_author_at__isnull=True,
    ).exclude(platform_id__in=listed)
    for platform_id in known.values_list("platform_id", flat=True):
        _check_status(config, state, token, platform_id)
    return True


def _check_status(config: ConnectorConfig, state: CaptureState, token: str, status_id: str):
    url = mastodon.status_url(config.api_base, status_id)
    try:
        response = _call(state, token, url)
    except RateLimited:
        raise
    except ConnectorError as exc:
        if exc.status != 404:
            raise
        _process(
            _store_page(
                config,
                exc.body or "{}",
                endpoint=PolledEndpoint.STATUS,
                url=url,
                status_id=status_id,
                http_status=404,
            )
        )
        return
    event = _store_page(
        config,
        response.text,
        endpoint=PolledEndpoint.STATUS,
        url=url,
        status_id=status_id,
        reconciliation=True,
    )
    _process_with_history(config, state, token, event, _json(response.text))


def _reconcile_meta(
    config: ConnectorConfig, state: CaptureState, token: str, since, errors: list[str]
) -> bool:
    if config.platform == ConnectorPlatform.FACEBOOK:
        url, params = listings.feed_request(config.external_id, since)
        endpoint = PolledEndpoint.FACEBOOK_FEED
    else:
        url, params = listings.media_request(config.external_id, since)
        endpoint = PolledEndpoint.INSTAGRAM_MEDIA
    for _ in range(settings.RECONCILE_MAX_PAGES):
        recorded = mastodon.with_params(url, params)
        proof = {"appsecret_proof": appsecret_proof(token)} if settings.META_APP_SECRET else {}
        response = _call(state, token, url, {**(params or {}), **proof} or None)
        page = _json(response.text)
        event = _store_page(
            config, response.text, endpoint=endpoint, url=recorded, reconciliation=True
        )
        if not _process(event):
            errors.append(f"a page of the listing could not be processed (event {event.pk})")
            return False
        url = listings.next_page(page) if isinstance(page, dict) else ""
        if not url:
            return True
        params = None
    errors.append(
        f"the posts of the last {settings.RECONCILE_DAYS} days did not fit in "
        f"{settings.RECONCILE_MAX_PAGES} pages"
    )
    return False


def reconcile_due_configs() -> list[int]:
    """Every enabled connector of an active account whose platform allows a call now."""
    now = timezone.now()
    configs = ConnectorConfig.objects.filter(
        enabled=True, account__in=SocialAccount.objects.active()
    ).select_related("capture_state")
    due = []
    for config in configs:
        state = getattr(config, "capture_state", None)
        if state is None or state.next_call_at is None or state.next_call_at <= now:
            due.append(config.pk)
    return due
