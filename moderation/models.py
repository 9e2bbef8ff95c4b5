"""Moderation: incoming items, the response model, triage actions, evidence and daily checks.

Items come in by hand, by file import or through the ingest endpoint, idempotently by
(account, platform id). Each triage walks the current response model to an outcome and is
recorded as an append-only ``ModerationAction`` with the model version and the path of answers
(R12, R23). A removal is preceded by an immutable ``Evidence`` copy (R14).
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from haparanda_social.db import AppendOnlyModel


class ItemKind(models.TextChoices):
    POST = "post", _("Post")
    COMMENT = "comment", _("Comment")
    REPLY = "reply", _("Reply")
    MESSAGE = "message", _("Private message")


class ItemStatus(models.TextChoices):
    NEW = "new", _("New")
    IN_PROGRESS = "in_progress", _("In progress")
    HANDLED = "handled", _("Handled")


OPEN_STATUSES = (ItemStatus.NEW, ItemStatus.IN_PROGRESS)


class ItemSource(models.TextChoices):
    MANUAL = "manual", _("Registered by hand")
    IMPORT = "import", _("File import")
    API = "api", _("Ingest endpoint")
    FACEBOOK = "facebook", "Facebook"
    INSTAGRAM = "instagram", "Instagram"
    MASTODON = "mastodon", "Mastodon"


class ItemQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status__in=OPEN_STATUSES)


class Item(models.Model):
    """A post, comment, reply or message on an account (R10).

    ``by_municipality`` tells an upprättad handling (written by the municipality) from an
    inkommen one (written by a visitor). The current text is also kept in ``ItemVersion`` rows,
    one per edit and one for the author's deletion, so nothing the author wrote is lost.
    """

    account = models.ForeignKey(
        "accounts.SocialAccount",
        verbose_name=_("account"),
        on_delete=models.PROTECT,
        related_name="items",
    )
    platform_id = models.CharField(_("platform id"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=ItemKind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("in reply to"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="replies",
    )
    author_name = models.CharField(_("author"), max_length=200)
    author_platform_id = models.CharField(_("author's platform id"), max_length=200, blank=True)
    by_municipality = models.BooleanField(_("written by the municipality"), default=False)
    text = models.TextField(_("text"), blank=True)
    link = models.URLField(_("link"), max_length=1000, blank=True)
    published_at = models.DateTimeField(_("published"), db_index=True)
    captured_at = models.DateTimeField(_("captured"), default=timezone.now)
    source = models.CharField(_("source"), max_length=20, choices=ItemSource.choices)
    status = models.CharField(
        _("status"), max_length=20, choices=ItemStatus.choices, default=ItemStatus.NEW
    )
    # [{"kind": "personnummer", "masked": "19121212-****"}, ...]; see personal_data.py.
    flags = models.JSONField(_("flags"), default=list, blank=True)
    has_personal_data = models.BooleanField(_("personal data found"), default=False)
    deleted_by_author_at = models.DateTimeField(_("deleted by the author"), null=True, blank=True)
    handled_at = models.DateTimeField(_("handled"), null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handled by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    outcome = models.CharField(_("outcome"), max_length=30, blank=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    removed_at = models.DateTimeField(_("removed"), null=True, blank=True)
    # Set by retention's culling (R22): the text, link and author are blanked, the row stays.
    culled_at = models.DateTimeField(_("culled"), null=True, blank=True)

    objects = ItemQuerySet.as_manager()

    class Meta:
        verbose_name = _("item")
        verbose_name_plural = _("items")
        ordering = ["published_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "platform_id"], name="unique_item_platform_id_per_account"
            ),
        ]
        indexes = [models.Index(fields=["status", "published_at"], name="item_queue_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.platform_id} ({self.author_name})"

    def get_absolute_url(self) -> str:
        return reverse("moderation:item_detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_removed(self) -> bool:
        return self.removed_at is not None

    @property
    def flag_labels(self) -> list[str]:
        from .personal_data import flag_label

        return [flag_label(flag) for flag in self.flags]


class VersionChange(models.TextChoices):
    CREATED = "created", _("First seen")
    EDITED = "edited", _("Edited by the author")
    DELETED = "deleted", _("Deleted by the author")


class ItemVersion(AppendOnlyModel):
    """One state of an item as its author left it; never changed afterwards."""

    item = models.ForeignKey(
        Item, verbose_name=_("item"), on_delete=models.PROTECT, related_name="versions"
    )
    number = models.PositiveIntegerField(_("version"))
    change = models.CharField(_("change"), max_length=20, choices=VersionChange.choices)
    text = models.TextField(_("text"), blank=True)
    link = models.URLField(_("link"), max_length=1000, blank=True)
    changed_at = models.DateTimeField(_("changed on the platform"))
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)

    class Meta:
        verbose_name = _("item version")
        verbose_name_plural = _("item versions")
        ordering = ["item", "number"]
        constraints = [
            models.UniqueConstraint(fields=["item", "number"], name="unique_item_version_number")
        ]

    def __str__(self) -> str:
        return f"{self.item_id} v{self.number} ({self.change})"


class ResponseModelVersion(AppendOnlyModel):
    """A published version of the response model (Appendix 1) as a decision tree; the highest
    number is current. The tree's shape is data; the outcomes are the fixed set in
    ``response_model.Outcome``."""

    number = models.PositiveIntegerField(_("version"), unique=True)
    tree = models.JSONField(_("decision tree"))
    note = models.TextField(_("what changed"), blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    published_at = models.DateTimeField(_("published"), default=timezone.now)

    class Meta:
        verbose_name = _("response model version")
        verbose_name_plural = _("response model versions")
        ordering = ["-number"]

    def __str__(self) -> str:
        return f"{_('Response model')} v{self.number}"


class ActionKind(models.TextChoices):
    RECEIVED = "received", _("Received")
    TRIAGED = "triaged", _("Triaged")
    REMOVED = "removed", _("Removed")
    REOPENED = "reopened", _("Back in the queue")
    # A reply, removal, hide or removal notice done by hand on the platform and confirmed.
    DONE_ON_PLATFORM = "done_on_platform", _("Done on the platform")
    CLAIM_TAKEN_OVER = "claim_taken_over", _("Taken over from a colleague")


class ModerationAction(AppendOnlyModel):
    """Append-only record of what was done with an item: who, when, what and why (R23).

    A triage row holds the response model version, the path of answers, the outcome and the
    outcome's fields (reply, forward, referral, legal ground, visitor notice).
    """

    item = models.ForeignKey(
        Item, verbose_name=_("item"), on_delete=models.PROTECT, related_name="actions"
    )
    kind = models.CharField(_("action"), max_length=20, choices=ActionKind.choices)
    outcome = models.CharField(_("outcome"), max_length=30, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="moderation_actions",
    )
    created_at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    response_model = models.ForeignKey(
        ResponseModelVersion,
        verbose_name=_("response model version"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    path = models.JSONField(_("path of answers"), default=list, blank=True)
    reply_text = models.TextField(_("reply"), blank=True)
    reason = models.TextField(_("reason"), blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)
    evidence = models.ForeignKey(
        "Evidence",
        verbose_name=_("evidence"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # Set by retention's culling (R22), the one change these records allow: texts blanked.
    culled_at = models.DateTimeField(_("culled"), null=True, blank=True)

    class Meta:
        verbose_name = _("moderation action")
        verbose_name_plural = _("moderation actions")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.outcome} – {self.item_id}"

    @property
    def outcome_label(self) -> str:
        from .response_model import Outcome

        return Outcome(self.outcome).label if self.outcome in Outcome.values else self.outcome

    @property
    def legal_ground_label(self) -> str:
        from .response_model import LegalGround

        ground = self.details.get("legal_ground", "")
        return LegalGround(ground).label if ground in LegalGround.values else ground

    @property
    def outbound_kind_label(self) -> str:
        kind = self.details.get("outbound_kind", "")
        return OutboundKind(kind).label if kind in OutboundKind.values else kind

    @property
    def rests_on_rules(self) -> bool:
        """Whether the removal rested on the municipality's rules rather than on a law; read
        from the ground for records written before the basis was stored."""
        from .response_model import GroundBasis, ground_basis

        basis = self.details.get("ground_basis") or ground_basis(self.details.get("legal_ground"))
        return basis == GroundBasis.RULES


class Claim(models.Model):
    """Who is working on an item now, so colleagues see "Olle hanterar sedan 14:02" in the queue
    instead of learning it from a refused outcome afterwards.

    At most one row per item; it is state, not history: renewing, releasing and expiring change
    or delete it. Taking over someone else's live claim is the deliberate act, and it is recorded
    as an append-only ``ModerationAction``. The one-outcome guarantee does not rest on claims:
    ``triage_item`` still claims the item with a conditional update.
    """

    item = models.OneToOneField(
        Item, verbose_name=_("item"), on_delete=models.CASCADE, related_name="claim"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("claimed by"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    claimed_at = models.DateTimeField(_("claimed"), default=timezone.now)
    expires_at = models.DateTimeField(_("claim expires"), db_index=True)

    class Meta:
        verbose_name = _("claim")
        verbose_name_plural = _("claims")

    def __str__(self) -> str:
        return f"{self.item_id} – {self.user_id}"

    def is_live(self, now=None) -> bool:
        return self.expires_at > (now or timezone.now())


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class Evidence(AppendOnlyModel):
    """An immutable copy of an item taken before it is removed (R14): the item and its versions
    as canonical JSON and as a rendered, escaped HTML page, with the SHA-256 of each."""

    item = models.ForeignKey(
        Item, verbose_name=_("item"), on_delete=models.PROTECT, related_name="evidence"
    )
    data_json = models.TextField(_("item data (JSON)"))
    data_sha256 = models.CharField(_("SHA-256 of the JSON"), max_length=64)
    html = models.TextField(_("rendered copy (HTML)"))
    html_sha256 = models.CharField(_("SHA-256 of the HTML"), max_length=64)
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("taken by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    taken_at = models.DateTimeField(_("taken"), default=timezone.now)
    # Set by retention's culling (R22): the copies are blanked, the checksums stay.
    culled_at = models.DateTimeField(_("culled"), null=True, blank=True)

    class Meta:
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        ordering = ["taken_at", "pk"]

    def __str__(self) -> str:
        return f"{_('Evidence')} {self.pk} – {self.item_id}"

    def verifies(self) -> bool:
        return (
            sha256_hex(self.data_json) == self.data_sha256
            and sha256_hex(self.html) == self.html_sha256
        )


class DailyCheck(models.Model):
    """The account was checked this working day (R17)."""

    account = models.ForeignKey(
        "accounts.SocialAccount",
        verbose_name=_("account"),
        on_delete=models.PROTECT,
        related_name="daily_checks",
    )
    day = models.DateField(_("day"))
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("checked by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    checked_at = models.DateTimeField(_("checked"), default=timezone.now)
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("daily check")
        verbose_name_plural = _("daily checks")
        ordering = ["-day"]
        constraints = [
            models.UniqueConstraint(fields=["account", "day"], name="one_daily_check_per_day")
        ]

    def __str__(self) -> str:
        return f"{self.account_id} {self.day}"


class IngestToken(models.Model):
    """A connector's credential for the ingest endpoint. Only the SHA-256 of the token is kept;
    the token itself is shown once when it is created."""

    name = models.CharField(_("connector"), max_length=100)
    token_hash = models.CharField(_("token hash"), max_length=64, unique=True)
    prefix = models.CharField(_("token prefix"), max_length=8)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("ingest token")
        verbose_name_plural = _("ingest tokens")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["name"], condition=Q(revoked_at__isnull=True), name="one_live_token_name"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


# --- Platform connectors ----------------------------------------------------------------------


class ConnectorPlatform(models.TextChoices):
    FACEBOOK = "facebook", "Facebook"
    INSTAGRAM = "instagram", "Instagram"
    MASTODON = "mastodon", "Mastodon"


class ConnectorConfig(models.Model):
    """Which platform page or account feeds which registry account, and how to act on it.

    ``external_id`` is the Facebook Page id, the Instagram professional account id or the
    Mastodon account id; an event for an id with no enabled config is refused, never guessed.
    The access token is read from the environment variable named in ``token_env`` or stored
    encrypted in ``token_encrypted`` (see ``connectors.secrets``); it is never shown back.
    Without a token the account gets the manual connector for outbound actions.
    """

    account = models.ForeignKey(
        "accounts.SocialAccount",
        verbose_name=_("account"),
        on_delete=models.PROTECT,
        related_name="connector_configs",
    )
    platform = models.CharField(_("platform"), max_length=20, choices=ConnectorPlatform.choices)
    external_id = models.CharField(_("page or account id on the platform"), max_length=200)
    api_base = models.URLField(_("server address"), blank=True)
    token_env = models.CharField(
        _("environment variable with the token"), max_length=100, blank=True
    )
    token_encrypted = models.TextField(_("encrypted token"), blank=True, editable=False)
    enabled = models.BooleanField(_("enabled"), default=True)
    # Mastodon: the newest notification id already stored (opaque string, never compared).
    cursor = models.CharField(_("cursor"), max_length=200, blank=True)
    last_polled_at = models.DateTimeField(_("last polled"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("connector configuration")
        verbose_name_plural = _("connector configurations")
        ordering = ["platform", "external_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["platform", "external_id"], name="unique_connector_external_id"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_platform_display()} {self.external_id}"

    @property
    def has_token(self) -> bool:
        return bool(self.token_env or self.token_encrypted)


class RawEventStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    PROCESSED = "processed", _("Processed")
    FAILED = "failed", _("Failed")


class RawEvent(models.Model):
    """A webhook body or a polled page exactly as it arrived, stored before it is processed so
    that nothing is lost when processing fails; a failed event is kept and can be retried.

    ``raw_body`` keeps a webhook's bytes exactly, NUL bytes and invalid UTF-8 included, which a
    PostgreSQL text column cannot hold; ``body`` is the same as text with such characters
    replaced by U+FFFD, for reading and parsing. The SHA-256 is of the bytes."""

    source = models.CharField(_("source"), max_length=20, choices=ConnectorPlatform.choices)
    body = models.TextField(_("raw body"))
    raw_body = models.BinaryField(_("raw body, byte for byte"), blank=True, default=b"")
    body_sha256 = models.CharField(_("SHA-256 of the body"), max_length=64)
    config = models.ForeignKey(
        ConnectorConfig,
        verbose_name=_("connector configuration"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="raw_events",
        db_index=False,
    )
    received_at = models.DateTimeField(_("received"), default=timezone.now)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=RawEventStatus.choices,
        default=RawEventStatus.RECEIVED,
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    error = models.TextField(_("error"), blank=True)
    processed_at = models.DateTimeField(_("processed"), null=True, blank=True)

    class Meta:
        verbose_name = _("raw event")
        verbose_name_plural = _("raw events")
        ordering = ["received_at", "pk"]
        # Every delivery writes each of these, so only what a query uses: the replay check
        # (equality only, so no pattern index beside it, which CharField(db_index=True) adds
        # on PostgreSQL), the sweep, and a polled event's configuration (webhook deliveries
        # have none, and are left out of that index).
        indexes = [
            models.Index(fields=["status", "received_at"], name="rawevent_status_idx"),
            models.Index(fields=["body_sha256"], name="rawevent_sha256_idx"),
            models.Index(
                fields=["config"],
                name="rawevent_config_idx",
                condition=models.Q(config__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source} {self.pk} ({self.status})"


class OutboundKind(models.TextChoices):
    REPLY = "reply", _("Reply")
    HIDE = "hide", _("Hide")
    DELETE = "delete", _("Delete")
    # The signed notice that tells the visitor their item was removed (R14).
    NOTICE = "notice", _("Removal notice")


class OutboundStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    MANUAL = "manual", _("To be done by hand")
    CONFIRMED = "confirmed", _("Done by hand")


class OutboundAction(models.Model):
    """A reply, hide or delete that a moderation outcome asks of the platform: sent through the
    account's connector, or done by hand and confirmed by the person. A failure is kept with its
    error and retried; it is never dropped."""

    item = models.ForeignKey(
        Item, verbose_name=_("item"), on_delete=models.PROTECT, related_name="outbound_actions"
    )
    moderation_action = models.ForeignKey(
        ModerationAction,
        verbose_name=_("moderation action"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="outbound_actions",
    )
    kind = models.CharField(_("action"), max_length=20, choices=OutboundKind.choices)
    text = models.TextField(_("text"), blank=True)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=OutboundStatus.choices,
        default=OutboundStatus.PENDING,
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    error = models.TextField(_("error"), blank=True)
    platform_result_id = models.CharField(_("id on the platform"), max_length=200, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    last_attempt_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("confirmed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # Where the posted reply or notice can be seen, given by the person who posted it by hand.
    platform_url = models.URLField(_("address on the platform"), max_length=1000, blank=True)

    class Meta:
        verbose_name = _("outbound action")
        verbose_name_plural = _("outbound actions")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["status", "created_at"], name="outbound_status_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.item_id} ({self.status})"


# Still waiting for a person: to be done by hand, or failed and not yet given up.
TODO_STATUSES = (OutboundStatus.MANUAL, OutboundStatus.FAILED)
