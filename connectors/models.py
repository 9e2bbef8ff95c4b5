"""What the connectors keep beside the items: attachments and their stored bytes, the exact text
of an item when a database column cannot hold it (R31, R20), where each connected account's
capture stands and where each polled page came from.

The connector configuration, the items themselves, raw events and outbound actions stay in
``moderation.models``.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from haparanda_social.db import AppendOnlyModel


class AttachmentKind(models.TextChoices):
    IMAGE = "image", _("Image")
    VIDEO = "video", _("Video")
    AUDIO = "audio", _("Audio")
    FILE = "file", _("File")
    # A link preview: the link itself is ``source_url``; its image, when the platform gives
    # one, is ``preview_url`` and is what gets downloaded.
    LINK = "link", _("Link preview")


class AttachmentStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be downloaded")
    DOWNLOADING = "downloading", _("Downloading")
    STORED = "stored", _("Stored")
    FAILED = "failed", _("Download failed")
    # Refused for good (too large, not a platform address): retrying cannot help.
    REFUSED = "refused", _("Refused")
    # A link preview without an image: the link and its title are all there is to keep.
    NOTHING_TO_FETCH = "nothing", _("Nothing to download")


# Still to be tried by the worker or the retry sweep.
RETRYABLE_STATUSES = (AttachmentStatus.PENDING, AttachmentStatus.FAILED)
# Types a browser would run or render as a document: never served inline.
ACTIVE_TYPES = frozenset(
    {
        "image/svg+xml",
        "text/html",
        "application/xhtml+xml",
        "application/xml",
        "text/xml",
        "application/javascript",
        "text/javascript",
        "application/pdf",
    }
)


class AttachmentQuerySet(models.QuerySet):
    def stored(self):
        return self.filter(status=AttachmentStatus.STORED)


class Attachment(models.Model):
    """One image, video, file or link preview of an item, as the platform described it, and
    once downloaded the bytes' SHA-256, size and MIME type decided from the bytes themselves.

    The bytes are stored once per content under ``MEDIA_ROOT/sha256/ab/cd/<hash>``, so the same
    image posted twice is kept once; the row says where and what it is. ``http_content_type``
    is what the server claimed, kept so that a lying claim is on record.
    """

    item = models.ForeignKey(
        "moderation.Item",
        verbose_name=_("item"),
        on_delete=models.PROTECT,
        related_name="attachments",
    )
    # Identifies the attachment within its item across redeliveries: the platform's id, or the
    # address without its query (Meta signs its media addresses anew on every delivery).
    key = models.CharField(_("key"), max_length=500)
    position = models.PositiveIntegerField(_("position"), default=0)
    kind = models.CharField(_("kind"), max_length=10, choices=AttachmentKind.choices)
    source_url = models.TextField(_("address on the platform"))
    preview_url = models.TextField(_("preview image address"), blank=True)
    title = models.TextField(_("title"), blank=True)
    description = models.TextField(_("description"), blank=True)
    platform_id = models.CharField(_("platform id"), max_length=200, blank=True)
    claimed_mime_type = models.CharField(
        _("type claimed by the platform"), max_length=200, blank=True
    )
    http_content_type = models.CharField(
        _("type claimed by the server"), max_length=200, blank=True
    )
    mime_type = models.CharField(_("type of the stored bytes"), max_length=200, blank=True)
    size = models.BigIntegerField(_("size in bytes"), null=True, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True, db_index=True)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=AttachmentStatus.choices,
        default=AttachmentStatus.PENDING,
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("recorded"), default=timezone.now)
    last_attempt_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    stored_at = models.DateTimeField(_("stored"), null=True, blank=True)

    objects = AttachmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["item", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["item", "key"], name="unique_attachment_per_item")
        ]
        indexes = [models.Index(fields=["status", "last_attempt_at"], name="attachment_status_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.pk} of item {self.item_id} ({self.status})"

    @property
    def fetch_url(self) -> str:
        """What the worker downloads: the file itself, or a link preview's image."""
        return self.preview_url if self.kind == AttachmentKind.LINK else self.source_url

    @property
    def is_stored(self) -> bool:
        return self.status == AttachmentStatus.STORED

    @property
    def is_image(self) -> bool:
        return self.is_stored and self.mime_type.startswith("image/") and not self.is_active

    @property
    def is_active(self) -> bool:
        """A type a browser would run or show as a page: only ever offered as a download."""
        return self.mime_type in ACTIVE_TYPES

    @property
    def type_mismatch(self) -> bool:
        """The server's Content-Type disagrees with what the bytes are."""
        claimed = self.http_content_type.split(";")[0].strip().lower()
        return bool(self.is_stored and claimed and claimed != self.mime_type)

    @property
    def relative_path(self) -> str:
        return storage_path(self.sha256) if self.sha256 else ""


def storage_path(sha256: str) -> str:
    """Where bytes with this SHA-256 live under ``MEDIA_ROOT``."""
    return f"sha256/{sha256[:2]}/{sha256[2:4]}/{sha256}"


def media_file(sha256: str):
    from pathlib import Path

    return Path(settings.MEDIA_ROOT) / storage_path(sha256)


class ExactText(AppendOnlyModel):
    """The exact text of an item or version whose stored text had characters replaced.

    A database text column cannot hold NUL or a lone surrogate, so the item keeps the text with
    those replaced by U+FFFD (``connectors.services.storable_text``), and this row keeps the
    text as the platform sent it, encoded as UTF-8 with surrogates passed through. The archival
    package carries it exactly (R20): the JSON rendering holds the exact text, the XML an
    escaped form that points to it. Found by the SHA-256 of the stored text it stands for.
    """

    item = models.ForeignKey(
        "moderation.Item",
        verbose_name=_("item"),
        on_delete=models.PROTECT,
        related_name="exact_texts",
    )
    stored_sha256 = models.CharField(_("SHA-256 of the stored text"), max_length=64)
    exact = models.BinaryField(_("exact text (UTF-8, surrogates passed through)"))
    exact_sha256 = models.CharField(_("SHA-256 of the exact text"), max_length=64)
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)

    class Meta:
        verbose_name = _("exact text")
        verbose_name_plural = _("exact texts")
        constraints = [
            models.UniqueConstraint(
                fields=["item", "stored_sha256", "exact_sha256"], name="unique_exact_text"
            )
        ]

    @property
    def text(self) -> str:
        return bytes(self.exact).decode("utf-8", errors="surrogatepass")


def text_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", errors="surrogatepass")).hexdigest()


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
