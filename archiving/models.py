"""Snapshots of an account's record, kept as archival packages (R19–R22).

A ``Snapshot`` is requested (``pending``), claimed by exactly one build (``building``) and ends
``complete`` with its package file, SHA-256 and size, or ``failed`` with the error and no file.
A complete snapshot never changes: later fixity checks are recorded as ``FixityCheck`` rows.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from haparanda_social.db import AppendOnlyModel


class SnapshotKind(models.TextChoices):
    YEARLY = "yearly", _("Yearly")
    CLOSURE = "closure", _("Closure")
    CHANGE = "change", _("Larger change")
    MANUAL = "manual", _("Manual")


class SnapshotStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    BUILDING = "building", _("Building")
    COMPLETE = "complete", _("Complete")
    FAILED = "failed", _("Failed")


class FixityStatus(models.TextChoices):
    UNCHECKED = "unchecked", _("Not checked yet")
    OK = "ok", _("Checksum matches")
    MISMATCH = "mismatch", _("Checksum does not match")
    MISSING = "missing", _("Package file missing")


class Snapshot(models.Model):
    """One archival package of an account for a period (R19)."""

    package_id = models.UUIDField(_("package id"), default=uuid.uuid4, unique=True, editable=False)
    account = models.ForeignKey(
        "accounts.SocialAccount",
        verbose_name=_("account"),
        on_delete=models.PROTECT,
        related_name="snapshots",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=SnapshotKind.choices)
    # Only yearly snapshots carry a year: the unique constraint below hangs on it.
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period to and including"))
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=SnapshotStatus.choices,
        default=SnapshotStatus.PENDING,
        db_index=True,
    )
    reason = models.TextField(_("reason"), blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty when the schedule requested it."),
    )
    created_at = models.DateTimeField(_("requested"), default=timezone.now, db_index=True)
    started_at = models.DateTimeField(_("build started"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    # The attempt number fences builds: only the latest attempt may write the result.
    attempts = models.PositiveIntegerField(_("build attempts"), default=0)
    # The task message that holds the claim, so its redelivery after a lost worker resumes.
    build_token = models.CharField(_("build task"), max_length=255, blank=True)
    error = models.TextField(_("error"), blank=True)

    file = models.FileField(_("package file"), max_length=300, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    size = models.BigIntegerField(_("size in bytes"), null=True, blank=True)
    counts = models.JSONField(_("counts"), default=dict, blank=True)

    fixity_status = models.CharField(
        _("fixity"), max_length=20, choices=FixityStatus.choices, default=FixityStatus.UNCHECKED
    )
    fixity_checked_at = models.DateTimeField(_("fixity checked"), null=True, blank=True)

    class Meta:
        verbose_name = _("snapshot")
        verbose_name_plural = _("snapshots")
        ordering = ["-period_end", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "year"],
                condition=Q(kind="yearly"),
                name="one_yearly_snapshot_per_account_and_year",
                violation_error_message=_("The account already has a snapshot for this year."),
            ),
            models.CheckConstraint(
                condition=~Q(kind="yearly") | Q(year__isnull=False),
                name="yearly_snapshot_has_year",
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")),
                name="snapshot_period_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.get_kind_display()} {self.period_start}–{self.period_end} ({self.account_id})"
        )

    @property
    def is_complete(self) -> bool:
        return self.status == SnapshotStatus.COMPLETE

    @property
    def storage_name(self) -> str:
        return f"archives/{self.account_id}/{self.package_id}.zip"

    @property
    def is_flagged(self) -> bool:
        """The latest fixity check found the package changed or missing."""
        return self.fixity_status in (FixityStatus.MISMATCH, FixityStatus.MISSING)

    @property
    def download_filename(self) -> str:
        return f"{self.package_id}.zip"


class FixityCheck(models.Model):
    """A later re-hash of a stored package and what it found."""

    snapshot = models.ForeignKey(
        Snapshot, verbose_name=_("snapshot"), on_delete=models.PROTECT, related_name="fixity_checks"
    )
    checked_at = models.DateTimeField(_("checked"), default=timezone.now)
    result = models.CharField(_("result"), max_length=20, choices=FixityStatus.choices)
    expected_sha256 = models.CharField(_("expected SHA-256"), max_length=64)
    actual_sha256 = models.CharField(_("found SHA-256"), max_length=64, blank=True)
    actual_size = models.BigIntegerField(_("found size"), null=True, blank=True)

    class Meta:
        verbose_name = _("fixity check")
        verbose_name_plural = _("fixity checks")
        ordering = ["-checked_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.snapshot_id}: {self.result} ({self.checked_at:%Y-%m-%d})"

    @property
    def is_ok(self) -> bool:
        return self.result == FixityStatus.OK


class FlaggedDownload(AppendOnlyModel):
    """Someone downloaded a package the fixity check had flagged, after the warning: who, when,
    what the check had found and why (append-only)."""

    snapshot = models.ForeignKey(
        Snapshot,
        verbose_name=_("snapshot"),
        on_delete=models.PROTECT,
        related_name="flagged_downloads",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("downloaded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    downloaded_at = models.DateTimeField(_("downloaded"), default=timezone.now)
    fixity_status = models.CharField(_("fixity"), max_length=20, choices=FixityStatus.choices)
    reason = models.TextField(_("reason"))

    class Meta:
        verbose_name = _("download of a flagged package")
        verbose_name_plural = _("downloads of flagged packages")
        ordering = ["-downloaded_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.snapshot_id}: {self.actor_id} ({self.downloaded_at:%Y-%m-%d %H:%M})"
