"""The registry's transitions and refusals, through the services (R2–R6, R8, R9, R23)."""

import datetime
import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import services
from accounts.models import (
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
from accounts.visitor_info import standard_visitor_information
from tests.factories import add_role, make_account, make_user

pytestmark = pytest.mark.django_db


def _data(department, **overrides):
    data = {
        "profile_url": "https://www.facebook.com/HaparandaIdrott/?ref=x",
        "department": department,
        "display_name": "Haparanda idrott",
        "purpose": "Informera om idrottsevenemang.",
        "audiences": "Föreningar och invånare.",
        "goals": [Goal.GUIDE],
        "plan": "Ett inlägg i veckan.",
        "tonality": "Saklig och vänlig.",
        "answers": "Frågor om bokning av hallar.",
        "does_not_answer": "Frågor om personuppgifter.",
        "hours_per_week": "2.5",
        "public_contact": "idrott@haparanda.se",
        "starts_on": datetime.date(2026, 1, 1),
        "ends_on": None,
        "credentials_location": "Lösenordshanteraren, valvet Idrott.",
        "credentials_access": "Ägaren och ersättaren.",
    }
    data.update(standard_visitor_information(SocialAccount(department=department)))
    data.update(overrides)
    return data


def _messages(excinfo) -> str:
    return " ".join(excinfo.value.messages)


def _kinds(account):
    return list(account.decisions.values_list("kind", flat=True))


# --- the application --------------------------------------------------------------------------


def test_it_creates_a_draft_with_the_parsed_canonical_address(owner, department):
    account = services.application_create(actor=owner, data=_data(department))
    assert account.status == AccountStatus.DRAFT
    assert account.platform == "facebook"
    assert account.handle == "haparandaidrott"
    assert account.url == "https://www.facebook.com/haparandaidrott"
    decision = account.decisions.get()
    assert decision.kind == DecisionKind.CREATED
    assert decision.actor == owner
    assert "purpose" in decision.details["fields"]


def test_it_refuses_a_duplicate_address_naming_the_existing_account(owner, department):
    existing = make_account(
        created_by=owner,
        status=AccountStatus.ACTIVE,
        display_name="Idrott i Haparanda",
        url="https://www.facebook.com/haparandaidrott",
    )
    with pytest.raises(ValidationError) as excinfo:
        services.application_create(actor=owner, data=_data(department))
    message = _messages(excinfo)
    assert existing.display_name in message
    assert str(AccountStatus.ACTIVE.label).lower() in message
    assert SocialAccount.objects.count() == 1


def test_a_duplicate_message_does_not_reveal_an_application_the_applicant_may_not_see(
    owner, outsider, department
):
    hidden = make_account(
        created_by=owner,
        status=AccountStatus.SUBMITTED,
        display_name="Hemligt projekt",
        url="https://www.facebook.com/haparandaidrott",
    )
    with pytest.raises(ValidationError) as excinfo:
        services.application_create(actor=outsider, data=_data(department))
    message = _messages(excinfo)
    assert "profile_url" in excinfo.value.error_dict
    assert hidden.display_name not in message
    assert str(AccountStatus.SUBMITTED.label).lower() not in message
    generic = _(
        "This address is already registered or applied for. An account can only be "
        "registered once; ask the communicator (%(email)s) if you think this is wrong."
    ) % {"email": settings.COMMUNICATOR_EMAIL}
    assert generic in message
    assert SocialAccount.objects.count() == 1


def test_a_rejected_account_does_not_block_a_new_application(owner, department):
    make_account(
        created_by=owner,
        status=AccountStatus.REJECTED,
        url="https://www.facebook.com/haparandaidrott",
    )
    account = services.application_create(actor=owner, data=_data(department))
    assert account.pk


def test_a_racing_duplicate_is_refused_by_the_constraint_with_the_same_message(
    owner, department, monkeypatch
):
    existing = make_account(
        created_by=owner, display_name="Först", url="https://www.facebook.com/haparandaidrott"
    )
    # The other applicant's row is committed only after this one's check has run.
    monkeypatch.setattr(services, "_apply_profile_url", _parse_without_duplicate_check)
    with pytest.raises(ValidationError) as excinfo:
        services.application_create(actor=owner, data=_data(department))
    assert existing.display_name in _messages(excinfo)


def _parse_without_duplicate_check(account, raw, *, actor):
    from accounts.platforms import parse_profile_url

    parsed = parse_profile_url(raw)
    account.platform, account.handle, account.url = parsed.platform, parsed.handle, parsed.url
    return True


def test_it_refuses_an_address_that_is_not_a_profile(owner, department):
    with pytest.raises(ValidationError) as excinfo:
        services.application_create(
            actor=owner, data=_data(department, profile_url="https://www.facebook.com/groups/")
        )
    assert "profile_url" in excinfo.value.error_dict


def test_it_refuses_password_like_credential_text(owner, department):
    with pytest.raises(ValidationError) as excinfo:
        services.application_create(
            actor=owner, data=_data(department, credentials_location="lösenord: Sommar2026!")
        )
    assert "credentials_location" in excinfo.value.error_dict


def test_it_refuses_an_end_date_before_the_start(owner, department):
    with pytest.raises(ValidationError) as excinfo:
        services.application_create(
            actor=owner,
            data=_data(
                department,
                starts_on=datetime.date(2026, 5, 1),
                ends_on=datetime.date(2026, 4, 1),
            ),
        )
    assert _("The end date cannot be before the start date.") in _messages(excinfo)
    # On the end date, where the form shows it beside the field.
    assert "ends_on" in excinfo.value.error_dict


def test_an_account_may_end_on_the_day_it_starts(owner, department):
    day = datetime.date(2026, 6, 6)
    account = services.application_create(
        actor=owner, data=_data(department, starts_on=day, ends_on=day)
    )
    account.refresh_from_db()
    assert (account.starts_on, account.ends_on) == (day, day)


def test_an_application_without_a_department_is_refused_on_that_field(owner, department):
    with pytest.raises(ValidationError) as excinfo:
        services.application_create(actor=owner, data={**_data(department), "department": None})
    assert "department" in excinfo.value.error_dict
    assert SocialAccount.objects.count() == 0


def test_the_applicant_updates_a_draft_and_the_changed_fields_are_documented(owner, draft_account):
    services.application_update(
        account=draft_account, actor=owner, data={"purpose": "Ett nytt syfte."}
    )
    draft_account.refresh_from_db()
    assert draft_account.purpose == "Ett nytt syfte."
    decision = draft_account.decisions.get()
    assert decision.kind == DecisionKind.UPDATED
    assert decision.details["fields"] == ["purpose"]


def test_an_outsider_cannot_update_an_application(outsider, draft_account):
    message = "Endast anmälaren eller den föreslagna kontoansvariga får göra detta."
    with pytest.raises(PermissionDenied, match=re.escape(message)):
        services.application_update(account=draft_account, actor=outsider, data={"purpose": "x"})


def test_the_applicant_corrects_the_address_of_a_draft(owner, draft_account):
    services.application_update(
        account=draft_account,
        actor=owner,
        data={"profile_url": "https://www.facebook.com/KulturhusetHaparanda"},
    )
    draft_account.refresh_from_db()
    assert draft_account.url == "https://www.facebook.com/kulturhusethaparanda"
    assert draft_account.handle == "kulturhusethaparanda"
    assert draft_account.decisions.get().details["fields"] == ["url", "platform", "handle"]


def test_moving_a_draft_to_another_department_is_saved_and_documented(
    owner, draft_account, other_department
):
    services.application_update(
        account=draft_account, actor=owner, data={"department": other_department}
    )
    draft_account.refresh_from_db()
    assert draft_account.department == other_department
    assert draft_account.decisions.get().details["fields"] == ["department"]


def test_the_same_hours_given_as_text_are_not_recorded_as_a_change(owner, draft_account):
    SocialAccount.objects.filter(pk=draft_account.pk).update(hours_per_week=Decimal("2.5"))
    # A script or an admin action may pass the hours as text.
    services.application_update(account=draft_account, actor=owner, data={"hours_per_week": "2.5"})
    assert not draft_account.decisions.exists()


def test_hours_that_are_not_a_number_are_refused_on_their_field(owner, draft_account):
    hours = draft_account.hours_per_week
    with pytest.raises(ValidationError) as refused:
        services.application_update(
            account=draft_account, actor=owner, data={"hours_per_week": "två", "purpose": "Nytt."}
        )
    assert list(refused.value.message_dict) == ["hours_per_week"]
    assert "decimaltal" in refused.value.message_dict["hours_per_week"][0]
    draft_account.refresh_from_db()
    assert draft_account.hours_per_week == hours
    assert draft_account.purpose != "Nytt."
    assert not draft_account.decisions.exists()


def test_hours_and_an_optional_text_given_empty_are_cleared(owner, draft_account):
    SocialAccount.objects.filter(pk=draft_account.pk).update(
        hours_per_week=Decimal("2.5"), public_contact="kultur@haparanda.se"
    )
    # A script or an admin action may pass an emptied field as empty text.
    services.application_update(
        account=draft_account, actor=owner, data={"hours_per_week": "", "public_contact": " "}
    )
    draft_account.refresh_from_db()
    assert (draft_account.hours_per_week, draft_account.public_contact) == (None, "")
    assert draft_account.decisions.get().details["fields"] == ["hours_per_week", "public_contact"]


def test_the_same_goals_in_another_order_are_not_recorded_as_a_change(owner, draft_account):
    # The factory's account serves the first and the third goal of the guideline.
    assert draft_account.goals == [Goal.ACCESSIBLE, Goal.DIALOGUE]
    services.application_update(
        account=draft_account, actor=owner, data={"goals": [Goal.DIALOGUE, Goal.ACCESSIBLE]}
    )
    assert not draft_account.decisions.exists()
    draft_account.refresh_from_db()
    assert draft_account.goals == [Goal.ACCESSIBLE, Goal.DIALOGUE]


def test_a_submitted_application_cannot_be_updated(owner, submitted_account):
    with pytest.raises(ValidationError):
        services.application_update(account=submitted_account, actor=owner, data={"purpose": "x"})


# --- people on an application -----------------------------------------------------------------


def test_the_manager_is_prefilled_from_the_person(owner, manager, draft_account):
    role = services.application_set_owner(account=draft_account, actor=owner, user=owner)
    assert role.manager == manager
    decision = draft_account.decisions.get()
    assert decision.details["person"]["id"] == owner.pk
    assert decision.details["manager"]["id"] == manager.pk


def test_setting_another_owner_replaces_the_first(owner, deputy, other_manager, draft_account):
    services.application_set_owner(account=draft_account, actor=owner, user=owner)
    services.application_set_owner(account=draft_account, actor=owner, user=deputy)
    owners = AccountRole.objects.current().filter(account=draft_account, role=Role.OWNER)
    assert [r.user for r in owners] == [deputy]


def test_a_person_cannot_hold_two_roles_on_one_account(owner, draft_account):
    services.application_set_owner(account=draft_account, actor=owner, user=owner)
    with pytest.raises(ValidationError) as excinfo:
        services.application_add_person(
            account=draft_account, actor=owner, user=owner, role=Role.DEPUTY
        )
    assert _("%(person)s already has a role on this account.") % {"person": owner} in _messages(
        excinfo
    )


def test_a_person_named_twice_at_the_same_moment_gets_the_same_message(
    owner, draft_account, monkeypatch
):
    services.application_set_owner(account=draft_account, actor=owner, user=owner)
    # The other request's role is committed only after this one's check has run.
    monkeypatch.setattr(services, "_current_role_of", lambda account, user: None)
    with pytest.raises(ValidationError) as excinfo:
        services.application_add_person(
            account=draft_account, actor=owner, user=owner, role=Role.DEPUTY
        )
    assert excinfo.value.message_dict["user"] == [f"{owner} har redan en roll på det här kontot."]
    assert draft_account.roles.current().count() == 1


def test_the_manager_who_confirms_is_the_persons_manager_in_the_directory(
    owner, deputy, other_manager, manager, draft_account
):
    # The walk-around of issue 12: an applicant cannot name a colleague as the manager.
    with pytest.raises(TypeError):
        services.application_add_person(
            account=draft_account, actor=owner, user=deputy, role=Role.DEPUTY, manager=owner
        )
    role = services.application_add_person(
        account=draft_account, actor=owner, user=deputy, role=Role.DEPUTY
    )
    assert role.manager == other_manager


def test_a_person_without_a_manager_in_the_directory_cannot_be_named(
    owner, outsider, draft_account
):
    with pytest.raises(ValidationError) as excinfo:
        services.application_add_person(
            account=draft_account, actor=owner, user=outsider, role=Role.DEPUTY
        )
    assert "personalkatalogen" in " ".join(excinfo.value.error_dict["user"][0].messages)
    assert not draft_account.roles.exists()


def test_a_person_who_has_left_cannot_be_named(owner, deputy, draft_account):
    User.objects.filter(pk=deputy.pk).update(is_active=False)
    deputy.refresh_from_db()
    with pytest.raises(ValidationError):
        services.application_add_person(
            account=draft_account, actor=owner, user=deputy, role=Role.DEPUTY
        )


def test_removing_a_person_ends_the_role_and_documents_it(owner, deputy, draft_account):
    role = services.application_add_person(
        account=draft_account, actor=owner, user=deputy, role=Role.DEPUTY
    )
    services.application_remove_person(role=role, actor=owner)
    role.refresh_from_db()
    assert role.ended_at is not None
    assert draft_account.decisions.last().details["change"] == "person_removed"


# --- submission -------------------------------------------------------------------------------


def _named(account, owner, deputy, administrator=None):
    # The factory's complete account leaves out the hours, which an anmälan states (R2).
    SocialAccount.objects.filter(pk=account.pk).update(hours_per_week=2)
    services.application_set_owner(account=account, actor=owner, user=owner)
    services.application_add_person(account=account, actor=owner, user=deputy, role=Role.DEPUTY)
    if administrator:
        services.application_add_person(
            account=account, actor=owner, user=administrator, role=Role.ADMINISTRATOR
        )


def test_submission_asks_each_named_manager_by_email(
    owner,
    deputy,
    manager,
    other_manager,
    draft_account,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    _named(draft_account, owner, deputy)
    with django_capture_on_commit_callbacks(execute=True):
        services.application_submit(account=draft_account, actor=owner)
    draft_account.refresh_from_db()
    assert draft_account.status == AccountStatus.SUBMITTED
    assert draft_account.submitted_at is not None
    assert sorted(m.to[0] for m in mailoutbox) == sorted([manager.email, other_manager.email])
    role = draft_account.roles.get(user=deputy)
    assert f"/konton/uppdrag/{role.pk}/" in next(
        m.body for m in mailoutbox if m.to == [other_manager.email]
    )
    assert _kinds(draft_account)[-1] == DecisionKind.SUBMITTED


def test_no_email_is_sent_if_the_submission_fails(
    owner, draft_account, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError):
        services.application_submit(account=draft_account, actor=owner)
    assert mailoutbox == []


def test_it_refuses_submission_without_owner_or_deputy(owner, draft_account):
    with pytest.raises(ValidationError) as excinfo:
        services.application_submit(account=draft_account, actor=owner)
    message = _messages(excinfo)
    assert _("Name the owner of the account.") in message
    assert _("Name at least one deputy.") in message
    draft_account.refresh_from_db()
    assert draft_account.status == AccountStatus.DRAFT


def test_it_refuses_submission_with_required_fields_missing(owner, deputy, draft_account):
    _named(draft_account, owner, deputy)
    SocialAccount.objects.filter(pk=draft_account.pk).update(purpose="", visitor_contact="")
    with pytest.raises(ValidationError) as excinfo:
        services.application_submit(account=draft_account, actor=owner)
    message = _messages(excinfo)
    assert str(SocialAccount._meta.get_field("purpose").verbose_name) in message
    assert str(SocialAccount._meta.get_field("visitor_contact").verbose_name) in message


# --- the manager's assignment -----------------------------------------------------------------


def test_the_named_manager_confirms_with_a_reference(manager, submitted_account):
    role = submitted_account.roles.get(role=Role.OWNER)
    services.assignment_confirm(role=role, actor=manager, reference="KS 2026/12", comment="Ok")
    role.refresh_from_db()
    assert role.assignment_status == AssignmentStatus.CONFIRMED
    assert role.assignment_reference == "KS 2026/12"
    assert role.assignment_decided_at is not None
    decision = submitted_account.decisions.get()
    assert decision.kind == DecisionKind.ASSIGNMENT_CONFIRMED
    assert decision.actor == manager
    assert decision.details["reference"] == "KS 2026/12"


def test_the_decision_on_an_assignment_names_the_person_the_role_and_the_manager(
    manager, owner, submitted_account
):
    role = submitted_account.roles.get(role=Role.OWNER)
    services.assignment_confirm(role=role, actor=manager)
    details = submitted_account.decisions.get().details
    # The role's id lets the archived record be traced to the role it concerns.
    assert {key: details[key] for key in ("person", "role", "manager", "role_id")} == {
        "person": {"id": owner.pk, "name": str(owner)},
        "role": Role.OWNER,
        "manager": {"id": manager.pk, "name": str(manager)},
        "role_id": role.pk,
    }


def test_another_manager_cannot_confirm_the_assignment(other_manager, submitted_account):
    role = submitted_account.roles.get(role=Role.OWNER)  # manager, not other_manager
    message = "Endast den angivna chefen får besluta om det här uppdraget."
    with pytest.raises(PermissionDenied, match=re.escape(message)):
        services.assignment_confirm(role=role, actor=other_manager)
    role.refresh_from_db()
    assert role.assignment_status == AssignmentStatus.PENDING


def test_declining_needs_a_reason(manager, submitted_account):
    role = submitted_account.roles.get(role=Role.OWNER)
    with pytest.raises(ValidationError) as excinfo:
        services.assignment_decline(role=role, actor=manager, comment="  ")
    assert _("Write why you decline the assignment.") in _messages(excinfo)
    services.assignment_decline(role=role, actor=manager, comment="Saknar tid.")
    role.refresh_from_db()
    assert role.assignment_status == AssignmentStatus.DECLINED
    assert submitted_account.decisions.get().kind == DecisionKind.ASSIGNMENT_DECLINED


def test_an_assignment_is_decided_only_once(manager, submitted_account):
    role = submitted_account.roles.get(role=Role.OWNER)
    services.assignment_confirm(role=role, actor=manager)
    with pytest.raises(ValidationError) as excinfo:
        services.assignment_decline(role=role, actor=manager, comment="Ångrar mig.")
    assert _("This assignment has already been decided.") in _messages(excinfo)


def test_a_role_taken_off_the_application_can_no_longer_be_confirmed(
    communicator, owner, other_manager, submitted_account
):
    services.account_request_changes(
        account=submitted_account, actor=communicator, comment="Föreslå en annan ersättare."
    )
    role = submitted_account.roles.get(role=Role.DEPUTY)
    services.application_remove_person(role=role, actor=owner)
    with pytest.raises(ValidationError) as excinfo:
        services.assignment_confirm(role=role, actor=other_manager)
    assert _("This role has ended.") in _messages(excinfo)


# --- the communicator's decision --------------------------------------------------------------


def _confirm_all(account):
    for role in account.roles.current():
        services.assignment_confirm(role=role, actor=role.manager)


def test_it_refuses_approval_listing_exactly_what_is_missing(communicator, submitted_account):
    with pytest.raises(ValidationError) as excinfo:
        services.account_approve(account=submitted_account, actor=communicator, comment="Ok.")
    assert excinfo.value.messages == [
        str(m) for m in SocialAccount.objects.get(pk=submitted_account.pk).missing_for_approval()
    ]
    assert len(excinfo.value.messages) == 2  # two unconfirmed assignments
    submitted_account.refresh_from_db()
    assert submitted_account.status == AccountStatus.SUBMITTED


def test_it_refuses_approval_without_deputy(communicator, owner, manager, department):
    account = make_account(created_by=owner, status=AccountStatus.SUBMITTED)
    add_role(account, owner, Role.OWNER, manager=manager)
    with pytest.raises(ValidationError) as excinfo:
        services.account_approve(account=account, actor=communicator, comment="Ok.")
    assert excinfo.value.messages == [_("The account must have at least one deputy.")]


def test_it_refuses_approval_with_incomplete_visitor_information(communicator, submitted_account):
    _confirm_all(submitted_account)
    SocialAccount.objects.filter(pk=submitted_account.pk).update(visitor_forbidden="", plan="")
    with pytest.raises(ValidationError) as excinfo:
        services.account_approve(account=submitted_account, actor=communicator, comment="Ok.")
    message = _messages(excinfo)
    assert _("The plan for the presence is missing.") in message
    assert str(SocialAccount._meta.get_field("visitor_forbidden").verbose_name) in message


def test_only_the_communicator_approves(owner, submitted_account):
    _confirm_all(submitted_account)
    with pytest.raises(PermissionDenied, match=re.escape("Endast kommunikatören får göra detta.")):
        services.account_approve(account=submitted_account, actor=owner, comment="Ok.")


def test_approval_activates_and_appoints_the_proposed_administrators(
    communicator, owner, deputy, administrator, draft_account
):
    _named(draft_account, owner, deputy, administrator)
    services.application_submit(account=draft_account, actor=owner)
    _confirm_all(draft_account)
    services.account_approve(account=draft_account, actor=communicator, comment="Bra plan.")
    draft_account.refresh_from_db()
    assert draft_account.status == AccountStatus.ACTIVE
    assert draft_account.approved_at is not None
    admin_role = draft_account.roles.get(user=administrator)
    assert admin_role.appointed_by == communicator
    appointed = draft_account.decisions.get(kind=DecisionKind.ROLE_APPOINTED)
    assert appointed.actor == communicator
    assert appointed.details["person"]["id"] == administrator.pk
    approved = draft_account.decisions.get(kind=DecisionKind.APPROVED)
    assert approved.comment == "Bra plan."


def test_approval_without_a_reason_is_refused_and_changes_nothing(
    communicator, owner, deputy, draft_account
):
    _named(draft_account, owner, deputy)
    services.application_submit(account=draft_account, actor=owner)
    _confirm_all(draft_account)
    with pytest.raises(ValidationError) as excinfo:
        services.account_approve(account=draft_account, actor=communicator, comment="  ")
    assert _("Write a reason: the decision is documented.") in _messages(excinfo)
    draft_account.refresh_from_db()
    assert draft_account.status == AccountStatus.SUBMITTED
    assert not draft_account.decisions.filter(kind=DecisionKind.APPROVED).exists()


@pytest.mark.parametrize(
    ("service", "status", "kind"),
    [
        ("account_reject", AccountStatus.REJECTED, DecisionKind.REJECTED),
        (
            "account_request_changes",
            AccountStatus.CHANGES_REQUESTED,
            DecisionKind.CHANGES_REQUESTED,
        ),
    ],
)
def test_reject_and_request_changes_need_a_comment(
    communicator, submitted_account, service, status, kind
):
    with pytest.raises(ValidationError) as excinfo:
        getattr(services, service)(account=submitted_account, actor=communicator, comment="")
    assert _("Write a reason: the decision is documented.") in _messages(excinfo)
    assert "comment" in excinfo.value.error_dict  # beside the reason's field
    getattr(services, service)(account=submitted_account, actor=communicator, comment="Varför.")
    submitted_account.refresh_from_db()
    assert submitted_account.status == status
    decision = submitted_account.decisions.get()
    assert (decision.kind, decision.comment, decision.actor) == (kind, "Varför.", communicator)


def test_an_application_sent_back_can_be_changed_and_resubmitted(
    communicator, owner, submitted_account
):
    services.account_request_changes(
        account=submitted_account, actor=communicator, comment="Förtydliga syftet."
    )
    services.application_update(
        account=submitted_account,
        actor=owner,
        data={"purpose": "Tydligare syfte.", "hours_per_week": 3},
    )
    services.application_submit(account=submitted_account, actor=owner)
    submitted_account.refresh_from_db()
    assert submitted_account.status == AccountStatus.SUBMITTED


def test_a_draft_cannot_be_approved(communicator, draft_account):
    with pytest.raises(ValidationError):
        services.account_approve(account=draft_account, actor=communicator, comment="Ok.")


# --- after activation -------------------------------------------------------------------------


def test_the_communicator_appoints_an_administrator_with_a_reason(
    communicator, active_account, newcomer, manager
):
    with pytest.raises(ValidationError):
        services.role_appoint_administrator(
            account=active_account, actor=communicator, user=newcomer, comment=""
        )
    role = services.role_appoint_administrator(
        account=active_account,
        actor=communicator,
        user=newcomer,
        comment="Behövs under sommaren.",
    )
    assert role.appointed_by == communicator
    assert role.assignment_status == AssignmentStatus.PENDING
    decision = active_account.decisions.get(kind=DecisionKind.ROLE_APPOINTED)
    assert decision.comment == "Behövs under sommaren."


def test_the_owner_cannot_appoint_an_administrator(owner, active_account, newcomer, manager):
    with pytest.raises(PermissionDenied):
        services.role_appoint_administrator(
            account=active_account, actor=owner, user=newcomer, comment="x"
        )


def test_the_owner_adds_a_deputy(owner, active_account, newcomer, manager):
    role = services.role_add_deputy(account=active_account, actor=owner, user=newcomer)
    assert role.role == Role.DEPUTY
    assert active_account.decisions.get().kind == DecisionKind.ROLE_APPOINTED


def test_it_refuses_to_end_the_last_deputy(owner, deputy, active_account):
    role = active_account.roles.get(user=deputy)
    with pytest.raises(ValidationError) as excinfo:
        services.role_end(role=role, actor=owner, comment="Slutar.")
    assert _("The account must keep at least one deputy. Add another deputy first.") in (
        _messages(excinfo)
    )


def test_it_refuses_to_end_the_owner_of_an_active_account(communicator, owner, active_account):
    role = active_account.roles.get(user=owner)
    with pytest.raises(ValidationError) as excinfo:
        services.role_end(role=role, actor=communicator, comment="Slutar.")
    assert _(
        "The owner of an active account cannot be removed. Change the owner instead."
    ) in _messages(excinfo)


def test_ending_an_administrator_is_documented(owner, administrator, active_account):
    role = active_account.roles.get(user=administrator)
    services.role_end(role=role, actor=owner, comment="Har bytt tjänst.")
    role.refresh_from_db()
    assert role.ended_at is not None and role.ended_by == owner
    decision = active_account.decisions.get()
    assert (decision.kind, decision.comment) == (DecisionKind.ROLE_ENDED, "Har bytt tjänst.")


def test_changing_the_owner_leaves_the_account_non_compliant_until_confirmed(
    communicator,
    owner,
    active_account,
    newcomer,
    other_manager,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    assert active_account.compliance_issues() == []
    with django_capture_on_commit_callbacks(execute=True):
        role = services.account_change_owner(
            account=active_account,
            new_owner=newcomer,
            actor=communicator,
            comment="Olle går i pension.",
        )
    account = SocialAccount.objects.get(pk=active_account.pk)
    assert account.owner_role.user == newcomer
    assert account.roles.get(user=owner).ended_at is not None
    assert account.compliance_issues() != []
    assert [m.to for m in mailoutbox] == [[other_manager.email]]
    decision = account.decisions.get(kind=DecisionKind.OWNER_CHANGED)
    assert decision.details["old_owner"]["id"] == owner.pk
    assert decision.details["new_owner"]["id"] == newcomer.pk

    services.assignment_confirm(role=role, actor=other_manager)
    assert SocialAccount.objects.get(pk=active_account.pk).compliance_issues() == []


def test_the_only_deputy_cannot_become_owner(communicator, deputy, active_account, manager):
    with pytest.raises(ValidationError) as excinfo:
        services.account_change_owner(
            account=active_account,
            new_owner=deputy,
            actor=communicator,
            comment="Byte.",
        )
    assert "user" in excinfo.value.error_dict


def test_absence_is_documented_on_each_account_of_the_person(
    owner, active_account, submitted_account
):
    absence = services.absence_register(
        user=owner,
        starts_on=datetime.date(2026, 7, 1),
        ends_on=datetime.date(2026, 7, 31),
        note="Semester",
        actor=owner,
    )
    assert absence.registered_by == owner
    for account in (active_account, submitted_account):
        decision = account.decisions.get()
        assert decision.kind == DecisionKind.ABSENCE_REGISTERED
        assert decision.details["starts_on"] == "2026-07-01"


def test_a_manager_registers_an_absence_but_an_outsider_cannot(owner, manager, outsider):
    services.absence_register(
        user=owner,
        starts_on=datetime.date(2026, 7, 1),
        ends_on=datetime.date(2026, 7, 2),
        actor=manager,
    )
    with pytest.raises(PermissionDenied):
        services.absence_register(
            user=owner,
            starts_on=datetime.date(2026, 7, 1),
            ends_on=datetime.date(2026, 7, 2),
            actor=outsider,
        )


def test_an_absence_cannot_end_before_it_starts(owner):
    with pytest.raises(ValidationError):
        services.absence_register(
            user=owner,
            starts_on=datetime.date(2026, 7, 2),
            ends_on=datetime.date(2026, 7, 1),
            actor=owner,
        )


def test_credentials_refuse_password_like_text(owner, active_account):
    with pytest.raises(ValidationError) as excinfo:
        services.credentials_update(
            account=active_account, actor=owner, location="password=hunter2", access="Olle"
        )
    assert "credentials_location" in excinfo.value.error_dict
    services.credentials_update(
        account=active_account, actor=owner, location="Valvet Kultur", access="Olle och Disa"
    )
    decision = active_account.decisions.get()
    assert decision.kind == DecisionKind.CREDENTIALS_UPDATED
    assert decision.details["fields"] == ["credentials_location", "credentials_access"]


def test_the_owner_updates_an_active_accounts_details(owner, deputy, active_account):
    services.account_update_details(
        account=active_account,
        actor=owner,
        data={"plan": "Tre inlägg i veckan.", "display_name": active_account.display_name},
    )
    assert active_account.decisions.get().details["fields"] == ["plan"]
    message = "Endast kontoansvarig eller kommunikatören får göra detta."
    with pytest.raises(PermissionDenied, match=re.escape(message)):
        services.account_update_details(account=active_account, actor=deputy, data={"plan": "x"})


# --- closing ----------------------------------------------------------------------------------


def test_closing_passes_through_closing_to_closed(
    owner, active_account, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.account_close(account=active_account, actor=owner, comment="Projektet är slut.")
    active_account.refresh_from_db()
    assert active_account.status == AccountStatus.CLOSING
    assert _kinds(active_account) == [DecisionKind.CLOSING_STARTED]
    for callback in callbacks:
        callback()
    active_account.refresh_from_db()
    assert active_account.status == AccountStatus.CLOSED
    assert active_account.closed_at is not None
    closed = active_account.decisions.get(kind=DecisionKind.CLOSED)
    assert closed.actor == owner


def test_a_replaced_closure_hook_keeps_the_account_closing(
    owner, active_account, settings, django_capture_on_commit_callbacks
):
    settings.ACCOUNTS_CLOSURE_HOOK = "tests.accounts.test_services._snapshot_pending"
    # The list outlives the test: a second run in the same process (mutmut's) starts it again.
    _requested.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.account_close(account=active_account, actor=owner, comment="Slut.")
    active_account.refresh_from_db()
    assert active_account.status == AccountStatus.CLOSING
    assert _requested == [active_account.pk]
    services.account_mark_closed(account=active_account, actor=owner)
    active_account.refresh_from_db()
    assert active_account.status == AccountStatus.CLOSED


_requested: list[int] = []


def _snapshot_pending(account, *, requested_by=None):
    _requested.append(account.pk)


def test_only_an_active_account_can_be_closed(communicator, draft_account):
    with pytest.raises(ValidationError):
        services.account_close(account=draft_account, actor=communicator, comment="x")


def test_a_closed_account_cannot_be_marked_closed_again(communicator, owner):
    account = make_account(created_by=owner, status=AccountStatus.CLOSED)
    with pytest.raises(ValidationError):
        services.account_mark_closed(account=account, actor=communicator)


# --- the decision record ----------------------------------------------------------------------


def test_decisions_are_append_only(owner, draft_account):
    services.application_update(account=draft_account, actor=owner, data={"plan": "Ny plan."})
    decision = draft_account.decisions.get()
    decision.comment = "ändrad"
    with pytest.raises(TypeError):
        decision.save()
    with pytest.raises(TypeError):
        decision.delete()
    with pytest.raises(TypeError):
        AccountDecision.objects.filter(pk=decision.pk).update(comment="ändrad")
    with pytest.raises(TypeError):
        AccountDecision.objects.filter(pk=decision.pk).delete()
    assert AccountDecision.objects.get(pk=decision.pk).comment == ""


def test_the_database_refuses_two_current_owners(owner, deputy, manager, draft_account):
    add_role(draft_account, owner, Role.OWNER, manager=manager)
    with pytest.raises(IntegrityError):
        add_role(draft_account, deputy, Role.OWNER, manager=manager)


def test_a_new_user_can_apply(department):
    applicant = make_user("ny.person")
    account = services.application_create(actor=applicant, data=_data(department))
    assert account.created_by == applicant
    assert account.created_at <= timezone.now()


@pytest.mark.django_db
def test_the_database_itself_refuses_to_change_a_decision_in_postgresql(submitted_account, owner):
    """Even raw SQL cannot rewrite or erase the decision record (R23)."""
    from django.db import DatabaseError, connection, transaction

    if connection.vendor != "postgresql":
        pytest.skip("the trigger guards PostgreSQL, the production database")
    decision = AccountDecision.objects.create(
        account=submitted_account, kind="submitted", actor=owner, comment="Skickad."
    )
    for sql in (
        "UPDATE accounts_accountdecision SET comment = 'ändrad' WHERE id = %s",
        "DELETE FROM accounts_accountdecision WHERE id = %s",
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [decision.pk])
    decision.refresh_from_db()
    assert decision.comment == "Skickad."
