"""Requests for allmänna handlingar (R21) and their secrecy review.

An allmän handling is a document the municipality holds; anyone may ask for a copy, anonymously,
and the request must be handled promptly (skyndsamt, tryckfrihetsförordningen 2 kap.). A
``RecordsRequest`` (begäran om utlämnande) is the case; ``RequestItem`` rows say which items it
covers; each ``ItemReview`` (sekretessprövning) is an append-only decision on one item, the
latest one counting; every step is an append-only ``RequestEvent``: who, when, what and why
(R23). The provisions of offentlighets- och sekretesslagen (2009:400) a withholding may cite are
data the municipality keeps (``SecrecyProvision``).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from haparanda_social.db import AppendOnlyModel
from moderation.workdays import STOCKHOLM, is_overdue, working_days_between


class SecrecyProvision(models.Model):
    """A provision of offentlighets- och sekretesslagen (2009:400) that a withholding may cite.

    The list is the municipality's: provisions are added and retired, never deleted once cited
    (reviews keep the citation's text too, so a later rewording does not change history)."""

    citation = models.CharField(_("provision"), max_length=60, unique=True)
    description = models.CharField(_("what it protects"), max_length=300)
    active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("secrecy provision")
        verbose_name_plural = _("secrecy provisions")
        ordering = ["citation"]

    def __str__(self) -> str:
        return f"{self.citation} OSL – {self.description}"


class Channel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    PHONE = "phone", _("Phone")
    LETTER = "letter", _("Letter")
    VISIT = "visit", _("Visit")
    FORM = "form", _("Web form")


class RequestStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DELIVERED = "delivered", _("Delivered")


class RecordsRequest(models.Model):
    """A request for allmänna handlingar. The requester's name and contact are kept only when
    they give them: anonymity is the requester's right and nothing here requires them."""

    received_at = models.DateTimeField(_("received"))
    channel = models.CharField(_("how it came"), max_length=20, choices=Channel.choices)
    requester_name = models.CharField(_("requester's name"), max_length=200, blank=True)
    requester_contact = models.CharField(_("requester's contact"), max_length=300, blank=True)
    asked_for = models.TextField(_("what is asked for"))
    diarienummer = models.CharField(_("diarienummer"), max_length=60, blank=True)
    include_versions = models.BooleanField(_("versions asked for"), default=False)
    decision_maker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decision maker"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("registered by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    registered_at = models.DateTimeField(_("registered"), default=timezone.now)
    status = models.CharField(
        _("status"), max_length=20, choices=RequestStatus.choices, default=RequestStatus.OPEN
    )
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    delivered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("delivered by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # The written decision (avslagsbeslut) as delivered, when anything was withheld or masked.
    decision_text = models.TextField(_("written decision"), blank=True)
    package = models.CharField(_("delivered package"), max_length=300, blank=True)
    # When retention culled the delivered files (R22); the request's records stay.
    files_culled_at = models.DateTimeField(_("delivered files culled"), null=True, blank=True)

    class Meta:
        verbose_name = _("request for public records")
        verbose_name_plural = _("requests for public records")
        ordering = ["-received_at", "-pk"]
        indexes = [models.Index(fields=["status", "received_at"], name="records_request_open_idx")]

    def __str__(self) -> str:
        return self.reference

    def get_absolute_url(self) -> str:
        return reverse("records:request_detail", args=[self.pk])

    @property
    def reference(self) -> str:
        return self.diarienummer or f"BEGÄRAN-{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status == RequestStatus.OPEN

    @property
    def is_anonymous(self) -> bool:
        return not (self.requester_name or self.requester_contact)

    def age_in_working_days(self, now: dt.datetime | None = None) -> int:
        """Working days after the day it came in, up to today (or the delivery): 0 on the day."""
        end = self.delivered_at or now or timezone.now()
        first = self.received_at.astimezone(STOCKHOLM).date() + dt.timedelta(days=1)
        return len(working_days_between(first, end.astimezone(STOCKHOLM).date()))

    def is_late(self, now: dt.datetime | None = None) -> bool:
        """Waited longer than one working day, by the queue's rule (office hours)."""
        return self.is_open and is_overdue(self.received_at, now)


class RequestItem(models.Model):
    """An item the request covers. Removing it from the request sets ``removed_at``; adding it
    again makes a new row, so each review belongs to one stretch of membership."""

    request = models.ForeignKey(
        RecordsRequest,
        verbose_name=_("request"),
        on_delete=models.PROTECT,
        related_name="request_items",
    )
    item = models.ForeignKey(
        "moderation.Item",
        verbose_name=_("item"),
        on_delete=models.PROTECT,
        related_name="records_requests",
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("added by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    added_at = models.DateTimeField(_("added"), default=timezone.now)
    removed_at = models.DateTimeField(_("removed from the request"), null=True, blank=True)

    class Meta:
        verbose_name = _("item in a request")
        verbose_name_plural = _("items in a request")
        ordering = ["item__published_at", "item_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["request", "item"],
                condition=Q(removed_at__isnull=True),
                name="records_item_once_per_request",
            )
        ]

    def __str__(self) -> str:
        return f"{self.request_id}: {self.item_id}"


class ReviewOutcome(models.TextChoices):
    RELEASE = "release", _("Release")
    MASK = "mask", _("Release with masking")
    WITHHOLD = "withhold", _("Withhold")


class ItemReview(AppendOnlyModel):
    """A secrecy review (sekretessprövning) of one item in a request, by a named person.

    ``reviewed_text`` is the text the reviewer saw, so masking spans keep their meaning if the
    author edits the item later; ``spans`` are ``[start, end)`` character offsets into it;
    ``suggestions`` are the personal-data detector's findings with the reviewer's answer."""

    request_item = models.ForeignKey(
        RequestItem,
        verbose_name=_("item in the request"),
        on_delete=models.PROTECT,
        related_name="reviews",
    )
    outcome = models.CharField(_("outcome"), max_length=20, choices=ReviewOutcome.choices)
    provision = models.ForeignKey(
        SecrecyProvision,
        verbose_name=_("provision"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    provision_citation = models.CharField(_("provision cited"), max_length=60, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    reviewed_text = models.TextField(_("text reviewed"), blank=True)
    spans = models.JSONField(_("masked spans"), default=list, blank=True)
    mask_author = models.BooleanField(_("author's name masked"), default=False)
    suggestions = models.JSONField(_("suggested spans"), default=list, blank=True)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("reviewed"), default=timezone.now)

    class Meta:
        verbose_name = _("secrecy review")
        verbose_name_plural = _("secrecy reviews")
        ordering = ["reviewed_at", "pk"]

    def __str__(self) -> str:
        return f"{self.request_item_id}: {self.outcome}"


class EventKind(models.TextChoices):
    REGISTERED = "registered", _("Registered")
    ITEM_ADDED = "item_added", _("Item added")
    ITEMS_ADDED = "items_added", _("Search results added")
    ITEM_REMOVED = "item_removed", _("Item removed from the request")
    REVIEWED = "reviewed", _("Reviewed")
    DECIDED = "decided", _("Written decision made")
    DELIVERED = "delivered", _("Delivered")


class RequestEvent(AppendOnlyModel):
    """One step of a request: who, when, what and why (R23)."""

    request = models.ForeignKey(
        RecordsRequest, verbose_name=_("request"), on_delete=models.PROTECT, related_name="events"
    )
    kind = models.CharField(_("step"), max_length=20, choices=EventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("when"), default=timezone.now)
    item = models.ForeignKey(
        "moderation.Item",
        verbose_name=_("item"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    review = models.ForeignKey(
        ItemReview,
        verbose_name=_("review"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    details = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("request step")
        verbose_name_plural = _("request steps")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.request_id}: {self.kind}"
