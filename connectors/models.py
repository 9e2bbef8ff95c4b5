"""Where each connected account's capture stands, and where each polled page came from.

The connector configuration, the raw events and the outbound actions stay in
``moderation.models``; these two tables belong to polling and reconciliation only.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from haparanda_social.db import AppendOnlyModel


class CaptureState(models.Model):
    """One per connector: how far the backfill of older notifications has come, when the
    platform allows the next call (rate limits), and when the account's recent posts and
    comments were last listed completely (reconciliation)."""

    config = models.OneToOneField(
        "moderation.ConnectorConfig",
        verbose_name=_("connector"),
        on_delete=models.CASCADE,
        related_name="capture_state",
    )
    # Mastodon: the address of the next older page of notifications (``Link: rel=next``) still
    # to be read; empty when the backfill is complete or has not started.
    backfill_next_url = models.TextField(_("next older page"), blank=True)
    backfill_pages = models.PositiveIntegerField(_("older pages read"), default=0)
    backfill_started_at = models.DateTimeField(_("backfill started"), null=True, blank=True)
    backfill_completed_at = models.DateTimeField(_("backfill completed"), null=True, blank=True)
    # No call to the platform before this time (Retry-After, X-RateLimit-Reset).
    next_call_at = models.DateTimeField(_("next call allowed"), null=True, blank=True)
    rate_limit_remaining = models.IntegerField(_("calls left in the window"), null=True, blank=True)
    # The end of the last reconciliation that listed everything it set out to list.
    last_complete_capture_at = models.DateTimeField(
        _("last complete capture"), null=True, blank=True
    )
    last_reconcile_at = models.DateTimeField(_("last reconciliation"), null=True, blank=True)
    last_reconcile_error = models.TextField(_("last reconciliation error"), blank=True)
    # Items the last reconciliation found that the notifications had missed.
    last_reconcile_found = models.PositiveIntegerField(_("found by reconciliation"), default=0)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    class Meta:
        verbose_name = _("capture state")
        verbose_name_plural = _("capture states")

    def __str__(self) -> str:
        return str(self.config)

    @property
    def backfill_in_progress(self) -> bool:
        return bool(self.backfill_next_url)

    @property
    def capture_behind(self) -> bool:
        """More than one working day since the last complete capture (or never captured)."""
        from moderation.workdays import is_overdue

        since = self.last_complete_capture_at or self.config.created_at
        return is_overdue(since)


class PolledEndpoint(models.TextChoices):
    NOTIFICATIONS = "notifications", _("Notifications")
    ACCOUNT_STATUSES = "account_statuses", _("The account's own posts")
    CONTEXT = "context", _("Replies to a post")
    HISTORY = "history", _("Edit history")
    STATUS = "status", _("One post")
    FACEBOOK_FEED = "facebook_feed", _("Facebook Page feed")
    INSTAGRAM_MEDIA = "instagram_media", _("Instagram media")


class PolledPage(models.Model):
    """What a polled raw event is: the endpoint it was read from, its address (no token is
    ever in it) and, for a context or an edit history, the post it is about. The body itself
    is the raw event's, exactly as received."""

    raw_event = models.OneToOneField(
        "moderation.RawEvent",
        verbose_name=_("raw event"),
        on_delete=models.PROTECT,
        related_name="polled_page",
    )
    endpoint = models.CharField(_("endpoint"), max_length=30, choices=PolledEndpoint.choices)
    url = models.TextField(_("address"), blank=True)
    status_id = models.CharField(_("post on the platform"), max_length=200, blank=True)
    # An edit history is read with the page that listed the post (its thread and visibility).
    listed_in = models.ForeignKey(
        "moderation.RawEvent",
        verbose_name=_("listed in"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # 200, or 404 for a post the platform no longer has (deleted by its author).
    http_status = models.PositiveSmallIntegerField(_("HTTP status"), default=200)
    # Reconciliation pages are listings: what they contain is recorded, not what they lack.
    reconciliation = models.BooleanField(_("read by reconciliation"), default=False)

    class Meta:
        verbose_name = _("polled page")
        verbose_name_plural = _("polled pages")

    def __str__(self) -> str:
        return f"{self.get_endpoint_display()} {self.status_id}".strip()


class ReconciliationRun(AppendOnlyModel):
    """One reconciliation of one account, as it ended: whether it listed everything it set out
    to (a complete capture), how many items it found that the notifications had missed, and
    why it stopped short. Append-only: the account's capture history, for the communicator and
    for an audit of what the archive may lack."""

    config = models.ForeignKey(
        "moderation.ConnectorConfig",
        verbose_name=_("connector"),
        on_delete=models.PROTECT,
        related_name="reconciliation_runs",
    )
    started_at = models.DateTimeField(_("started"))
    finished_at = models.DateTimeField(_("finished"))
    # Posts published since this time were listed.
    window_start = models.DateTimeField(_("listed from"))
    complete = models.BooleanField(_("complete"), default=False)
    found = models.PositiveIntegerField(_("found by reconciliation"), default=0)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("reconciliation")
        verbose_name_plural = _("reconciliations")
        ordering = ["-started_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.config} {self.started_at:%Y-%m-%d %H:%M}"
