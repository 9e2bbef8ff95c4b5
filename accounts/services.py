"""Every write to the registry (R2–R6, R8, R9, R23).

Each service is keyword-only and runs in one transaction: it locks the rows it changes, checks
the current state and who acts, saves with ``update_fields`` and writes an append-only
``AccountDecision``. A refusal is a ``ValidationError`` whose message the person can act on; an
actor without the right to act at all gets ``PermissionDenied``. Views, admin actions, tasks and
commands all call these functions.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .closing import get_closure_hook
from .models import (
    EDITABLE_STATUSES,
    PUBLIC_STATUSES,
    Absence,
    AccountDecision,
    AccountRole,
    AccountStatus,
    AssignmentStatus,
    DecisionKind,
    Goal,
    Role,
    SocialAccount,
    User,
)
from .permissions import (
    accounts_visible_to,
    can_edit_application,
    can_manage_account,
    can_register_absence_for,
    is_communicator,
)
from .platforms import parse_profile_url
from .public_cache import registry_changed
from .validators import validate_not_a_secret

# The fields of the anmälan (R2) that an applicant fills in, besides the profile address.
APPLICATION_FIELDS = (
    "department",
    "display_name",
    "purpose",
    "audiences",
    "goals",
    "plan",
    "tonality",
    "answers",
    "does_not_answer",
    "hours_per_week",
    "public_contact",
    "starts_on",
    "ends_on",
    *SocialAccount.VISITOR_FIELDS,
    "credentials_location",
    "credentials_access",
)
# What the owner or the communicator keeps up to date on an active account. The address and the
# platform identify the account and are not changed after approval.
DETAIL_FIELDS = tuple(
    f for f in APPLICATION_FIELDS if f not in ("credentials_location", "credentials_access")
)
CREDENTIAL_FIELDS = ("credentials_location", "credentials_access")

# What an application must hold before it is sent to the communicator (R2, R6).
REQUIRED_FOR_SUBMISSION = (
    "display_name",
    "purpose",
    "audiences",
    "goals",
    "plan",
    "tonality",
    "answers",
    "does_not_answer",
    "hours_per_week",
    "public_contact",
    "starts_on",
    *SocialAccount.VISITOR_FIELDS,
)


# --- helpers ------------------------------------------------------------------------------------


def _person(user: User | None) -> dict[str, Any] | None:
    if user is None:
        return None
    return {"id": user.pk, "name": str(user)}


def _decide(
    account: SocialAccount,
    kind: str,
    actor: User,
    comment: str = "",
    **details: Any,
) -> AccountDecision:
    decision = AccountDecision(
        account=account, kind=kind, actor=actor, comment=comment or "", details=details
    )
    decision.save()
    # Every registry change passes here; one on an account the public can see (approved,
    # closing or closed) makes the cached public list, feeds and lookup out of date.
    if account.status in PUBLIC_STATUSES:
        registry_changed()
    return decision


def _lock(account: SocialAccount) -> SocialAccount:
    # A fresh row without prefetched roles, so the checks below see the committed state.
    return SocialAccount.objects.select_for_update().get(pk=account.pk)


def _lock_role(role: AccountRole) -> AccountRole:
    return AccountRole.objects.select_for_update().get(pk=role.pk)


def _require_comment(comment: str, message=None) -> str:
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError(
            {"comment": message or _("Write a reason: the decision is documented.")}
        )
    return comment


def _require_communicator(actor: User) -> None:
    if not is_communicator(actor):
        raise PermissionDenied(gettext("Only the communicator may do this."))


def _require_status(account: SocialAccount, *statuses: str) -> None:
    if account.status not in statuses:
        raise ValidationError(
            _("This cannot be done while the account is %(status)s.")
            % {"status": account.get_status_display().lower()},
            code="wrong_status",
        )


def _duplicate_error(
    url: str, *, actor: User, exclude_pk: int | None = None
) -> ValidationError | None:
    """The refusal of an address already taken. It names the holder only to someone who may see
    it: a public account, or an application the actor may open. Anyone else learns that the
    address is taken, never which application holds it or how far it has come (R24)."""
    existing = (
        SocialAccount.objects.exclude(status=AccountStatus.REJECTED)
        .filter(url=url)
        .exclude(pk=exclude_pk)
        .first()
    )
    if existing is None:
        return None
    if not (existing.is_public or accounts_visible_to(actor).filter(pk=existing.pk).exists()):
        return ValidationError(
            {
                "profile_url": _(
                    "This address is already registered or applied for. An account can only be "
                    "registered once; ask the communicator (%(email)s) if you think this is wrong."
                )
                % {"email": settings.COMMUNICATOR_EMAIL}
            },
            code="duplicate_url",
        )
    return ValidationError(
        {
            "profile_url": _(
                "This address is already registered as %(name)s (%(status)s). "
                "An account can only be registered once."
            )
            % {"name": existing.display_name, "status": existing.get_status_display().lower()}
        },
        code="duplicate_url",
    )


def _save_account(
    account: SocialAccount, *, actor: User, update_fields: list[str] | None = None
) -> None:
    """Save, turning the unique address constraint into the message that names the holder.

    Two applicants may pass the duplicate check at the same moment; the database constraint
    decides, and the loser gets the same message as if the check had caught it.
    """
    try:
        with transaction.atomic():
            account.save(update_fields=update_fields)
    except IntegrityError:
        error = _duplicate_error(account.url, actor=actor, exclude_pk=account.pk)
        if error is None:
            raise
        raise error from None


def _check_dates(starts_on, ends_on) -> None:
    if starts_on and ends_on and ends_on < starts_on:
        raise ValidationError({"ends_on": _("The end date cannot be before the start date.")})


def _apply_fields(
    account: SocialAccount, data: Mapping[str, Any], allowed: tuple[str, ...]
) -> list[str]:
    """Copy the allowed fields from ``data``; return the names of those that changed."""
    changed = []
    for name in allowed:
        if name not in data:
            continue
        value = data[name]
        if isinstance(value, str):
            value = value.strip()
        if name == "goals":
            value = [g for g in Goal.values if g in (value or [])]
        if name == "department":
            if getattr(account, "department_id", None) != getattr(value, "pk", None):
                account.department = value
                changed.append(name)
            continue
        if name == "hours_per_week" and value is not None and not isinstance(value, Decimal):
            # A script or an admin action may give the hours as text or a float; what is not a
            # number is refused on the field, as the form refuses it.
            try:
                value = account._meta.get_field(name).to_python(value if value != "" else None)
            except ValidationError as exc:
                raise ValidationError({name: exc.messages}) from exc
        if getattr(account, name) != value:
            setattr(account, name, value)
            changed.append(name)
    return changed


def _validate_account(account: SocialAccount) -> None:
    # Field validators (e-mail, the secret check on credential custody, decimals); the address
    # constraint is handled by ``_save_account`` so its message can name the existing account.
    account.full_clean(validate_unique=False, validate_constraints=False)
    _check_dates(account.starts_on, account.ends_on)


def _apply_profile_url(account: SocialAccount, raw: str, *, actor: User) -> bool:
    try:
        parsed = parse_profile_url(raw)
    except ValidationError as exc:
        raise ValidationError({"profile_url": exc.messages}) from exc
    changed = parsed.url != account.url
    account.platform, account.handle, account.url = parsed.platform, parsed.handle, parsed.url
    if changed:
        error = _duplicate_error(parsed.url, actor=actor, exclude_pk=account.pk)
        if error is not None:
            raise error
    return changed


def _notify_manager(role: AccountRole) -> None:
    """Ask the manager by e-mail to confirm or decline the assignment (R3), after commit."""
    manager = role.manager
    if not manager.email:
        return
    link = settings.SITE_URL + reverse("accounts:assignment", args=[role.pk])
    subject = gettext("Confirm the assignment for %(account)s") % {
        "account": role.account.display_name
    }
    body = gettext(
        "%(person)s is proposed as %(role)s of the social media account %(account)s "
        "(%(department)s).\n\n"
        "As the closest manager you give the assignment. Confirm or decline it here:\n%(link)s\n"
    ) % {
        "person": role.user,
        "role": role.get_role_display().lower(),
        "account": role.account.display_name,
        "department": role.account.department,
        "link": link,
    }
    recipient = manager.email
    transaction.on_commit(
        lambda: send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [recipient])
    )


def _resolve_manager(user: User) -> User:
    """The manager who gives ``user`` an assignment: their manager in the staff directory (R3).

    The applicant does not choose: a chosen manager would let two colleagues name each other and
    confirm each other's assignments. The directory's import keeps ``User.manager`` in step.
    """
    manager = user.manager
    if manager is None:
        raise ValidationError(
            {
                "user": _(
                    "%(person)s has no manager in the staff directory, so nobody can confirm "
                    "the assignment. Ask the communicator to update the directory."
                )
                % {"person": user}
            }
        )
    if manager.pk == user.pk:
        raise ValidationError({"user": _("A person cannot be their own manager.")})
    if not manager.is_active:
        raise ValidationError(
            {
                "user": _(
                    "The manager of %(person)s in the staff directory, %(manager)s, has left. "
                    "Ask the communicator to update the directory."
                )
                % {"person": user, "manager": manager}
            }
        )
    return manager


def _current_role_of(account: SocialAccount, user: User) -> AccountRole | None:
    return AccountRole.objects.current().filter(account=account, user=user).first()


def _create_role(
    *,
    account: SocialAccount,
    user: User,
    role: str,
    appointed_by: User | None = None,
) -> AccountRole:
    if not user.is_active:
        raise ValidationError(
            {
                "user": _("%(person)s has left the staff directory and cannot be given a role.")
                % {"person": user}
            }
        )
    manager = _resolve_manager(user)
    if _current_role_of(account, user) is not None:
        raise ValidationError(
            {"user": _("%(person)s already has a role on this account.") % {"person": user}}
        )
    try:
        with transaction.atomic():
            return AccountRole.objects.create(
                account=account, user=user, role=role, manager=manager, appointed_by=appointed_by
            )
    except IntegrityError:
        # Someone else gave the person (or the owner role) away at the same moment.
        raise ValidationError(
            {"user": _("%(person)s already has a role on this account.") % {"person": user}}
        ) from None


def _end_role(role: AccountRole, actor: User) -> None:
    role.ended_at = timezone.now()
    role.ended_by = actor
    role.save(update_fields=["ended_at", "ended_by"])


def _role_details(role: AccountRole) -> dict[str, Any]:
    return {
        "person": _person(role.user),
        "role": role.role,
        "manager": _person(role.manager),
        "role_id": role.pk,
    }


def _require_editor(actor: User, account: SocialAccount) -> None:
    if not can_edit_application(actor, account):
        if not account.is_editable:
            _require_status(account, *EDITABLE_STATUSES)
        raise PermissionDenied(gettext("Only the applicant or the proposed owner may do this."))


def _require_manager_of_account(actor: User, account: SocialAccount) -> None:
    if not can_manage_account(actor, account):
        raise PermissionDenied(gettext("Only the owner or the communicator may do this."))


# --- the application (anmälan, R2) --------------------------------------------------------------


@transaction.atomic
def application_create(*, actor: User, data: Mapping[str, Any]) -> SocialAccount:
    """Start an anmälan as a draft. ``data`` holds ``profile_url`` and the application fields."""
    account = SocialAccount(created_by=actor, status=AccountStatus.DRAFT)
    _apply_profile_url(account, data.get("profile_url", ""), actor=actor)
    _apply_fields(account, data, APPLICATION_FIELDS)
    _validate_account(account)
    _save_account(account, actor=actor)
    _decide(
        account,
        DecisionKind.CREATED,
        actor,
        url=account.url,
        platform=account.platform,
        fields=[f for f in APPLICATION_FIELDS if data.get(f) not in (None, "", [])],
    )
    return account


@transaction.atomic
def application_update(
    *, account: SocialAccount, actor: User, data: Mapping[str, Any]
) -> SocialAccount:
    """Change a draft or an application sent back for changes (applicant or proposed owner)."""
    account = _lock(account)
    _require_editor(actor, account)
    changed = []
    if "profile_url" in data and _apply_profile_url(account, data["profile_url"], actor=actor):
        changed += ["url", "platform", "handle"]
    changed += _apply_fields(account, data, APPLICATION_FIELDS)
    if not changed:
        return account
    _validate_account(account)
    _save_account(account, actor=actor, update_fields=[*changed, "updated_at"])
    _decide(account, DecisionKind.UPDATED, actor, fields=changed)
    return account


@transaction.atomic
def application_set_owner(*, account: SocialAccount, actor: User, user: User) -> AccountRole:
    """Name the owner of an application; a previously named owner is replaced (R4)."""
    account = _lock(account)
    _require_editor(actor, account)
    current = account.roles.current().filter(role=Role.OWNER).first()
    if current is not None and current.user_id == user.pk:
        manager = _resolve_manager(user)
        if current.manager_id != manager.pk:
            # Another manager means another assignment: it must be confirmed anew.
            _end_role(current, actor)
            current = None
        else:
            return current
    if current is not None:
        _end_role(current, actor)
    role = _create_role(account=account, user=user, role=Role.OWNER)
    _decide(account, DecisionKind.UPDATED, actor, change="owner_set", **_role_details(role))
    return role


@transaction.atomic
def application_add_person(
    *, account: SocialAccount, actor: User, user: User, role: str
) -> AccountRole:
    """Propose a deputy or an administrator on an application (R4)."""
    if role not in (Role.DEPUTY, Role.ADMINISTRATOR):
        raise ValidationError({"role": _("Choose deputy or administrator.")})
    account = _lock(account)
    _require_editor(actor, account)
    created = _create_role(account=account, user=user, role=role)
    _decide(account, DecisionKind.UPDATED, actor, change="person_added", **_role_details(created))
    return created


@transaction.atomic
def application_remove_person(*, role: AccountRole, actor: User) -> None:
    """Take a person off an application before it is approved."""
    account = _lock(role.account)
    _require_editor(actor, account)
    role = _lock_role(role)
    if role.account_id != account.pk or role.ended_at is not None:
        raise ValidationError(_("This person no longer has a role on the account."))
    _end_role(role, actor)
    _decide(account, DecisionKind.UPDATED, actor, change="person_removed", **_role_details(role))


def _missing_for_submission(account: SocialAccount) -> list[str]:
    missing = []
    empty = [
        str(account._meta.get_field(name).verbose_name)
        for name in REQUIRED_FOR_SUBMISSION
        if getattr(account, name) in (None, "", [])
        or (isinstance(getattr(account, name), str) and not getattr(account, name).strip())
    ]
    if empty:
        missing.append(
            str(_("These fields must be filled in: %(fields)s.") % {"fields": ", ".join(empty)})
        )
    roles = list(account.roles.current().select_related("user", "manager"))
    if not any(r.role == Role.OWNER for r in roles):
        missing.append(str(_("Name the owner of the account.")))
    if not any(r.role == Role.DEPUTY for r in roles):
        missing.append(str(_("Name at least one deputy.")))
    for role in roles:
        if role.assignment_status == AssignmentStatus.DECLINED:
            missing.append(
                str(
                    _(
                        "%(manager)s declined the assignment of %(person)s. Remove the person, "
                        "or ask the communicator to correct the staff directory if the manager "
                        "is wrong."
                    )
                    % {"manager": role.manager, "person": role.user}
                )
            )
    return missing


@transaction.atomic
def application_submit(*, account: SocialAccount, actor: User) -> SocialAccount:
    """Send the anmälan to the communicator and ask each named manager to confirm (R2, R3)."""
    account = _lock(account)
    _require_editor(actor, account)
    missing = _missing_for_submission(account)
    if missing:
        raise ValidationError(missing, code="incomplete")
    account.status = AccountStatus.SUBMITTED
    account.submitted_at = timezone.now()
    account.save(update_fields=["status", "submitted_at", "updated_at"])
    roles = list(account.roles.current().select_related("user", "manager", "account__department"))
    pending = [r for r in roles if r.assignment_status == AssignmentStatus.PENDING]
    for role in pending:
        _notify_manager(role)
    _decide(
        account,
        DecisionKind.SUBMITTED,
        actor,
        managers_asked=[_person(r.manager) for r in pending],
    )
    return account


# --- the manager's assignment (uppdrag, R3) -----------------------------------------------------

# An assignment can be decided while the application is on its way and after activation (a new
# owner, deputy or administrator), but not on an account that is finished.
_ASSIGNABLE_STATUSES = (
    AccountStatus.SUBMITTED,
    AccountStatus.CHANGES_REQUESTED,
    AccountStatus.ACTIVE,
    AccountStatus.CLOSING,
)


def _lock_pending_assignment(role: AccountRole, actor: User) -> AccountRole:
    role = _lock_role(role)
    if role.manager_id != actor.pk:
        raise PermissionDenied(gettext("Only the named manager may decide this assignment."))
    if role.ended_at is not None:
        raise ValidationError(_("This role has ended."))
    if role.assignment_status != AssignmentStatus.PENDING:
        raise ValidationError(_("This assignment has already been decided."))
    _require_status(role.account, *_ASSIGNABLE_STATUSES)
    return role


@transaction.atomic
def assignment_confirm(
    *, role: AccountRole, actor: User, reference: str = "", comment: str = ""
) -> AccountRole:
    """The named manager gives the person the documented assignment for this role."""
    role = _lock_pending_assignment(role, actor)
    role.assignment_status = AssignmentStatus.CONFIRMED
    role.assignment_decided_at = timezone.now()
    role.assignment_reference = (reference or "").strip()
    role.assignment_comment = (comment or "").strip()
    role.save(
        update_fields=[
            "assignment_status",
            "assignment_decided_at",
            "assignment_reference",
            "assignment_comment",
        ]
    )
    _decide(
        role.account,
        DecisionKind.ASSIGNMENT_CONFIRMED,
        actor,
        role.assignment_comment,
        reference=role.assignment_reference,
        **_role_details(role),
    )
    return role


@transaction.atomic
def assignment_decline(*, role: AccountRole, actor: User, comment: str) -> AccountRole:
    """The named manager refuses the assignment; the reason is required."""
    comment = _require_comment(comment, _("Write why you decline the assignment."))
    role = _lock_pending_assignment(role, actor)
    role.assignment_status = AssignmentStatus.DECLINED
    role.assignment_decided_at = timezone.now()
    role.assignment_comment = comment
    role.save(update_fields=["assignment_status", "assignment_decided_at", "assignment_comment"])
    _decide(role.account, DecisionKind.ASSIGNMENT_DECLINED, actor, comment, **_role_details(role))
    return role


# --- the communicator's decision (R3) -----------------------------------------------------------


@transaction.atomic
def account_approve(*, account: SocialAccount, actor: User, comment: str) -> SocialAccount:
    """Approve an application; the proposed administrators are appointed with it (R3, R4).

    Like every other decision, the approval carries its reason (R23)."""
    _require_communicator(actor)
    comment = _require_comment(comment)
    account = _lock(account)
    _require_status(account, AccountStatus.SUBMITTED)
    missing = account.missing_for_approval()
    if missing:
        raise ValidationError([str(m) for m in missing], code="incomplete")
    roles = list(account.roles.current().select_related("user", "manager"))
    for role in roles:
        if role.role == Role.ADMINISTRATOR and role.appointed_by_id is None:
            role.appointed_by = actor
            role.save(update_fields=["appointed_by"])
            _decide(
                account,
                DecisionKind.ROLE_APPOINTED,
                actor,
                gettext("Appointed with the approval of the account."),
                **_role_details(role),
            )
    account.status = AccountStatus.ACTIVE
    account.approved_at = timezone.now()
    account.save(update_fields=["status", "approved_at", "updated_at"])
    _decide(
        account,
        DecisionKind.APPROVED,
        actor,
        comment,
        people=[{**_person(r.user), "role": r.role} for r in roles],
    )
    return account


@transaction.atomic
def account_reject(*, account: SocialAccount, actor: User, comment: str) -> SocialAccount:
    _require_communicator(actor)
    comment = _require_comment(comment)
    account = _lock(account)
    _require_status(account, AccountStatus.SUBMITTED)
    account.status = AccountStatus.REJECTED
    account.save(update_fields=["status", "updated_at"])
    _decide(account, DecisionKind.REJECTED, actor, comment)
    return account


@transaction.atomic
def account_request_changes(*, account: SocialAccount, actor: User, comment: str) -> SocialAccount:
    _require_communicator(actor)
    comment = _require_comment(comment)
    account = _lock(account)
    _require_status(account, AccountStatus.SUBMITTED)
    account.status = AccountStatus.CHANGES_REQUESTED
    account.save(update_fields=["status", "updated_at"])
    _decide(account, DecisionKind.CHANGES_REQUESTED, actor, comment)
    return account


# --- an active account's people (R4) ------------------------------------------------------------


@transaction.atomic
def role_appoint_administrator(
    *, account: SocialAccount, actor: User, user: User, comment: str
) -> AccountRole:
    """The communicator appoints an administrator; the decision is documented (R4)."""
    _require_communicator(actor)
    comment = _require_comment(comment)
    account = _lock(account)
    _require_status(account, AccountStatus.ACTIVE)
    role = _create_role(account=account, user=user, role=Role.ADMINISTRATOR, appointed_by=actor)
    _notify_manager(role)
    _decide(account, DecisionKind.ROLE_APPOINTED, actor, comment, **_role_details(role))
    return role


@transaction.atomic
def role_add_deputy(
    *,
    account: SocialAccount,
    actor: User,
    user: User,
    comment: str = "",
) -> AccountRole:
    """The owner or the communicator names another deputy; the manager is asked to confirm."""
    account = _lock(account)
    _require_manager_of_account(actor, account)
    _require_status(account, AccountStatus.ACTIVE)
    role = _create_role(account=account, user=user, role=Role.DEPUTY)
    _notify_manager(role)
    _decide(account, DecisionKind.ROLE_APPOINTED, actor, comment, **_role_details(role))
    return role


@transaction.atomic
def role_end(*, role: AccountRole, actor: User, comment: str) -> AccountRole:
    """End a deputy's or an administrator's role on an active account."""
    comment = _require_comment(comment)
    account = _lock(role.account)
    _require_manager_of_account(actor, account)
    _require_status(account, AccountStatus.ACTIVE, AccountStatus.CLOSING)
    role = _lock_role(role)
    if role.account_id != account.pk or role.ended_at is not None:
        raise ValidationError(_("This person no longer has a role on the account."))
    if role.role == Role.OWNER:
        raise ValidationError(
            _("The owner of an active account cannot be removed. Change the owner instead.")
        )
    if role.role == Role.DEPUTY:
        others = account.roles.current().filter(role=Role.DEPUTY).exclude(pk=role.pk).exists()
        if not others:
            raise ValidationError(
                _("The account must keep at least one deputy. Add another deputy first.")
            )
    _end_role(role, actor)
    _decide(account, DecisionKind.ROLE_ENDED, actor, comment, **_role_details(role))
    return role


@transaction.atomic
def account_change_owner(
    *,
    account: SocialAccount,
    new_owner: User,
    actor: User,
    comment: str,
) -> AccountRole:
    """Hand the account to a new owner. Until the new owner's manager confirms the assignment
    the account shows as not compliant (R3, R5).

    A deputy or administrator who becomes owner leaves that role, as long as a deputy remains.
    """
    comment = _require_comment(comment)
    account = _lock(account)
    _require_manager_of_account(actor, account)
    _require_status(account, AccountStatus.ACTIVE)
    roles = list(account.roles.select_for_update().filter(ended_at__isnull=True))
    old = next((r for r in roles if r.role == Role.OWNER), None)
    if old is not None and old.user_id == new_owner.pk:
        raise ValidationError({"user": _("This person is already the owner.")})
    manager = _resolve_manager(new_owner)
    previous = next((r for r in roles if r.user_id == new_owner.pk), None)
    only_deputy = (
        previous is not None
        and previous.role == Role.DEPUTY
        and not any(r.role == Role.DEPUTY and r.pk != previous.pk for r in roles)
    )
    if only_deputy:
        raise ValidationError(
            {
                "user": _(
                    "%(person)s is the only deputy. Add another deputy before making "
                    "them the owner."
                )
                % {"person": new_owner}
            }
        )
    if previous is not None:
        _end_role(previous, actor)
    if old is not None:
        _end_role(old, actor)
    role = _create_role(account=account, user=new_owner, role=Role.OWNER)
    _notify_manager(role)
    _decide(
        account,
        DecisionKind.OWNER_CHANGED,
        actor,
        comment,
        old_owner=_person(old.user) if old else None,
        new_owner=_person(new_owner),
        manager=_person(manager),
        previous_role=previous.role if previous else None,
        role_id=role.pk,
    )
    return role


# --- absences -----------------------------------------------------------------------------------


@transaction.atomic
def absence_register(
    *,
    user: User,
    starts_on: datetime.date,
    ends_on: datetime.date,
    note: str = "",
    actor: User,
) -> Absence:
    """Record that a person is away; each account they act for gets a decision, so the deputy's
    cover is documented where the account's history is read (R4, R17)."""
    if not can_register_absence_for(actor, user):
        raise PermissionDenied(
            gettext("Only the person, their manager or the communicator may register this.")
        )
    if ends_on < starts_on:
        raise ValidationError({"ends_on": _("An absence cannot end before it starts.")})
    # Serialises absences of one person, so two overlapping registrations are both recorded
    # against the same, current set of roles.
    User.objects.select_for_update().filter(pk=user.pk).first()
    absence = Absence.objects.create(
        user=user,
        starts_on=starts_on,
        ends_on=ends_on,
        note=(note or "").strip(),
        registered_by=actor,
    )
    for role in _roles_covered_by_absence(user):
        _decide(
            role.account,
            DecisionKind.ABSENCE_REGISTERED,
            actor,
            absence.note,
            person=_person(user),
            role=role.role,
            starts_on=starts_on.isoformat(),
            ends_on=ends_on.isoformat(),
        )
    return absence


@transaction.atomic
def absence_change(
    *,
    absence: Absence,
    starts_on: datetime.date,
    ends_on: datetime.date,
    comment: str,
    actor: User,
) -> Absence:
    """End an absence early or correct its dates. The old and the new dates, who changed them and
    why are written as a decision on each account the person acts for, beside the registration,
    so the deputy's cover stays documented as it really was (R4, R17, R23)."""
    if not can_register_absence_for(actor, absence.user):
        raise PermissionDenied(
            gettext("Only the person, their manager or the communicator may register this.")
        )
    comment = _require_comment(comment)
    if ends_on < starts_on:
        raise ValidationError({"ends_on": _("An absence cannot end before it starts.")})
    absence = Absence.objects.select_for_update().select_related("user").get(pk=absence.pk)
    previous = (absence.starts_on, absence.ends_on)
    if previous == (starts_on, ends_on):
        raise ValidationError(_("The dates are the same as before; nothing was changed."))
    absence.starts_on, absence.ends_on = starts_on, ends_on
    absence.save(update_fields=["starts_on", "ends_on"])
    for role in _roles_covered_by_absence(absence.user):
        _decide(
            role.account,
            DecisionKind.ABSENCE_CHANGED,
            actor,
            comment,
            person=_person(absence.user),
            role=role.role,
            absence_id=absence.pk,
            previous_starts_on=previous[0].isoformat(),
            previous_ends_on=previous[1].isoformat(),
            starts_on=starts_on.isoformat(),
            ends_on=ends_on.isoformat(),
        )
    return absence


def absence_end_early(*, absence: Absence, comment: str, actor: User) -> Absence:
    """The person is back today: the absence ends yesterday, or today if it began today."""
    today = timezone.localdate()
    if absence.ends_on < today:
        raise ValidationError(_("This absence has already ended."))
    if absence.starts_on > today:
        raise ValidationError(
            _("This absence has not begun. Correct its dates instead of ending it.")
        )
    ends_on = max(absence.starts_on, today - datetime.timedelta(days=1))
    if ends_on == absence.ends_on:
        raise ValidationError(_("This absence already ends today."))
    return absence_change(
        absence=absence, starts_on=absence.starts_on, ends_on=ends_on, comment=comment, actor=actor
    )


def _roles_covered_by_absence(user: User):
    return (
        AccountRole.objects.current()
        .filter(user=user)
        .exclude(account__status__in=(AccountStatus.REJECTED, AccountStatus.CLOSED))
        .select_related("account")
    )


# --- keeping an account's record ----------------------------------------------------------------


@transaction.atomic
def credentials_update(
    *, account: SocialAccount, actor: User, location: str, access: str
) -> SocialAccount:
    """Record where the login details are kept and who can reach them, never the secret (R9)."""
    account = _lock(account)
    if not (can_manage_account(actor, account) or can_edit_application(actor, account)):
        raise PermissionDenied(gettext("Only the owner or the communicator may do this."))
    _require_status(account, *EDITABLE_STATUSES, AccountStatus.SUBMITTED, AccountStatus.ACTIVE)
    location, access = (location or "").strip(), (access or "").strip()
    errors = {}
    for name, value in (("credentials_location", location), ("credentials_access", access)):
        try:
            validate_not_a_secret(value)
        except ValidationError as exc:
            errors[name] = exc.messages
    if errors:
        raise ValidationError(errors)
    changed = _apply_fields(
        account, {"credentials_location": location, "credentials_access": access}, CREDENTIAL_FIELDS
    )
    if not changed:
        return account
    account.save(update_fields=[*changed, "updated_at"])
    _decide(account, DecisionKind.CREDENTIALS_UPDATED, actor, fields=changed)
    return account


@transaction.atomic
def account_update_details(
    *, account: SocialAccount, actor: User, data: Mapping[str, Any], comment: str = ""
) -> SocialAccount:
    """The owner or the communicator keeps an active account's record up to date (R5)."""
    account = _lock(account)
    _require_manager_of_account(actor, account)
    _require_status(account, AccountStatus.ACTIVE)
    changed = _apply_fields(account, data, DETAIL_FIELDS)
    if not changed:
        return account
    _validate_account(account)
    account.save(update_fields=[*changed, "updated_at"])
    _decide(account, DecisionKind.UPDATED, actor, comment, fields=changed)
    return account


# --- closing (R8) -------------------------------------------------------------------------------


@transaction.atomic
def account_close(*, account: SocialAccount, actor: User, comment: str) -> SocialAccount:
    """Start closing an account; it is closed once its closure snapshot is complete (R8, R19).

    See ``accounts.closing`` for the hook that the archiving app replaces.
    """
    comment = _require_comment(comment)
    account = _lock(account)
    _require_manager_of_account(actor, account)
    _require_status(account, AccountStatus.ACTIVE)
    account.status = AccountStatus.CLOSING
    account.save(update_fields=["status", "updated_at"])
    _decide(account, DecisionKind.CLOSING_STARTED, actor, comment)
    get_closure_hook()(account, requested_by=actor)
    return account


@transaction.atomic
def account_mark_closed(*, account: SocialAccount, actor: User) -> SocialAccount:
    """Finish closing: called by the closure hook once the final snapshot exists."""
    account = _lock(account)
    _require_status(account, AccountStatus.CLOSING)
    account.status = AccountStatus.CLOSED
    account.closed_at = timezone.now()
    account.save(update_fields=["status", "closed_at", "updated_at"])
    _decide(account, DecisionKind.CLOSED, actor)
    return account


# Days before the end date when the people of a time-limited account are reminded; after the
# end date has passed, a reminder goes out every week until the account is closed (R8).
END_DATE_REMINDER_DAYS = (30, 7, 1, 0)


def end_date_remind(*, today: datetime.date | None = None) -> int:
    """E-mail the owner, the deputies and the communicator about time-limited accounts that end
    soon or should already have been closed. Stateless by design: the day decides, so a beat
    that runs once a day sends each reminder once. Returns the number of accounts reminded."""
    from .selectors import communicator_emails

    today = today or timezone.localdate()
    horizon = today + datetime.timedelta(days=max(END_DATE_REMINDER_DAYS))
    due = [
        account
        for account in SocialAccount.objects.active()
        .filter(ends_on__isnull=False, ends_on__lte=horizon)
        .select_related("department")
        .with_people()
        if _end_date_reminder_due(account.ends_on, today)
    ]
    communicators = communicator_emails()
    for account in due:
        days_left = (account.ends_on - today).days
        recipients = sorted(
            communicators
            | {
                role.user.email
                for role in account.current_roles
                if role.role in (Role.OWNER, Role.DEPUTY) and role.user.email
            }
        )
        subject = gettext("%(account)s ends %(date)s") % {
            "account": account.display_name,
            "date": account.ends_on.isoformat(),
        }
        body = render_to_string(
            "accounts/email/end_date_reminder.txt",
            {
                "account": account,
                "days_left": days_left,
                "link": settings.SITE_URL + account.get_absolute_url(),
            },
        )
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
    return len(due)


def _end_date_reminder_due(ends_on: datetime.date, today: datetime.date) -> bool:
    days_left = (ends_on - today).days
    return days_left in END_DATE_REMINDER_DAYS or (days_left < 0 and days_left % 7 == 0)
