"""Retention (gallring): rules per information type, monthly proposals, the communicator's
approval, culling runs, the culling log and legal holds (R22).

Every record here is a decision or a log and is append-only (R23): a rule change is a new
``RuleVersion``, an approval an ``ProposalApproval``, a release of a hold a ``HoldRelease``.
Only ``CullingRun`` is state (where a run has got to), so a killed run can be finished.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from haparanda_social.db import AppendOnlyModel

# A century is the longest period a municipal plan sets before culling; beyond it is a typo.
MAX_PERIOD_MONTHS = 1200


class Anchor(models.TextChoices):
    """The event a rule's period runs from."""

    END_OF_YEAR = "end_of_year", _("End of the calendar year of publication")
    RECEIVED = "received", _("The day it was received or made")
    ACCOUNT_CLOSED = "account_closed", _("The account's closing")
    REQUEST_CLOSED = "request_closed", _("The request's closing")


class Disposal(models.TextChoices):
    PRESERVE_FIRST = "preserve", _("Preserved in an archival package first (bevaras)")
    CULL = "cull", _("Culled outright (gallras)")


class RuleVersion(AppendOnlyModel):
    """One version of the retention rule for one information type; the highest number is in
    force. ``is_default`` marks the shipped suggestion the municipality has yet to confirm."""

    kind = models.CharField(_("information type"), max_length=40)
    number = models.PositiveIntegerField(_("version"))
    period_months = models.PositiveIntegerField(_("period in months"))
    anchor = models.CharField(_("period runs from"), max_length=20, choices=Anchor.choices)
    disposal = models.CharField(_("disposal"), max_length=20, choices=Disposal.choices)
    decision_body = models.CharField(_("decided by"), max_length=200)
    decision_date = models.DateField(_("decision date"))
    decision_reference = models.CharField(_("diarienummer"), max_length=100)
    is_default = models.BooleanField(_("default to confirm"), default=False)
    why = models.TextField(_("why"))
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    changed_at = models.DateTimeField(_("changed"), default=timezone.now)

    class Meta:
        verbose_name = _("retention rule version")
        verbose_name_plural = _("retention rule versions")
        ordering = ["kind", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "number"], name="unique_rule_version_number")
        ]

    def __str__(self) -> str:
        return f"{self.kind} v{self.number}"

    @property
    def kind_label(self) -> str:
        from .kinds import label_of

        return label_of(self.kind)

    @property
    def preserves_first(self) -> bool:
        return self.disposal == Disposal.PRESERVE_FIRST


class CullingProposal(AppendOnlyModel):
    """What the rules in force would cull as of ``as_of``: per rule, counts, the period the
    records span and a few examples (``summary``), and a SHA-256 over every identifier it would
    cull (``fingerprint``) so that approval can refuse a proposal the data has outrun."""

    as_of = models.DateTimeField(_("as of"))
    created_at = models.DateTimeField(_("prepared"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("prepared by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty when the schedule prepared it."),
    )
    summary = models.JSONField(_("summary"), default=list)
    fingerprint = models.CharField(_("fingerprint"), max_length=64)
    total = models.PositiveIntegerField(_("records to cull"), default=0)

    class Meta:
        verbose_name = _("culling proposal")
        verbose_name_plural = _("culling proposals")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{_('Culling proposal')} {self.pk} ({self.as_of:%Y-%m-%d})"


class ProposalApproval(AppendOnlyModel):
    """The communicator's documented decision to cull what a proposal lists (R23)."""

    proposal = models.OneToOneField(
        CullingProposal,
        verbose_name=_("proposal"),
        on_delete=models.PROTECT,
        related_name="approval",
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("approved"), default=timezone.now)
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        verbose_name = _("approval of a culling proposal")
        verbose_name_plural = _("approvals of culling proposals")

    def __str__(self) -> str:
        return f"{self.proposal_id}: {self.approved_by_id}"


class RunStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for the worker")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")


class CullingRun(models.Model):
    """The culling of one approved proposal, done in the worker in batches. A killed run is
    finished by running it again: each batch commits together with its ``CulledBatch`` record,
    and a rule is logged once (a unique constraint on the log)."""

    proposal = models.OneToOneField(
        CullingProposal, verbose_name=_("proposal"), on_delete=models.PROTECT, related_name="run"
    )
    status = models.CharField(
        _("status"), max_length=20, choices=RunStatus.choices, default=RunStatus.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("culling run")
        verbose_name_plural = _("culling runs")
        ordering = ["-pk"]

    def __str__(self) -> str:
        return f"{_('Culling run')} {self.pk} ({self.status})"


class CulledBatch(AppendOnlyModel):
    """The identifiers one batch culled, committed in the same transaction as the culling."""

    run = models.ForeignKey(
        CullingRun, verbose_name=_("run"), on_delete=models.PROTECT, related_name="batches"
    )
    kind = models.CharField(_("information type"), max_length=40)
    identifiers = models.TextField(_("identifiers culled"))
    counts = models.JSONField(_("counts"), default=dict)
    first_date = models.DateTimeField(_("earliest record"), null=True)
    last_date = models.DateTimeField(_("latest record"), null=True)
    created_at = models.DateTimeField(_("culled"), default=timezone.now)

    class Meta:
        verbose_name = _("culled batch")
        verbose_name_plural = _("culled batches")
        ordering = ["pk"]


class CullingLogEntry(AppendOnlyModel):
    """Gallringslogg: one entry per rule and run — the rule version, the period, the counts,
    who approved, when it ran, and a SHA-256 over the identifiers culled (R22)."""

    run = models.ForeignKey(
        CullingRun, verbose_name=_("run"), on_delete=models.PROTECT, related_name="log_entries"
    )
    rule = models.ForeignKey(
        RuleVersion, verbose_name=_("rule version"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("information type"), max_length=40)
    cutoff = models.DateTimeField(_("records dated before"), null=True, blank=True)
    first_date = models.DateTimeField(_("earliest record culled"), null=True, blank=True)
    last_date = models.DateTimeField(_("latest record culled"), null=True, blank=True)
    culled = models.PositiveIntegerField(_("records culled"), default=0)
    counts = models.JSONField(_("counts per type"), default=dict)
    refused = models.JSONField(_("refused, and why"), default=list)
    held = models.PositiveIntegerField(_("due but held"), default=0)
    identifiers_sha256 = models.CharField(_("SHA-256 of the identifiers"), max_length=64)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("approved"))
    started_at = models.DateTimeField(_("run started"))
    ran_at = models.DateTimeField(_("run finished"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("culling log entry")
        verbose_name_plural = _("culling log")
        ordering = ["-ran_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["run", "kind"], name="one_log_entry_per_rule_and_run")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.culled} ({self.ran_at:%Y-%m-%d})"

    @property
    def kind_label(self) -> str:
        from .kinds import label_of

        return label_of(self.kind)


class HoldScope(models.TextChoices):
    ACCOUNT = "account", _("An account")
    DATE_RANGE = "date_range", _("A date range")
    SEARCH = "search", _("The results of a search")
    ITEMS = "items", _("Single items")


class LegalHold(AppendOnlyModel):
    """A legal hold: nothing it covers is culled, whatever the rules say, until it is released.

    An account hold covers the account's records (within the dates, if given); a date-range
    hold every record in the range; a search or single-items hold the items listed in
    ``HeldItem`` when it was placed."""

    scope = models.CharField(_("scope"), max_length=20, choices=HoldScope.choices)
    account = models.ForeignKey(
        "accounts.SocialAccount",
        verbose_name=_("account"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    date_from = models.DateField(_("from"), null=True, blank=True)
    date_to = models.DateField(_("to and including"), null=True, blank=True)
    search = models.CharField(_("search"), max_length=200, blank=True)
    reason = models.TextField(_("reason"))
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("placed by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    placed_at = models.DateTimeField(_("placed"), default=timezone.now)

    class Meta:
        verbose_name = _("legal hold")
        verbose_name_plural = _("legal holds")
        ordering = ["-placed_at", "-pk"]

    def __str__(self) -> str:
        return f"{_('Legal hold')} {self.pk} ({self.get_scope_display()})"

    @property
    def is_active(self) -> bool:
        return not hasattr(self, "release")


class HeldItem(AppendOnlyModel):
    hold = models.ForeignKey(
        LegalHold, verbose_name=_("legal hold"), on_delete=models.PROTECT, related_name="items"
    )
    item = models.ForeignKey(
        "moderation.Item", verbose_name=_("item"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("held item")
        verbose_name_plural = _("held items")
        constraints = [
            models.UniqueConstraint(fields=["hold", "item"], name="unique_held_item_per_hold")
        ]


class HoldRelease(AppendOnlyModel):
    hold = models.OneToOneField(
        LegalHold, verbose_name=_("legal hold"), on_delete=models.PROTECT, related_name="release"
    )
    reason = models.TextField(_("reason"))
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("released by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    released_at = models.DateTimeField(_("released"), default=timezone.now)

    class Meta:
        verbose_name = _("release of a legal hold")
        verbose_name_plural = _("releases of legal holds")
