"""The registry's internal pages. Thin: a permission helper, a form, one service, a response."""

from __future__ import annotations

from django import forms as django_forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from haparanda_social.paging import paginate

from . import selectors, services
from .forms import (
    SEARCH,
    AbsenceChangeForm,
    AbsenceForm,
    AddPersonForm,
    ApplicationForm,
    CommentForm,
    ConfirmAssignmentForm,
    CredentialsForm,
    DecisionForm,
    DeclineAssignmentForm,
    DetailsForm,
    NewApplicationForm,
    OwnerForm,
    PersonForm,
    search_only,
)
from .models import (
    AccountRole,
    AccountStatus,
    AssignmentStatus,
    DecisionKind,
    Department,
    Role,
    SocialAccount,
    User,
)
from .page_cache import cached_for_person
from .permissions import (
    acts_for_account,
    can_decide_application,
    can_edit_application,
    can_manage_account,
    can_register_absence_for,
    can_see_department_register,
    communicator_required,
    get_absence_for_user,
    get_account_for_user,
    get_assignment_for_manager,
    get_editable_account_for_user,
    is_communicator,
)
from .visitor_info import standard_visitor_information, visitor_information_languages


def _add_errors(form: django_forms.Form, exc: ValidationError) -> None:
    """Show a service's refusal on the form: on the field it names, else in the summary."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, ValidationError(errors))
    else:
        form.add_error(None, ValidationError(exc.messages))


# --- dashboard and registers --------------------------------------------------------------------


NEEDING_SHOWN = 50


@login_required
@cached_for_person
def dashboard(request):
    """The communicator's overview, a manager's assignments and an employee's own accounts."""
    user = request.user
    department = None
    slug = request.GET.get("department", "")
    departments = list(Department.objects.order_by("name"))
    if slug:
        department = next((d for d in departments if d.slug == slug), None)
    status = request.GET.get("status", "")
    if status not in AccountStatus.values:
        status = ""
    # A page of the register at a time (50), counted by the database: the communicator's
    # register holds every account of the municipality.
    page, page_query = paginate(
        request, selectors.registry_for(user, department=department, status=status or None)
    )
    rows = [
        (
            a,
            a.compliance_issues()
            if a.status in (AccountStatus.ACTIVE, AccountStatus.CLOSING)
            else None,
        )
        for a in page
    ]
    context = {
        "rows": rows,
        "page_obj": page,
        "page_query": page_query,
        "departments": departments,
        "statuses": AccountStatus.choices,
        "selected_department": department.slug if department else "",
        "selected_status": status,
        "awaiting": list(selectors.assignments_awaiting(user)),
        "ending_soon": list(selectors.accounts_ending_soon(user)),
        "today": timezone.localdate(),
        "is_communicator": is_communicator(user),
        "pending": list(selectors.pending_applications()) if is_communicator(user) else [],
    }
    if is_communicator(user):
        # Counted in the database; the first rows are listed and the rest are one click away.
        needing = selectors.roles_needing_a_new_person()
        context["needing_count"] = needing.count()
        context["needing"] = list(needing[:NEEDING_SHOWN]) if context["needing_count"] else []
        from connectors.selectors import capture_behind

        context["capture_behind"] = capture_behind()
    return render(request, "accounts/dashboard.html", context)


@login_required
def department_register(request, slug):
    department = get_object_or_404(Department, slug=slug)
    if not can_see_department_register(request.user, department):
        raise Http404
    accounts = list(selectors.department_register(request.user, department))
    visible = set(
        selectors.registry_for(request.user, department=department).values_list("pk", flat=True)
    )
    return render(
        request,
        "accounts/department_register.html",
        {"department": department, "accounts": accounts, "visible": visible},
    )


# --- the application ----------------------------------------------------------------------------


def _fill_standard_texts(form_class, request, instance=None):
    """Re-show the form with the standard visitor information in the fields left empty (R6).

    Works without JavaScript: the button posts the form and nothing is saved."""
    data = request.POST
    probe = form_class(data, instance=instance)
    probe.is_valid()
    cleaned = probe.cleaned_data
    account = SocialAccount(
        department=cleaned.get("department"),
        purpose=cleaned.get("purpose", ""),
        public_contact=cleaned.get("public_contact", ""),
    )
    standard = standard_visitor_information(account)
    initial = {}
    for name, field in probe.fields.items():
        if isinstance(field, django_forms.MultipleChoiceField):
            initial[name] = data.getlist(probe.add_prefix(name))
        else:
            initial[name] = data.get(probe.add_prefix(name), "")
    for name, text in standard.items():
        if not (initial.get(name) or "").strip():
            initial[name] = text
    return form_class(initial=initial, instance=instance)


@login_required
def application_create(request):
    if request.method == "POST" and "fill_standard" in request.POST:
        form = _fill_standard_texts(NewApplicationForm, request)
    elif request.method == "POST" and SEARCH in request.POST:
        form = search_only(NewApplicationForm(request.POST))
    elif request.method == "POST":
        form = NewApplicationForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                # One anmälan with its people, or nothing at all.
                with transaction.atomic():
                    account = services.application_create(actor=request.user, data=data)
                    services.application_set_owner(
                        account=account,
                        actor=request.user,
                        user=data["owner"],
                    )
                    services.application_add_person(
                        account=account,
                        actor=request.user,
                        user=data["deputy"],
                        role=Role.DEPUTY,
                    )
                    if data.get("administrator"):
                        services.application_add_person(
                            account=account,
                            actor=request.user,
                            user=data["administrator"],
                            role=Role.ADMINISTRATOR,
                        )
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, _("The application is saved as a draft."))
                return redirect(account)
    else:
        initial = {
            "owner": request.user.pk,
            "department": request.user.department_id,
            **standard_visitor_information(SocialAccount(department=request.user.department)),
        }
        form = NewApplicationForm(initial=initial)
    return render(request, "accounts/application_form.html", {"form": form, "account": None})


@login_required
def account_edit(request, pk):
    """Edit a draft (applicant, proposed owner) or an active account's record (owner,
    communicator)."""
    account = get_account_for_user(request.user, pk)
    if can_edit_application(request.user, account):
        form_class, is_application = ApplicationForm, True
    elif account.status == AccountStatus.ACTIVE and can_manage_account(request.user, account):
        form_class, is_application = DetailsForm, False
    else:
        raise PermissionDenied
    if request.method == "POST" and "fill_standard" in request.POST:
        form = _fill_standard_texts(form_class, request, instance=account)
    elif request.method == "POST":
        form = form_class(request.POST, instance=account)
        if form.is_valid():
            try:
                if is_application:
                    services.application_update(
                        account=account, actor=request.user, data=form.cleaned_data
                    )
                else:
                    services.account_update_details(
                        account=account,
                        actor=request.user,
                        data=form.cleaned_data,
                        comment=form.cleaned_data.get("comment", ""),
                    )
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, _("The changes are saved."))
                return redirect(account)
    else:
        form = form_class(instance=account)
    # ModelForm validation writes into the instance; show the stored name in the heading.
    stored = SocialAccount.objects.get(pk=account.pk)
    return render(request, "accounts/application_form.html", {"form": form, "account": stored})


# --- the account page ---------------------------------------------------------------------------

_DETAIL_LABELS = {
    "person": gettext_lazy("person"),
    "role": gettext_lazy("role"),
    "manager": gettext_lazy("manager"),
    "reference": gettext_lazy("reference"),
    "fields": gettext_lazy("fields"),
    "old_owner": gettext_lazy("previous owner"),
    "new_owner": gettext_lazy("new owner"),
    "starts_on": gettext_lazy("from"),
    "ends_on": gettext_lazy("to and including"),
    "previous_starts_on": gettext_lazy("previously from"),
    "previous_ends_on": gettext_lazy("previously to and including"),
    "managers_asked": gettext_lazy("managers asked to confirm"),
    "people": gettext_lazy("people"),
    "url": gettext_lazy("address"),
    "change": gettext_lazy("change"),
}


def _describe(details: dict) -> list[tuple[str, str]]:
    """The decision's details as label and value, in the reader's language, in the order of
    ``_DETAIL_LABELS`` (PostgreSQL's jsonb keeps keys in an order of its own, not as written)."""
    roles = dict(Role.choices)
    changes = {
        "owner_set": _("owner named"),
        "person_added": _("person added"),
        "person_removed": _("person removed"),
    }
    out = []
    for key in _DETAIL_LABELS:
        value = details.get(key)
        if value in (None, "", []):
            continue
        if isinstance(value, dict):
            value = value.get("name", "")
        elif key == "fields":
            value = ", ".join(
                str(SocialAccount._meta.get_field(f).verbose_name)
                if f in {fl.name for fl in SocialAccount._meta.concrete_fields}
                else f
                for f in value
            )
        elif key == "people":
            value = ", ".join(f"{p['name']} ({roles.get(p['role'], p['role'])})" for p in value)
        elif isinstance(value, list):
            value = ", ".join(v.get("name", "") if isinstance(v, dict) else str(v) for v in value)
        elif key == "role":
            value = roles.get(value, value)
        elif key == "change":
            value = changes.get(value, value)
        out.append((_DETAIL_LABELS[key], str(value)))
    return out


def _render_detail(request, account: SocialAccount, **bound):
    """The account page with a form for each action the person may take. ``bound`` replaces an
    empty form by one that failed, so its input and errors are shown."""
    user = request.user
    account = get_account_for_user(user, account.pk)  # fresh, with its people
    roles = list(selectors.account_roles(account))
    history = list(selectors.account_history(account))
    for decision in history:
        decision.summary = _describe(decision.details)
    editable = can_edit_application(user, account)
    manages = can_manage_account(user, account)
    active = account.status == AccountStatus.ACTIVE
    end_form_for = bound.pop("end_form_for", None)
    for role in roles:
        role.end_form = None
        if active and manages and role.is_current and role.role != Role.OWNER:
            role.end_form = (
                end_form_for[1]
                if end_form_for and end_form_for[0] == role.pk
                else CommentForm(prefix=f"end{role.pk}")
            )
    forms = {}
    if editable:
        forms["owner_form"] = OwnerForm(prefix="owner")
        forms["person_form"] = AddPersonForm(prefix="person")
        forms["submit_form"] = django_forms.Form(prefix="submit")
    if can_decide_application(user, account):
        forms["decision_form"] = DecisionForm(prefix="decision")
    if active and manages:
        forms["deputy_form"] = PersonForm(prefix="deputy")
        forms["new_owner_form"] = PersonForm(prefix="newowner", comment_required=True)
        forms["close_form"] = CommentForm(prefix="close")
        if is_communicator(user):
            forms["appoint_form"] = PersonForm(prefix="appoint", comment_required=True)
    if manages and account.status in (AccountStatus.SUBMITTED, AccountStatus.ACTIVE):
        forms["credentials_form"] = CredentialsForm(instance=account, prefix="cred")
    forms.update(bound)
    show_missing = account.status in (
        AccountStatus.DRAFT,
        AccountStatus.CHANGES_REQUESTED,
        AccountStatus.SUBMITTED,
    )
    context = {
        "account": account,
        "roles": [r for r in roles if r.is_current],
        "past_roles": [r for r in roles if not r.is_current],
        "history": history,
        # Which languages the public page can show the visitor information in (issue #17).
        "visitor_languages": visitor_information_languages(account),
        "missing": [str(m) for m in account.missing_for_approval()] if show_missing else [],
        "issues": account.compliance_issues()
        if account.status in (AccountStatus.ACTIVE, AccountStatus.CLOSING)
        else [],
        "can_edit": editable or (active and manages),
        # The archive is for the communicator and the owner (archiving.permissions).
        "can_see_archive": manages and account.is_public,
        "acts_for": acts_for_account(user, account),
        "latest_request": next(
            (d for d in reversed(history) if d.kind == DecisionKind.CHANGES_REQUESTED), None
        )
        if account.status == AccountStatus.CHANGES_REQUESTED
        else None,
        **forms,
    }
    return render(request, "accounts/account_detail.html", context)


@login_required
def account_detail(request, pk):
    account = get_account_for_user(request.user, pk)
    return _render_detail(request, account)


def _act(request, account, form, form_key, perform, success):
    """Validate, call the service, and either redirect with a message or re-show the page.
    A person picker's search button only searches."""
    if SEARCH in request.POST:
        return _render_detail(request, account, **{form_key: search_only(form)})
    if form.is_valid():
        try:
            perform(form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, success)
            return redirect("accounts:account_detail", pk=account.pk)
    return _render_detail(request, account, **{form_key: form})


def _editable(request, pk):
    return get_editable_account_for_user(request.user, pk)


def _communicator_account(request, pk):
    account = get_account_for_user(request.user, pk)
    if not is_communicator(request.user):
        raise PermissionDenied(_("Only the communicator may do this."))
    return account


def _managed_active(request, pk):
    account = get_account_for_user(request.user, pk)
    if not can_manage_account(request.user, account):
        raise PermissionDenied(_("Only the owner or the communicator may do this."))
    return account


@login_required
@require_POST
def application_set_owner(request, pk):
    account = _editable(request, pk)
    form = OwnerForm(request.POST, prefix="owner")
    return _act(
        request,
        account,
        form,
        "owner_form",
        lambda d: services.application_set_owner(
            account=account, actor=request.user, user=d["user"]
        ),
        _("The owner is saved."),
    )


@login_required
@require_POST
def application_add_person(request, pk):
    account = _editable(request, pk)
    form = AddPersonForm(request.POST, prefix="person")
    return _act(
        request,
        account,
        form,
        "person_form",
        lambda d: services.application_add_person(
            account=account,
            actor=request.user,
            user=d["user"],
            role=d["role"],
        ),
        _("The person is added."),
    )


@login_required
@require_POST
def application_remove_person(request, pk, role_pk):
    account = _editable(request, pk)
    role = get_object_or_404(AccountRole.objects.current(), pk=role_pk, account=account)
    form = django_forms.Form(request.POST, prefix="submit")
    return _act(
        request,
        account,
        form,
        "submit_form",
        lambda d: services.application_remove_person(role=role, actor=request.user),
        _("The person is removed from the application."),
    )


@login_required
@require_POST
def application_submit(request, pk):
    account = _editable(request, pk)
    form = django_forms.Form(request.POST, prefix="submit")
    return _act(
        request,
        account,
        form,
        "submit_form",
        lambda d: services.application_submit(account=account, actor=request.user),
        _("The application is sent to the communicator. The managers are asked to confirm."),
    )


@login_required
@require_POST
def account_decide(request, pk):
    account = _communicator_account(request, pk)
    choice = request.POST.get("decision", "")
    form = DecisionForm(request.POST, prefix="decision", decision=choice)
    actions = {
        DecisionForm.APPROVE: (services.account_approve, _("The account is approved and active.")),
        DecisionForm.REJECT: (services.account_reject, _("The application is rejected.")),
        DecisionForm.REQUEST_CHANGES: (
            services.account_request_changes,
            _("The application is sent back for changes."),
        ),
    }
    if choice not in actions:
        form.is_valid()
        form.add_error(None, _("Choose approve, reject or send back."))
        return _render_detail(request, account, decision_form=form)
    service, success = actions[choice]
    return _act(
        request,
        account,
        form,
        "decision_form",
        lambda d: service(account=account, actor=request.user, comment=d["comment"]),
        success,
    )


@login_required
@require_POST
def role_appoint_administrator(request, pk):
    account = _communicator_account(request, pk)
    form = PersonForm(request.POST, prefix="appoint", comment_required=True)
    return _act(
        request,
        account,
        form,
        "appoint_form",
        lambda d: services.role_appoint_administrator(
            account=account,
            actor=request.user,
            user=d["user"],
            comment=d["comment"],
        ),
        _("The administrator is appointed. The manager is asked to confirm the assignment."),
    )


@login_required
@require_POST
def role_add_deputy(request, pk):
    account = _managed_active(request, pk)
    form = PersonForm(request.POST, prefix="deputy")
    return _act(
        request,
        account,
        form,
        "deputy_form",
        lambda d: services.role_add_deputy(
            account=account,
            actor=request.user,
            user=d["user"],
            comment=d["comment"],
        ),
        _("The deputy is added. The manager is asked to confirm the assignment."),
    )


@login_required
@require_POST
def role_end(request, pk, role_pk):
    account = _managed_active(request, pk)
    role = get_object_or_404(AccountRole.objects.current(), pk=role_pk, account=account)
    form = CommentForm(request.POST, prefix=f"end{role.pk}")
    if form.is_valid():
        try:
            services.role_end(role=role, actor=request.user, comment=form.cleaned_data["comment"])
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The role is ended."))
            return redirect(account)
    return _render_detail(request, account, end_form_for=(role.pk, form))


@login_required
@require_POST
def account_change_owner(request, pk):
    account = _managed_active(request, pk)
    form = PersonForm(request.POST, prefix="newowner", comment_required=True)
    return _act(
        request,
        account,
        form,
        "new_owner_form",
        lambda d: services.account_change_owner(
            account=account,
            new_owner=d["user"],
            actor=request.user,
            comment=d["comment"],
        ),
        _("The owner is changed. The new owner's manager is asked to confirm the assignment."),
    )


@login_required
@require_POST
def credentials_update(request, pk):
    account = _managed_active(request, pk)
    form = CredentialsForm(
        request.POST, instance=SocialAccount.objects.get(pk=account.pk), prefix="cred"
    )
    return _act(
        request,
        account,
        form,
        "credentials_form",
        lambda d: services.credentials_update(
            account=account,
            actor=request.user,
            location=d["credentials_location"],
            access=d["credentials_access"],
        ),
        _("Where the login details are kept is saved."),
    )


@login_required
@require_POST
def account_close(request, pk):
    account = _managed_active(request, pk)
    form = CommentForm(request.POST, prefix="close")
    return _act(
        request,
        account,
        form,
        "close_form",
        lambda d: services.account_close(account=account, actor=request.user, comment=d["comment"]),
        _("Closing has started. The account is closed once its final archive copy is made."),
    )


# --- the manager's assignment -------------------------------------------------------------------


@login_required
def assignment(request, role_pk):
    """The named manager confirms or declines one person's assignment for one role (R3)."""
    role = get_assignment_for_manager(request.user, role_pk)
    confirm_form = ConfirmAssignmentForm(prefix="confirm")
    decline_form = DeclineAssignmentForm(prefix="decline")
    if request.method == "POST":
        if "decline" in request.POST:
            decline_form = DeclineAssignmentForm(request.POST, prefix="decline")
            form = decline_form
        else:
            confirm_form = ConfirmAssignmentForm(request.POST, prefix="confirm")
            form = confirm_form
        if form.is_valid():
            try:
                if form is decline_form:
                    services.assignment_decline(
                        role=role, actor=request.user, comment=form.cleaned_data["reason"]
                    )
                    messages.success(request, _("You have declined the assignment."))
                else:
                    services.assignment_confirm(
                        role=role,
                        actor=request.user,
                        reference=form.cleaned_data["reference"],
                        comment=form.cleaned_data["comment"],
                    )
                    messages.success(request, _("You have confirmed the assignment."))
            except ValidationError as exc:
                if hasattr(exc, "error_dict") and "comment" in exc.error_dict:
                    form.add_error(
                        "reason" if form is decline_form else "comment",
                        ValidationError(exc.error_dict["comment"]),
                    )
                else:
                    _add_errors(form, exc)
            else:
                return redirect("accounts:dashboard")
    return render(
        request,
        "accounts/assignment.html",
        {
            "role": role,
            "account": role.account,
            "pending": role.is_current and role.assignment_status == AssignmentStatus.PENDING,
            "confirm_form": confirm_form,
            "decline_form": decline_form,
        },
    )


# --- absences -----------------------------------------------------------------------------------


def _people_for_absence(user):
    """Whom this person may register an absence for, or None for only themselves."""
    if is_communicator(user):
        return selectors.active_users()
    if user.reports.exists():
        return selectors.active_users().filter(
            pk__in=[user.pk, *user.reports.values_list("pk", flat=True)]
        )
    return None


ABSENCES_PER_PAGE = 50


@login_required
def absences(request):
    from .models import Absence

    people = _people_for_absence(request.user)
    if request.method == "POST" and SEARCH in request.POST:
        form = search_only(AbsenceForm(request.POST, people=people))
    elif request.method == "POST":
        form = AbsenceForm(request.POST, people=people)
        if form.is_valid():
            person = form.cleaned_data.get("user") or request.user
            if not can_register_absence_for(request.user, person):
                raise PermissionDenied
            try:
                services.absence_register(
                    user=person,
                    starts_on=form.cleaned_data["starts_on"],
                    ends_on=form.cleaned_data["ends_on"],
                    note=form.cleaned_data["note"],
                    actor=request.user,
                )
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, _("The absence is registered."))
                return redirect("accounts:absences")
    else:
        form = AbsenceForm(people=people, initial={"user": request.user.pk})
    listed = Absence.objects.select_related("user", "registered_by")
    if people is None:
        listed = listed.filter(user=request.user)
    elif not is_communicator(request.user):
        listed = listed.filter(user__in=people)
    page = Paginator(listed.order_by("-starts_on", "-pk"), ABSENCES_PER_PAGE).get_page(
        request.GET.get("sida")
    )
    today = timezone.localdate()
    for absence in page:
        absence.changeable = absence.ends_on >= today and can_register_absence_for(
            request.user, absence.user
        )
    return render(
        request,
        "accounts/absences.html",
        {"form": form, "page": page, "absences": page.object_list},
    )


@login_required
def absence_change(request, pk):
    """End an absence early, or correct its dates; either way with the reason (R4, R23)."""
    absence = get_absence_for_user(request.user, pk)
    change_form = AbsenceChangeForm(
        prefix="change", initial={"starts_on": absence.starts_on, "ends_on": absence.ends_on}
    )
    end_form = CommentForm(prefix="end")
    if request.method == "POST":
        ending = "end" in request.POST
        form = (
            CommentForm(request.POST, prefix="end")
            if ending
            else AbsenceChangeForm(request.POST, prefix="change")
        )
        if form.is_valid():
            data = form.cleaned_data
            try:
                if ending:
                    services.absence_end_early(
                        absence=absence, comment=data["comment"], actor=request.user
                    )
                else:
                    services.absence_change(
                        absence=absence,
                        starts_on=data["starts_on"],
                        ends_on=data["ends_on"],
                        comment=data["comment"],
                        actor=request.user,
                    )
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("The absence is ended.") if ending else _("The absence is corrected."),
                )
                return redirect("accounts:absences")
        if ending:
            end_form = form
        else:
            change_form = form
    return render(
        request,
        "accounts/absence_change.html",
        {
            "absence": absence,
            "change_form": change_form,
            "end_form": end_form,
            "can_end": absence.starts_on <= timezone.localdate() <= absence.ends_on,
        },
    )


__all__ = ["User"]


# --- the staff directory (issue 12) -------------------------------------------------------------

DIRECTORY_IMPORTS_PER_PAGE = 20


@communicator_required
def directory(request):
    """The communicator uploads the HR system's file and sees what each import changed."""
    from .directory import directory_import, read_limited
    from .forms import DirectoryUploadForm
    from .models import DirectoryEntry, DirectorySource

    if request.method == "POST":
        form = DirectoryUploadForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                result = directory_import(
                    raw=read_limited(upload),
                    source=DirectorySource.UPLOAD,
                    actor=request.user,
                    filename=upload.name[:500],
                )
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                record = result.record
                messages.success(
                    request,
                    _(
                        "The staff directory is imported: %(added)s added, %(changed)s changed, "
                        "%(left)s left."
                    )
                    % {"added": record.added, "changed": record.changed, "left": record.left},
                )
                return redirect("accounts:directory")
    else:
        form = DirectoryUploadForm()
    page = Paginator(selectors.directory_imports(), DIRECTORY_IMPORTS_PER_PAGE).get_page(
        request.GET.get("sida")
    )
    return render(
        request,
        "accounts/directory.html",
        {
            "form": form,
            "page": page,
            "imports": page.object_list,
            "people": DirectoryEntry.objects.filter(active=True).count(),
        },
    )


@login_required
def person_search(request):
    """The matches for a person picker's search field, as options for htmx (issue 12).

    Any signed-in employee may search: applicants name colleagues. It answers with names and
    titles only, of people who can sign in, and at most a screenful of them."""
    query = next((v for k, v in request.GET.items() if k == "q" or k.endswith("__q")), "").strip()[
        :100
    ]
    people = list(selectors.people_matching(selectors.active_users(), query)) if query else []
    return render(request, "accounts/_person_options.html", {"people": people, "query": query})
