"""Every write of the archiving app: requesting, building and checking snapshots (R19–R22)."""

from __future__ import annotations

import datetime as dt
import logging
import shutil
import time
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import AccountStatus, SocialAccount
from accounts.page_cache import registry_pages_changed
from accounts.selectors import communicator_emails

from .models import (
    FixityCheck,
    FixityStatus,
    FlaggedDownload,
    Snapshot,
    SnapshotKind,
    SnapshotStatus,
)
from .packaging import PackageInfo, build_package
from .sources import DatabaseSource, period_bounds

logger = logging.getLogger(__name__)

READ_CHUNK = 1024 * 1024
# Statuses a snapshot may be (re)built from; ``building`` only once its claim has gone stale.
BUILDABLE = (SnapshotStatus.PENDING, SnapshotStatus.FAILED)


def _enqueue_build(snapshot: Snapshot) -> None:
    from .tasks import build_snapshot

    pk = snapshot.pk
    transaction.on_commit(lambda: build_snapshot.delay(pk))


# --- Requesting -------------------------------------------------------------------------------


def previous_year(today: dt.date | None = None) -> int:
    return (today or timezone.localdate()).year - 1


def accounts_active_in(year: int):
    """Accounts that were official (approved and not yet closed) at any time in ``year``."""
    lower, upper = period_bounds(dt.date(year, 1, 1), dt.date(year, 12, 31))
    return SocialAccount.objects.filter(
        status__in=(AccountStatus.ACTIVE, AccountStatus.CLOSING, AccountStatus.CLOSED),
        approved_at__lt=upper,
    ).filter(Q(closed_at__isnull=True) | Q(closed_at__gte=lower))


def check_year_has_ended(year: int, *, today: dt.date | None = None) -> None:
    """A yearly snapshot holds the whole year, so it is made only once the year has ended (in
    Swedish time); before that, the items of the rest of the year would be in no yearly package."""
    today = today or timezone.localdate()
    if year >= today.year:
        raise ValidationError(
            _(
                "The yearly snapshot of %(year)s can be made only when the year has ended, "
                "from 1 January %(next)s."
            )
            % {"year": year, "next": year + 1},
            code="year_not_ended",
        )


def request_yearly_snapshot(*, account: SocialAccount, year: int) -> tuple[Snapshot, bool]:
    """The yearly snapshot of ``account`` for ``year``, created if missing.

    Refused (``ValidationError``) while the year has not ended. The unique constraint decides a
    race between two schedulers: the loser gets the winner's row.
    """
    check_year_has_ended(year)
    existing = Snapshot.objects.filter(account=account, kind=SnapshotKind.YEARLY, year=year).first()
    if existing:
        return existing, False
    try:
        with transaction.atomic():
            snapshot = Snapshot.objects.create(
                account=account,
                kind=SnapshotKind.YEARLY,
                year=year,
                period_start=dt.date(year, 1, 1),
                period_end=dt.date(year, 12, 31),
                reason=_("Yearly snapshot"),
            )
            _enqueue_build(snapshot)
    except IntegrityError:
        return Snapshot.objects.get(account=account, kind=SnapshotKind.YEARLY, year=year), False
    return snapshot, True


def schedule_yearly_snapshots(*, year: int | None = None) -> list[Snapshot]:
    """Create the missing yearly snapshots for ``year`` (default: the previous calendar year).

    Refused (``ValidationError``) while ``year`` has not ended."""
    year = year or previous_year()
    check_year_has_ended(year)
    created = []
    for account in accounts_active_in(year).order_by("pk").iterator():
        snapshot, was_created = request_yearly_snapshot(account=account, year=year)
        if was_created:
            created.append(snapshot)
    return created


def catch_up_snapshots(*, today: dt.date | None = None) -> list[Snapshot]:
    """Create every yearly snapshot that should exist but does not (the worker was down on
    2 January, an account was approved retroactively), re-send builds whose message was lost,
    and try failed builds again once a day (a closing account waits for its closure snapshot).
    """
    today = today or timezone.localdate()
    first = (
        SocialAccount.objects.filter(approved_at__isnull=False)
        .order_by("approved_at")
        .values_list("approved_at", flat=True)
        .first()
    )
    created: list[Snapshot] = []
    if first is not None:
        for year in range(timezone.localtime(first).year, today.year):
            created += schedule_yearly_snapshots(year=year)

    stale = timezone.now() - dt.timedelta(minutes=settings.ARCHIVING_STALE_MINUTES)
    forgotten = Snapshot.objects.filter(
        Q(status=SnapshotStatus.PENDING, created_at__lt=stale)
        | Q(status=SnapshotStatus.BUILDING, started_at__lt=stale)
        | Q(status=SnapshotStatus.FAILED)
    ).exclude(pk__in=[s.pk for s in created])
    for snapshot in forgotten:
        with transaction.atomic():
            _enqueue_build(snapshot)
    clean_work_files()
    return created


def _reuse_open(account: SocialAccount, kind: str) -> Snapshot | None:
    return (
        Snapshot.objects.filter(
            account=account,
            kind=kind,
            status__in=(SnapshotStatus.PENDING, SnapshotStatus.BUILDING),
        )
        .order_by("-created_at")
        .first()
    )


@transaction.atomic
def request_closure_snapshot(*, account: SocialAccount, actor) -> Snapshot:
    """The registry's closing service calls this when an account moves to ``closing``.

    The snapshot covers the account's whole life, so the last package is complete on its own.
    When it is complete, the build marks the account ``closed`` (``_mark_account_closed``).
    Calling it again while a closure snapshot is on its way returns that one.
    """
    account = SocialAccount.objects.select_for_update().get(pk=account.pk)
    existing = _reuse_open(account, SnapshotKind.CLOSURE)
    if existing:
        return existing
    today = timezone.localdate()
    started = account.starts_on or timezone.localtime(account.created_at).date()
    snapshot = Snapshot.objects.create(
        account=account,
        kind=SnapshotKind.CLOSURE,
        period_start=min(started, today),
        period_end=today,
        requested_by=actor,
        reason=_("The account is closing."),
    )
    _enqueue_build(snapshot)
    return snapshot


def closure_hook(account: SocialAccount, *, requested_by=None) -> Snapshot:
    """The registry's closure hook (setting ``ACCOUNTS_CLOSURE_HOOK``, see ``accounts.closing``).

    ``accounts.services.account_close`` calls it inside its transaction after moving the account
    to ``closing``; the build starts when that transaction commits.
    """
    actor = requested_by
    if actor is None:
        from accounts.models import AccountDecision, DecisionKind

        started = (
            AccountDecision.objects.filter(account=account, kind=DecisionKind.CLOSING_STARTED)
            .select_related("actor")
            .last()
        )
        actor = started.actor if started else None
    return request_closure_snapshot(account=account, actor=actor)


@transaction.atomic
def request_change_snapshot(*, account: SocialAccount, actor, reason: str) -> Snapshot:
    """A snapshot at a larger change (R19): the current year up to today, with the reason."""
    account = SocialAccount.objects.select_for_update().get(pk=account.pk)
    if not account.is_public:
        raise ValidationError(_("Only an approved account can be archived."))
    today = timezone.localdate()
    started = account.starts_on or timezone.localtime(account.created_at).date()
    start = max(dt.date(today.year, 1, 1), min(started, today))
    snapshot = Snapshot.objects.create(
        account=account,
        kind=SnapshotKind.CHANGE,
        period_start=start,
        period_end=today,
        requested_by=actor,
        reason=reason.strip(),
    )
    _enqueue_build(snapshot)
    return snapshot


# --- Building ---------------------------------------------------------------------------------


class BuildSuperseded(Exception):
    """Another build attempt has taken the snapshot over (or completed it): this one's result
    must not be written."""


def work_root() -> Path:
    """The folder of the builds' temporary ZIPs and working folders (one pair per attempt):
    ``ARCHIVING_WORK_DIR``, by default ``MEDIA_ROOT/archive-work``, made readable by this
    installation's user alone. The packages hold personal data; and in a folder shared with
    another installation on the same host (the system's temp folder, as before), each would
    remove the other's builds of snapshots with the same numbers as its own leftovers."""
    root = Path(settings.ARCHIVING_WORK_DIR or Path(settings.MEDIA_ROOT) / "archive-work")
    root.mkdir(mode=0o700, parents=True, exist_ok=True)
    return root


def _work_paths(snapshot_id: int, attempt: int) -> tuple[Path, Path]:
    stem = work_root() / f"snapshot-{snapshot_id}-attempt-{attempt}"
    return stem.with_suffix(".zip"), stem


def _remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def clean_work_files(*, snapshot_id: int | None = None, before_attempt: int | None = None) -> None:
    """Remove what killed builds left behind: the temporary ZIP and working folder.

    With ``snapshot_id`` and ``before_attempt``: that snapshot's earlier attempts (a build does
    this as it starts; an earlier attempt still running is fenced out anyway). Without: every
    leftover older than ``ARCHIVING_STALE_MINUTES`` (the daily catch-up).
    """
    if snapshot_id is not None:
        for path in work_root().glob(f"snapshot-{snapshot_id}-attempt-*"):
            number = path.name.removesuffix(".zip").rsplit("-", 1)[-1]
            if number.isdigit() and (before_attempt is None or int(number) < before_attempt):
                _remove(path)
        return
    stale = time.time() - settings.ARCHIVING_STALE_MINUTES * 60
    for path in work_root().glob("snapshot-*-attempt-*"):
        try:
            old = path.stat().st_mtime < stale
        except FileNotFoundError:
            continue
        if old:
            _remove(path)


def _claim(snapshot_id: int, token: str = "") -> int | None:
    """Move the snapshot to ``building`` if no one else has, and return this attempt's number
    (the fence: only the holder of the latest attempt may write the result); None if taken.

    Taken over: a ``pending`` or ``failed`` snapshot; a ``building`` one whose claim has gone
    stale; and a ``building`` one claimed by the same task message (``token``, the Celery task
    id) — that message is being delivered again because the worker running it was lost.
    """
    now = timezone.now()
    stale = now - dt.timedelta(minutes=settings.ARCHIVING_STALE_MINUTES)
    with transaction.atomic():
        snapshot = (
            Snapshot.objects.select_for_update()
            .filter(pk=snapshot_id)
            .only("status", "started_at", "attempts", "build_token")
            .first()
        )
        if snapshot is None:
            return None
        redelivered = bool(token) and snapshot.build_token == token
        takeable = snapshot.status in BUILDABLE or (
            snapshot.status == SnapshotStatus.BUILDING
            and (redelivered or (snapshot.started_at is not None and snapshot.started_at < stale))
        )
        if not takeable:
            return None
        snapshot.status = SnapshotStatus.BUILDING
        snapshot.started_at = now
        snapshot.attempts += 1
        snapshot.error = ""
        snapshot.build_token = token
        snapshot.save(update_fields=["status", "started_at", "attempts", "error", "build_token"])
        return snapshot.attempts


def build_snapshot(*, snapshot_id: int, token: str = "") -> Snapshot:
    """Build the package of a snapshot; idempotent.

    A complete or currently building snapshot is left alone (unless ``token`` shows that this is
    the same task message delivered again after its worker was lost: then the build resumes at
    once). The package is written to a temporary file and handed to the storage only when
    complete, in the transaction that checks this attempt still holds the snapshot; a superseded
    attempt writes nothing. On any failure the temporary (and any stored) file is removed, the
    snapshot is marked ``failed`` with the error (if this attempt still holds it), and the
    exception propagates so the task can retry.
    """
    attempt = _claim(snapshot_id, token)
    if attempt is None:
        return Snapshot.objects.get(pk=snapshot_id)
    clean_work_files(snapshot_id=snapshot_id, before_attempt=attempt)
    snapshot = Snapshot.objects.select_related("account").get(pk=snapshot_id)
    tmp, work = _work_paths(snapshot_id, attempt)
    try:
        info = PackageInfo(
            package_id=str(snapshot.package_id),
            kind=snapshot.kind,
            period_start=snapshot.period_start,
            period_end=snapshot.period_end,
            account_id=snapshot.account_id,
            reason=snapshot.reason,
            creator=settings.MUNICIPALITY_NAME,
            organisation_number=settings.ARCHIVE_ORGANISATION_NUMBER,
        )
        source = DatabaseSource(snapshot.account, snapshot.period_start, snapshot.period_end)
        result = build_package(
            info, source, tmp, validate=settings.ARCHIVING_VALIDATE_XML, work_dir=work
        )
        return _store_and_complete(snapshot_id, attempt, tmp, result)
    except BuildSuperseded:
        logger.warning(
            "Snapshot %s: attempt %s was superseded; result dropped", snapshot_id, attempt
        )
        return Snapshot.objects.get(pk=snapshot_id)
    except Exception as exc:
        _fail(snapshot_id, attempt, exc)
        raise
    finally:
        _remove(tmp)
        _remove(work)


@transaction.atomic
def _store_and_complete(snapshot_id: int, attempt: int, tmp: Path, result) -> Snapshot:
    """Store the package and mark the snapshot complete, only if ``attempt`` still holds it.

    The row stays locked while the file is saved, so a later attempt can neither complete the
    snapshot meanwhile nor find it complete and rewrite it: a complete snapshot is never
    written again."""
    snapshot = Snapshot.objects.select_for_update().select_related("account").get(pk=snapshot_id)
    if snapshot.status != SnapshotStatus.BUILDING or snapshot.attempts != attempt:
        raise BuildSuperseded
    name = snapshot.storage_name
    # A name left by an attempt that died after saving belongs to this unfinished snapshot.
    if default_storage.exists(name):
        default_storage.delete(name)
    with tmp.open("rb") as f:
        stored_name = default_storage.save(name, File(f, name=Path(name).name))
    try:
        snapshot.status = SnapshotStatus.COMPLETE
        snapshot.file.name = stored_name
        snapshot.sha256 = result.sha256
        snapshot.size = result.size
        snapshot.counts = result.counts
        snapshot.completed_at = timezone.now()
        snapshot.error = ""
        snapshot.save(
            update_fields=["status", "file", "sha256", "size", "counts", "completed_at", "error"]
        )
        if snapshot.kind == SnapshotKind.CLOSURE:
            _mark_account_closed(account=snapshot.account, actor=snapshot.requested_by)
    except Exception:
        default_storage.delete(stored_name)
        raise
    logger.info(
        "Snapshot %s complete: %s bytes, sha256 %s", snapshot.pk, result.size, result.sha256
    )
    return snapshot


def _fail(snapshot_id: int, attempt: int, exc: Exception) -> None:
    """Mark the snapshot failed, only while this attempt holds it (a superseded attempt's
    failure must not touch a snapshot another attempt is building or has completed)."""
    message = f"{type(exc).__name__}: {exc}"[:4000]
    Snapshot.objects.filter(
        pk=snapshot_id, status=SnapshotStatus.BUILDING, attempts=attempt
    ).update(status=SnapshotStatus.FAILED, error=message)
    registry_pages_changed()  # the archive overview shows the status
    logger.exception("Snapshot %s failed", snapshot_id)


def _mark_account_closed(*, account: SocialAccount, actor) -> None:
    """The account becomes ``closed`` only once its closure snapshot is complete; the registry
    owns that transition. An account no longer ``closing`` (closed another way) is left alone,
    so that completing the snapshot never fails on it."""
    from accounts.services import account_mark_closed

    account = SocialAccount.objects.select_for_update().get(pk=account.pk)
    if account.status == AccountStatus.CLOSING:
        account_mark_closed(account=account, actor=actor)


# --- Fixity -----------------------------------------------------------------------------------


def _rehash(name: str) -> tuple[str, int]:
    import hashlib

    digest = hashlib.sha256()
    size = 0
    with default_storage.open(name, "rb") as f:
        while chunk := f.read(READ_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


@transaction.atomic
def check_fixity(*, snapshot_id: int) -> FixityCheck:
    """Re-hash one stored package and record the result on a new ``FixityCheck``."""
    snapshot = Snapshot.objects.select_for_update().get(pk=snapshot_id)
    if snapshot.status != SnapshotStatus.COMPLETE:
        raise ValueError("Only complete snapshots have a package to check.")
    actual, size = "", None
    try:
        actual, size = _rehash(snapshot.file.name)
        result = FixityStatus.OK if actual == snapshot.sha256 else FixityStatus.MISMATCH
    except FileNotFoundError:
        result = FixityStatus.MISSING
    check = FixityCheck.objects.create(
        snapshot=snapshot,
        result=result,
        expected_sha256=snapshot.sha256,
        actual_sha256=actual,
        actual_size=size,
    )
    snapshot.fixity_status = result
    snapshot.fixity_checked_at = check.checked_at
    snapshot.save(update_fields=["fixity_status", "fixity_checked_at"])
    return check


def check_all_fixity() -> list[FixityCheck]:
    """Re-hash every stored package; report every mismatch to the communicators in one e-mail."""
    problems = []
    ids = Snapshot.objects.filter(status=SnapshotStatus.COMPLETE).values_list("pk", flat=True)
    for snapshot_id in ids.iterator():
        check = check_fixity(snapshot_id=snapshot_id)
        if not check.is_ok:
            problems.append(check)
    if problems:
        _report_fixity_problems(problems)
    return problems


def _report_fixity_problems(problems: list[FixityCheck]) -> None:
    recipients = {email for email in communicator_emails() if email}
    lines = []
    for check in problems:
        snapshot = Snapshot.objects.select_related("account").get(pk=check.snapshot_id)
        lines.append(
            _(
                "%(account)s, %(kind)s %(start)s–%(end)s, package %(package)s: %(result)s. "
                "Expected SHA-256 %(expected)s, found %(actual)s."
            )
            % {
                "account": snapshot.account,
                "kind": snapshot.get_kind_display(),
                "start": snapshot.period_start,
                "end": snapshot.period_end,
                "package": snapshot.package_id,
                "result": check.get_result_display(),
                "expected": check.expected_sha256,
                "actual": check.actual_sha256 or "-",
            }
        )
    body = "\n\n".join(
        [
            str(_("The fixity check found archived packages that have changed or are missing:")),
            *lines,
            str(_("Restore these packages from backup and check them again.")),
        ]
    )
    send_mail(
        subject=str(_("Archive fixity check: %(count)d problem(s)") % {"count": len(problems)}),
        message=body,
        from_email=None,
        recipient_list=sorted(recipients),
    )


@transaction.atomic
def record_flagged_download(*, snapshot: Snapshot, actor, reason: str) -> FlaggedDownload:
    """Record that ``actor`` downloads a package the fixity check has flagged, after the warning,
    and why. Refused when the package is not flagged (nothing to record) or no reason is given."""
    snapshot = Snapshot.objects.select_for_update().get(pk=snapshot.pk)
    if not snapshot.is_flagged:
        raise ValidationError(_("The fixity check has not flagged this package."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Say why you download the package anyway."))
    return FlaggedDownload.objects.create(
        snapshot=snapshot,
        actor=actor,
        fixity_status=snapshot.fixity_status,
        reason=reason,
    )
