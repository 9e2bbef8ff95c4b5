"""The registry of official social media accounts (R1–R9).

A ``SocialAccount`` begins as an anmälan (the application an employee sends to the communicator,
R2) and becomes active only after every person's manager has confirmed the assignment (uppdrag)
and the communicator has approved it (R3). Every transition is a service in ``services.py`` that
writes an append-only ``AccountDecision`` (R23).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from haparanda_social.db import AppendOnlyModel

from .validators import validate_not_a_secret, validate_sensible_date, validate_visible_text

# Limits of the texts the public reads (the anmälan and the visitor information) and of the
# notes on decisions: long enough for any real text, short enough that a pasted document or a
# flood is refused with a message rather than stored and published.
TEXT_LIMIT = 2000
VISITOR_TEXT_LIMIT = 3000
HOURS_IN_A_WEEK = 168


def _limited_text(label, limit: int, *, validators=(), **options) -> models.TextField:
    """A text the account publishes or keeps: ``max_length`` on a TextField only limits the
    form's widget, so the model validates the length too, and the message names the field."""
    return models.TextField(
        label,
        blank=True,
        max_length=limit,
        validators=[MaxLengthValidator(limit), *validators],
        **options,
    )


class User(AbstractUser):
    """An employee of the municipality. Everyone who logs in is staff of some kind."""

    title = models.CharField(_("job title"), max_length=150, blank=True)
    # The HR system's employee number; single sign-on finds the person by it.
    employee_id = models.CharField(
        _("employee id"), max_length=64, null=True, blank=True, unique=True
    )
    department = models.ForeignKey(
        "accounts.Department",
        verbose_name=_("department"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="employees",
    )
    manager = models.ForeignKey(
        "self",
        verbose_name=_("closest manager"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reports",
        help_text=_("Suggested as the manager who gives the assignment in an application."),
    )
    is_communicator = models.BooleanField(
        _("communicator"),
        default=False,
        help_text=_("Coordinates the municipality's presence: approves accounts, sees all."),
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["first_name", "last_name", "username"]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    def is_absent_on(self, day) -> bool:
        return self.absences.filter(starts_on__lte=day, ends_on__gte=day).exists()


class Department(models.Model):
    """A förvaltning. Its register of accounts (R1) is the registry filtered by department."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    slug = models.SlugField(_("short name"), max_length=60, unique=True)

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Platform(models.TextChoices):
    FACEBOOK = "facebook", "Facebook"
    INSTAGRAM = "instagram", "Instagram"
    X = "x", "X (Twitter)"
    LINKEDIN = "linkedin", "LinkedIn"
    YOUTUBE = "youtube", "YouTube"
    TIKTOK = "tiktok", "TikTok"
    MASTODON = "mastodon", "Mastodon"
    THREADS = "threads", "Threads"
    OTHER = "other", _("Other")


class Goal(models.TextChoices):
    """The four headings of the guideline's målbild (target picture)."""

    ACCESSIBLE = "accessible", _("Accessible and clear communication")
    GUIDE = "guide", _("Guides to the right information")
    DIALOGUE = "dialogue", _("A communicating organisation")
    BRAND = "brand", _("Strengthens the brand")


class AccountStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    CHANGES_REQUESTED = "changes_requested", _("Changes requested")
    REJECTED = "rejected", _("Rejected")
    ACTIVE = "active", _("Active")
    CLOSING = "closing", _("Closing")
    CLOSED = "closed", _("Closed")


# The statuses in which the applicant may still edit the application.
EDITABLE_STATUSES = (AccountStatus.DRAFT, AccountStatus.CHANGES_REQUESTED)
# The statuses the public sees: an account that is or was official.
PUBLIC_STATUSES = (AccountStatus.ACTIVE, AccountStatus.CLOSING, AccountStatus.CLOSED)


class SocialAccountQuerySet(models.QuerySet):
    def public(self):
        return self.filter(status__in=PUBLIC_STATUSES)

    def active(self):
        return self.filter(status__in=(AccountStatus.ACTIVE, AccountStatus.CLOSING))

    def with_people(self):
        """Roles with their users and managers, for compliance and account pages."""
        return self.select_related("department", "created_by").prefetch_related(
            models.Prefetch(
                "roles",
                queryset=AccountRole.objects.current().select_related("user", "manager"),
                to_attr="current_roles",
            )
        )


class SocialAccount(models.Model):
    """An official account of the municipality on one platform (R2)."""

    department = models.ForeignKey(
        Department, verbose_name=_("department"), on_delete=models.PROTECT, related_name="accounts"
    )
    platform = models.CharField(_("platform"), max_length=20, choices=Platform.choices)
    handle = models.CharField(_("name or handle"), max_length=200)
    display_name = models.CharField(
        _("display name"), max_length=200, validators=[validate_visible_text]
    )
    url = models.URLField(
        _("address"),
        max_length=500,
        help_text=_("The account's canonical address, derived from the pasted profile address."),
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=AccountStatus.choices,
        default=AccountStatus.DRAFT,
        db_index=True,
    )

    # The anmälan (R2).
    purpose = _limited_text(_("purpose"), TEXT_LIMIT)
    audiences = _limited_text(_("target audiences"), TEXT_LIMIT)
    goals = models.JSONField(_("goals served"), default=list, blank=True)
    plan = _limited_text(
        _("plan for the presence"),
        TEXT_LIMIT,
        help_text=_("What is posted, how often, and by whom."),
    )
    tonality = _limited_text(
        _("tonality"), TEXT_LIMIT, help_text=_("Consistent wording, form and style.")
    )
    answers = _limited_text(_("what the account answers"), TEXT_LIMIT)
    does_not_answer = _limited_text(
        _("what the account does not answer"),
        TEXT_LIMIT,
        help_text=_("For example questions about personal data or individual cases."),
    )
    hours_per_week = models.DecimalField(
        _("hours per week set aside"),
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(HOURS_IN_A_WEEK)],
    )
    public_contact = models.EmailField(
        _("public contact address"),
        blank=True,
        help_text=_("A functional mailbox, shown to the public. Never a personal address."),
    )
    starts_on = models.DateField(
        _("start date"), null=True, blank=True, validators=[validate_sensible_date]
    )
    ends_on = models.DateField(
        _("end date"),
        null=True,
        blank=True,
        help_text=_("Only for time-limited accounts."),
        validators=[validate_sensible_date],
    )

    # Visitor information (R6): the five statements the guideline requires.
    visitor_responsibility = _limited_text(
        _("who is responsible, and the purpose"), VISITOR_TEXT_LIMIT
    )
    visitor_public_records = _limited_text(_("posts become public records"), VISITOR_TEXT_LIMIT)
    visitor_forbidden = _limited_text(
        _("what may not be posted, and what happens then"), VISITOR_TEXT_LIMIT
    )
    visitor_own_responsibility = _limited_text(
        _("the visitor's own responsibility"), VISITOR_TEXT_LIMIT
    )
    visitor_contact = _limited_text(_("how to contact us and report content"), VISITOR_TEXT_LIMIT)

    # Credential custody (R9): where the login is kept and who can reach it, never the secret.
    credentials_location = _limited_text(
        _("where the login details are kept"), TEXT_LIMIT, validators=[validate_not_a_secret]
    )
    credentials_access = _limited_text(
        _("who can reach the login details"), TEXT_LIMIT, validators=[validate_not_a_secret]
    )

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("applicant"),
        on_delete=models.PROTECT,
        related_name="applications",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    objects = SocialAccountQuerySet.as_manager()

    VISITOR_FIELDS = (
        "visitor_responsibility",
        "visitor_public_records",
        "visitor_forbidden",
        "visitor_own_responsibility",
        "visitor_contact",
    )

    class Meta:
        verbose_name = _("social media account")
        verbose_name_plural = _("social media accounts")
        ordering = ["display_name"]
        constraints = [
            # A rejected application does not block a later one for the same address.
            models.UniqueConstraint(
                fields=["url"],
                condition=~Q(status="rejected"),
                name="unique_account_url",
                violation_error_message=_("An account with this address is already registered."),
            ),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True)
                | Q(starts_on__isnull=True)
                | Q(ends_on__gte=models.F("starts_on")),
                name="account_ends_after_start",
                violation_error_message=_("The end date cannot be before the start date."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.display_name} ({self.get_platform_display()})"

    def get_absolute_url(self) -> str:
        return reverse("accounts:account_detail", args=[self.pk])

    def get_public_url(self) -> str:
        return reverse("public:account_detail", args=[self.pk])

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE_STATUSES

    @property
    def is_public(self) -> bool:
        return self.status in PUBLIC_STATUSES

    @property
    def is_time_limited(self) -> bool:
        return self.ends_on is not None

    def get_goal_labels(self) -> list[str]:
        labels = dict(Goal.choices)
        return [labels[g] for g in self.goals if g in labels]

    def _current_roles(self) -> list[AccountRole]:
        # Uses the prefetch from ``with_people()`` when present, so list pages stay constant.
        if hasattr(self, "current_roles"):
            return self.current_roles
        return list(self.roles.current().select_related("user", "manager"))

    @property
    def owner_role(self) -> AccountRole | None:
        return next((r for r in self._current_roles() if r.role == Role.OWNER), None)

    @property
    def deputy_roles(self) -> list[AccountRole]:
        return [r for r in self._current_roles() if r.role == Role.DEPUTY]

    @property
    def administrator_roles(self) -> list[AccountRole]:
        return [r for r in self._current_roles() if r.role == Role.ADMINISTRATOR]

    def missing_for_approval(self) -> list[str]:
        """What stands between this application and the communicator's approval (R3, R4, R6).

        Empty means approvable. Each entry is a sentence the communicator can act on.
        """
        missing: list[str] = []
        roles = self._current_roles()
        owners = [r for r in roles if r.role == Role.OWNER]
        if len(owners) != 1:
            missing.append(_("The account must have exactly one owner."))
        if not any(r.role == Role.DEPUTY for r in roles):
            missing.append(_("The account must have at least one deputy."))
        for role in roles:
            if not role.user.is_active:
                # The staff directory no longer lists the person: they cannot sign in (R4).
                missing.append(
                    _("%(person)s has left the staff directory; the account needs a new %(role)s.")
                    % {"person": role.user, "role": role.get_role_display().lower()}
                )
            if role.assignment_status != AssignmentStatus.CONFIRMED:
                missing.append(
                    _("%(manager)s has not confirmed the assignment of %(person)s as %(role)s.")
                    % {
                        "manager": role.manager,
                        "person": role.user,
                        "role": role.get_role_display().lower(),
                    }
                )
        if not self.purpose.strip():
            missing.append(_("The purpose is missing."))
        if not self.plan.strip():
            missing.append(_("The plan for the presence is missing."))
        missing_visitor = [
            str(self._meta.get_field(name).verbose_name)
            for name in (*self.VISITOR_FIELDS, "answers", "does_not_answer")
            if not getattr(self, name).strip()
        ]
        if missing_visitor:
            missing.append(
                _("The visitor information is incomplete: %(fields)s.")
                % {"fields": ", ".join(missing_visitor)}
            )
        return missing

    def compliance_issues(self, today=None) -> list[str]:
        """Which of the owner's duties (R5) are unmet, for an active or closing account."""
        today = today or timezone.localdate()
        issues = [str(m) for m in self.missing_for_approval()]
        if not (self.credentials_location.strip() and self.credentials_access.strip()):
            issues.append(str(_("Where the login details are kept is not recorded.")))
        if self.ends_on and self.ends_on < today and self.status != AccountStatus.CLOSED:
            issues.append(
                str(
                    _("The end date %(date)s has passed but the account is not closed.")
                    % {"date": self.ends_on.isoformat()}
                )
            )
        return issues

    def clean(self):
        super().clean()
        if self.goals:
            unknown = set(self.goals) - set(Goal.values)
            if unknown:
                raise ValidationError({"goals": _("Unknown goal.")})


class Role(models.TextChoices):
    OWNER = "owner", _("Owner")
    DEPUTY = "deputy", _("Deputy")
    ADMINISTRATOR = "administrator", _("Administrator")


class AssignmentStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting the manager")
    CONFIRMED = "confirmed", _("Confirmed")
    DECLINED = "declined", _("Declined")


class AccountRoleQuerySet(models.QuerySet):
    def current(self):
        return self.filter(ended_at__isnull=True)


class AccountRole(models.Model):
    """A person's role on an account, with the manager's assignment (uppdrag, R3/R4).

    A role is never edited into another: ending it sets ``ended_at`` and a new role is created,
    so the history of who acted for the account is kept.
    """

    account = models.ForeignKey(
        SocialAccount, verbose_name=_("account"), on_delete=models.CASCADE, related_name="roles"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        related_name="account_roles",
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("manager"),
        on_delete=models.PROTECT,
        related_name="assignments_given",
    )
    assignment_status = models.CharField(
        _("assignment"),
        max_length=20,
        choices=AssignmentStatus.choices,
        default=AssignmentStatus.PENDING,
    )
    assignment_decided_at = models.DateTimeField(_("assignment decided"), null=True, blank=True)
    assignment_reference = models.CharField(
        _("assignment reference"),
        max_length=200,
        blank=True,
        help_text=_("A diarienummer or other reference to the manager's decision, if any."),
    )
    assignment_comment = models.TextField(_("manager's comment"), blank=True)
    appointed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("appointed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("ended by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = AccountRoleQuerySet.as_manager()

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        ordering = ["account", "role", "created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["account"],
                condition=Q(role="owner", ended_at__isnull=True),
                name="one_current_owner_per_account",
                violation_error_message=_("The account already has an owner."),
            ),
            models.UniqueConstraint(
                fields=["account", "user"],
                condition=Q(ended_at__isnull=True),
                name="one_current_role_per_person",
                violation_error_message=_("This person already has a role on the account."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.get_role_display()} ({self.account})"

    @property
    def is_current(self) -> bool:
        return self.ended_at is None


class Absence(models.Model):
    """A person's absence; while it lasts a deputy's queue also holds the owner's items (R4)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="absences",
    )
    starts_on = models.DateField(_("from"), validators=[validate_sensible_date])
    ends_on = models.DateField(_("to and including"), validators=[validate_sensible_date])
    note = models.CharField(_("note"), max_length=200, blank=True)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("registered by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("registered"), default=timezone.now)

    class Meta:
        verbose_name = _("absence")
        verbose_name_plural = _("absences")
        ordering = ["-starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")),
                name="absence_ends_after_start",
                violation_error_message=_("An absence cannot end before it starts."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.starts_on}–{self.ends_on}"


class DecisionKind(models.TextChoices):
    CREATED = "created", _("Application created")
    UPDATED = "updated", _("Application updated")
    SUBMITTED = "submitted", _("Application submitted")
    ASSIGNMENT_CONFIRMED = "assignment_confirmed", _("Assignment confirmed by manager")
    ASSIGNMENT_DECLINED = "assignment_declined", _("Assignment declined by manager")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    CHANGES_REQUESTED = "changes_requested", _("Changes requested")
    ROLE_APPOINTED = "role_appointed", _("Role appointed")
    ROLE_ENDED = "role_ended", _("Role ended")
    OWNER_CHANGED = "owner_changed", _("Owner changed")
    ABSENCE_REGISTERED = "absence_registered", _("Absence registered")
    CREDENTIALS_UPDATED = "credentials_updated", _("Credential custody updated")
    CLOSING_STARTED = "closing_started", _("Closing started")
    CLOSED = "closed", _("Closed")
    ABSENCE_CHANGED = "absence_changed", _("Absence changed")


class AccountDecision(AppendOnlyModel):
    """An append-only record of a decision on an account: who, when, what and why (R23)."""

    account = models.ForeignKey(
        SocialAccount,
        verbose_name=_("account"),
        on_delete=models.PROTECT,
        related_name="decisions",
    )
    kind = models.CharField(_("decision"), max_length=30, choices=DecisionKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        related_name="account_decisions",
    )
    created_at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    comment = models.TextField(_("reason"), blank=True)
    # Who or what the decision concerned (a person, a role, changed fields), for the history.
    details = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} – {self.account} ({self.created_at:%Y-%m-%d})"


class PublicRegistryVersion(models.Model):
    """One row that counts the committed changes to what the public sees (R7, R24).

    The public pages and feeds are cached under this number (``accounts.public_cache``). It is
    raised in the same transaction as the change, so it locks the row: two changes commit one
    after the other, and each commit leaves a number no earlier reader has seen. A cached copy is
    therefore never served for data that changed after it was built, in any process, whatever
    cache backend holds the copies.
    """

    number = models.PositiveBigIntegerField(_("version"), default=0)
    changed_at = models.DateTimeField(_("changed"), default=timezone.now)

    class Meta:
        verbose_name = _("public registry version")
        verbose_name_plural = _("public registry versions")

    def __str__(self) -> str:
        return f"{self.number} ({self.changed_at:%Y-%m-%d %H:%M})"


class DirectoryEntry(models.Model):
    """A person in the staff directory, as the HR system's file says (issue 12).

    The directory is the source of who works here, in which department and who is whose manager.
    Each entry is linked to the user who signs in; an import keeps that user's name, e-mail,
    department, manager and whether they may sign in in step with the entry. ``User.manager`` is
    therefore the directory's manager, and it is the manager who confirms assignments (R3).
    """

    employee_id = models.CharField(_("employee id"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("e-mail"), blank=True)
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        related_name="directory_entries",
    )
    manager = models.ForeignKey(
        "self",
        verbose_name=_("manager"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reports",
    )
    active = models.BooleanField(_("in the directory"), default=True, db_index=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="directory_entry",
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("directory entry")
        verbose_name_plural = _("directory entries")
        ordering = ["name", "employee_id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.employee_id})"


class DirectorySource(models.TextChoices):
    UPLOAD = "upload", _("Uploaded by the communicator")
    COMMAND = "command", _("Management command")
    NIGHTLY = "nightly", _("Nightly import")
    CLAIMS = "claims", _("Sign-in")


class DirectoryImport(AppendOnlyModel):
    """An append-only record of one import of the staff directory: what changed, or why the file
    was refused (R23). ``details`` names the people added, changed and gone, the users whose
    sign-in was ended and the pending assignments moved to a new manager."""

    source = models.CharField(_("source"), max_length=20, choices=DirectorySource.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("imported by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    filename = models.CharField(_("file"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    added = models.PositiveIntegerField(_("added"), default=0)
    changed = models.PositiveIntegerField(_("changed"), default=0)
    left = models.PositiveIntegerField(_("left"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    error = models.TextField(_("refused because"), blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("directory import")
        verbose_name_plural = _("directory imports")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_source_display()} {self.created_at:%Y-%m-%d %H:%M}"
