"""The registry's internal pages through HTTP: happy paths, bad input, outsiders (R1–R6, R24)."""

import datetime

import pytest
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.models import (
    Absence,
    AccountDecision,
    AccountStatus,
    AssignmentStatus,
    DecisionKind,
    Role,
    SocialAccount,
)
from accounts.visitor_info import standard_visitor_information
from tests.factories import make_account

pytestmark = pytest.mark.django_db


def _html(response) -> str:
    return response.content.decode()


def _application_post(department, owner, deputy, **overrides):
    data = {
        "department": department.pk,
        "profile_url": "https://www.instagram.com/haparandaidrott",
        "display_name": "Haparanda idrott",
        "purpose": "Informera om idrott.",
        "audiences": "Föreningar.",
        "goals": ["guide", "dialogue"],
        "plan": "Ett inlägg i veckan.",
        "tonality": "Vänlig.",
        "answers": "Bokningar.",
        "does_not_answer": "Personuppgifter.",
        "hours_per_week": "2",
        "public_contact": "idrott@haparanda.se",
        "starts_on": "2026-01-01",
        "ends_on": "",
        "credentials_location": "Lösenordshanteraren.",
        "credentials_access": "Ägaren och ersättaren.",
        "owner": owner.pk,
        "deputy": deputy.pk,
        "administrator": "",
        **standard_visitor_information(SocialAccount(department=department)),
    }
    data.update(overrides)
    return data


# --- outsiders and anonymous visitors ---------------------------------------------------------


def _account_urls(account, role_pk):
    pk = account.pk
    return [
        ("get", reverse("accounts:account_detail", args=[pk])),
        ("get", reverse("accounts:account_edit", args=[pk])),
        ("post", reverse("accounts:application_set_owner", args=[pk])),
        ("post", reverse("accounts:application_add_person", args=[pk])),
        ("post", reverse("accounts:application_remove_person", args=[pk, role_pk])),
        ("post", reverse("accounts:application_submit", args=[pk])),
        ("post", reverse("accounts:account_decide", args=[pk])),
        ("post", reverse("accounts:role_appoint_administrator", args=[pk])),
        ("post", reverse("accounts:role_add_deputy", args=[pk])),
        ("post", reverse("accounts:role_end", args=[pk, role_pk])),
        ("post", reverse("accounts:account_change_owner", args=[pk])),
        ("post", reverse("accounts:credentials_update", args=[pk])),
        ("post", reverse("accounts:account_close", args=[pk])),
        ("get", reverse("accounts:assignment", args=[role_pk])),
        ("post", reverse("accounts:assignment", args=[role_pk])),
    ]


@pytest.mark.parametrize("fixture", ["submitted_account", "active_account"])
def test_an_outsider_is_refused_on_every_account_page(request, outsider_client, fixture):
    account = request.getfixturevalue(fixture)
    role = account.roles.first()
    before = AccountDecision.objects.count()
    for method, url in _account_urls(account, role.pk):
        response = getattr(outsider_client, method)(url, {"decision": "approve"})
        assert response.status_code in (403, 404), url
    assert AccountDecision.objects.count() == before


def test_anonymous_visitors_are_sent_to_login(anonymous_client, active_account, department):
    role = active_account.roles.first()
    urls = [url for _m, url in _account_urls(active_account, role.pk)] + [
        reverse("accounts:dashboard"),
        reverse("accounts:application_create"),
        reverse("accounts:absences"),
        reverse("accounts:department_register", args=[department.slug]),
    ]
    for url in urls:
        response = anonymous_client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login")), url


def test_an_outsider_cannot_see_another_departments_register(outsider_client, department):
    response = outsider_client.get(reverse("accounts:department_register", args=[department.slug]))
    assert response.status_code == 404


def test_the_outsiders_dashboard_lists_nothing_of_others(outsider_client, active_account):
    response = outsider_client.get(reverse("accounts:dashboard"))
    assert response.status_code == 200
    assert active_account.display_name not in _html(response)


# --- the application in the browser -----------------------------------------------------------


def test_the_new_application_form_is_prefilled_with_the_standard_visitor_information(
    owner_client, owner
):
    response = owner_client.get(reverse("accounts:application_create"))
    assert response.status_code == 200
    html = _html(response)
    standard = standard_visitor_information(SocialAccount(department=owner.department))
    assert standard["visitor_own_responsibility"] in html
    # The applicant is proposed as owner; the managers are not chosen but come from the directory.
    assert response.context["form"].initial["owner"] == owner.pk
    assert "owner_manager" not in response.context["form"].fields


def test_an_application_is_saved_as_a_draft_with_its_people(
    owner_client, owner, deputy, manager, other_manager, department
):
    response = owner_client.post(
        reverse("accounts:application_create"), _application_post(department, owner, deputy)
    )
    account = SocialAccount.objects.get()
    assert response.status_code == 302
    assert response["Location"] == account.get_absolute_url()
    assert account.status == AccountStatus.DRAFT
    assert account.url == "https://www.instagram.com/haparandaidrott"
    assert account.goals == ["guide", "dialogue"]
    roles = {r.role: (r.user, r.manager) for r in account.roles.current()}
    assert roles == {Role.OWNER: (owner, manager), Role.DEPUTY: (deputy, other_manager)}


def test_bad_input_rerenders_the_application_with_the_data_kept(
    owner_client, owner, deputy, department
):
    post = _application_post(
        department,
        owner,
        deputy,
        profile_url="https://www.facebook.com/groups/",
        credentials_location="lösenord: Hemligt123!",
    )
    response = owner_client.post(reverse("accounts:application_create"), post)
    assert response.status_code == 200
    html = _html(response)
    assert "error-summary" in html
    assert "Informera om idrott." in html
    assert (
        str(
            _(
                "This looks like a password or other secret. Write where the login details are "
                "kept and who can reach them, never the details themselves."
            )
        )
        in html
    )
    assert SocialAccount.objects.count() == 0


def test_a_duplicate_address_is_refused_naming_the_existing_account(
    owner_client, owner, deputy, department, active_account
):
    post = _application_post(
        department, owner, deputy, profile_url="instagram.com/HaparandaKultur/"
    )
    response = owner_client.post(reverse("accounts:application_create"), post)
    assert response.status_code == 200
    assert active_account.display_name in _html(response)
    assert SocialAccount.objects.count() == 1


def test_the_same_person_cannot_be_owner_and_deputy(owner_client, owner, department):
    response = owner_client.post(
        reverse("accounts:application_create"), _application_post(department, owner, owner)
    )
    assert response.status_code == 200
    assert _("A person cannot hold two roles on one account.") in _html(response)
    assert SocialAccount.objects.count() == 0


def test_the_fill_button_fills_only_empty_visitor_texts_without_saving(
    owner_client, owner, deputy, department
):
    post = _application_post(department, owner, deputy, visitor_contact="", fill_standard="1")
    post["visitor_responsibility"] = "Vår egen text."
    response = owner_client.post(reverse("accounts:application_create"), post)
    assert response.status_code == 200
    html = _html(response)
    assert "Vår egen text." in html
    assert "idrott@haparanda.se" in html  # the standard contact text uses the account's mailbox
    assert SocialAccount.objects.count() == 0


def test_the_applicant_edits_a_draft(owner_client, draft_account):
    url = reverse("accounts:account_edit", args=[draft_account.pk])
    response = owner_client.get(url)
    assert response.status_code == 200
    post = {
        name: (value if value is not None else "")
        for name, value in response.context["form"].initial.items()
    }
    post.update(
        department=draft_account.department_id,
        purpose="Nytt syfte.",
        goals=draft_account.goals,
        profile_url=draft_account.url,
    )
    response = owner_client.post(url, post)
    assert response.status_code == 302
    draft_account.refresh_from_db()
    assert draft_account.purpose == "Nytt syfte."


def test_a_deputy_cannot_edit_the_application(deputy_client, submitted_account):
    url = reverse("accounts:account_edit", args=[submitted_account.pk])
    assert deputy_client.get(url).status_code == 403
    purpose = submitted_account.purpose
    response = deputy_client.post(
        url, {"department": submitted_account.department_id, "purpose": "Ändrat av ersättaren."}
    )
    assert response.status_code == 403
    # No reason of its own: the site's page in Swedish, with the general one.
    page = response.content.decode()
    assert "<h1>Inte tillåtet</h1>" in page
    assert "Din roll ger dig inte tillgång till den här sidan eller åtgärden." in page
    submitted_account.refresh_from_db()
    assert submitted_account.purpose == purpose
    assert not submitted_account.decisions.exists()


def test_a_page_for_the_communicator_tells_anyone_else_so(deputy_client, active_account):
    response = deputy_client.get(reverse("moderation:connectors"))
    assert response.status_code == 403
    assert "Endast kommunikatören får göra detta." in response.content.decode()


def test_submitting_without_people_shows_what_is_missing(owner_client, draft_account):
    response = owner_client.post(reverse("accounts:application_submit", args=[draft_account.pk]))
    assert response.status_code == 200
    assert _("Name the owner of the account.") in _html(response)
    draft_account.refresh_from_db()
    assert draft_account.status == AccountStatus.DRAFT


def test_people_are_named_and_the_application_submitted_in_the_browser(
    owner_client,
    owner,
    deputy,
    manager,
    draft_account,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    SocialAccount.objects.filter(pk=draft_account.pk).update(hours_per_week=2)
    pk = draft_account.pk
    response = owner_client.post(
        reverse("accounts:application_set_owner", args=[pk]),
        {"owner-user": owner.pk},
    )
    assert response.status_code == 302
    response = owner_client.post(
        reverse("accounts:application_add_person", args=[pk]),
        {"person-role": "deputy", "person-user": deputy.pk},
    )
    assert response.status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(reverse("accounts:application_submit", args=[pk]))
    assert response.status_code == 302
    draft_account.refresh_from_db()
    assert draft_account.status == AccountStatus.SUBMITTED
    assert len(mailoutbox) == 2


def test_the_applicant_cannot_name_a_colleague_as_manager(
    owner_client, owner, deputy, other_manager, draft_account, department
):
    """The walk-around of issue 12: the applicant names a colleague as the manager, who names
    them back. The managers come from the staff directory; a posted manager is ignored."""
    response = owner_client.post(
        reverse("accounts:application_add_person", args=[draft_account.pk]),
        {"person-role": "deputy", "person-user": deputy.pk, "person-manager": owner.pk},
    )
    assert response.status_code == 302
    assert draft_account.roles.get(user=deputy).manager == other_manager
    post = _application_post(
        department,
        owner,
        deputy,
        profile_url="https://www.instagram.com/haparandaslingan",
        owner_manager=deputy.pk,
        deputy_manager=owner.pk,
    )
    response = owner_client.post(reverse("accounts:application_create"), post)
    assert response.status_code == 302
    account = SocialAccount.objects.get(url="https://www.instagram.com/haparandaslingan")
    managers = {r.user_id: r.manager_id for r in account.roles.all()}
    assert managers == {owner.pk: owner.manager_id, deputy.pk: other_manager.pk}
    assert owner.pk not in managers.values() and deputy.pk not in managers.values()


def test_a_person_without_a_manager_in_the_directory_is_refused_on_the_form(
    owner_client, owner, outsider, department
):
    post = _application_post(department, owner, outsider)
    response = owner_client.post(reverse("accounts:application_create"), post)
    assert response.status_code == 200
    assert "har ingen chef i personalkatalogen" in _html(response)
    assert not SocialAccount.objects.exists()


# --- the manager's confirmation ---------------------------------------------------------------


def test_the_manager_confirms_an_assignment(manager_client, manager, submitted_account):
    role = submitted_account.roles.get(role=Role.OWNER)
    url = reverse("accounts:assignment", args=[role.pk])
    assert manager_client.get(url).status_code == 200
    response = manager_client.post(
        url, {"confirm": "1", "confirm-reference": "KS 2026/7", "confirm-comment": ""}
    )
    assert response.status_code == 302
    role.refresh_from_db()
    assert role.assignment_status == AssignmentStatus.CONFIRMED
    assert role.assignment_reference == "KS 2026/7"


def test_declining_without_a_reason_is_refused(manager_client, submitted_account):
    role = submitted_account.roles.get(role=Role.OWNER)
    url = reverse("accounts:assignment", args=[role.pk])
    response = manager_client.post(url, {"decline": "1", "decline-reason": ""})
    assert response.status_code == 200
    assert "error-summary" in _html(response)
    role.refresh_from_db()
    assert role.assignment_status == AssignmentStatus.PENDING
    response = manager_client.post(url, {"decline": "1", "decline-reason": "Ingen tid."})
    assert response.status_code == 302
    role.refresh_from_db()
    assert role.assignment_status == AssignmentStatus.DECLINED


def test_a_manager_cannot_confirm_someone_elses_assignment(manager_client, submitted_account):
    role = submitted_account.roles.get(role=Role.DEPUTY)  # other_manager's to decide
    response = manager_client.post(reverse("accounts:assignment", args=[role.pk]), {"confirm": "1"})
    assert response.status_code == 404
    role.refresh_from_db()
    assert role.assignment_status == AssignmentStatus.PENDING


def test_the_managers_dashboard_lists_assignments_awaiting_confirmation(
    manager_client, submitted_account
):
    role = submitted_account.roles.get(role=Role.OWNER)
    html = _html(manager_client.get(reverse("accounts:dashboard")))
    assert reverse("accounts:assignment", args=[role.pk]) in html


# --- the communicator's decision --------------------------------------------------------------


def test_a_refused_approval_shows_exactly_what_is_missing(communicator_client, submitted_account):
    response = communicator_client.post(
        reverse("accounts:account_decide", args=[submitted_account.pk]),
        {"decision": "approve", "decision-comment": "Uppfyller riktlinjerna."},
    )
    assert response.status_code == 200
    html = _html(response)
    for message in submitted_account.missing_for_approval():
        assert str(message) in html
    submitted_account.refresh_from_db()
    assert submitted_account.status == AccountStatus.SUBMITTED


def test_the_communicator_approves_in_the_browser(communicator_client, submitted_account):
    submitted_account.roles.update(
        assignment_status=AssignmentStatus.CONFIRMED, assignment_decided_at="2026-01-01T00:00Z"
    )
    response = communicator_client.post(
        reverse("accounts:account_decide", args=[submitted_account.pk]),
        {"decision": "approve", "decision-comment": "Godkänt."},
    )
    assert response.status_code == 302
    submitted_account.refresh_from_db()
    assert submitted_account.status == AccountStatus.ACTIVE
    assert "Godkänt." in _html(communicator_client.get(submitted_account.get_absolute_url()))


def test_approving_without_a_reason_keeps_the_application(communicator_client, submitted_account):
    submitted_account.roles.update(
        assignment_status=AssignmentStatus.CONFIRMED, assignment_decided_at="2026-01-01T00:00Z"
    )
    response = communicator_client.post(
        reverse("accounts:account_decide", args=[submitted_account.pk]),
        {"decision": "approve", "decision-comment": "  "},
    )
    assert response.status_code == 200
    assert _("Write a reason: the decision is documented.") in _html(response)
    submitted_account.refresh_from_db()
    assert submitted_account.status == AccountStatus.SUBMITTED
    assert not submitted_account.decisions.filter(kind=DecisionKind.APPROVED).exists()


def test_rejecting_without_a_comment_keeps_the_application(communicator_client, submitted_account):
    url = reverse("accounts:account_decide", args=[submitted_account.pk])
    response = communicator_client.post(url, {"decision": "reject", "decision-comment": ""})
    assert response.status_code == 200
    assert _("Write a reason: the decision is documented.") in _html(response)
    response = communicator_client.post(
        url, {"decision": "request_changes", "decision-comment": "Komplettera planen."}
    )
    assert response.status_code == 302
    submitted_account.refresh_from_db()
    assert submitted_account.status == AccountStatus.CHANGES_REQUESTED


def test_an_unknown_decision_is_a_clear_error_not_a_crash(communicator_client, submitted_account):
    response = communicator_client.post(
        reverse("accounts:account_decide", args=[submitted_account.pk]), {"decision": "bogus"}
    )
    assert response.status_code == 200
    assert _("Choose approve, reject or send back.") in _html(response)


def test_the_owner_cannot_decide_their_own_application(owner_client, submitted_account):
    response = owner_client.post(
        reverse("accounts:account_decide", args=[submitted_account.pk]),
        {"decision": "reject", "decision-comment": "Nej."},
    )
    assert response.status_code == 403
    submitted_account.refresh_from_db()
    assert submitted_account.status == AccountStatus.SUBMITTED


# --- the account page and its actions ---------------------------------------------------------


def test_the_account_page_shows_people_issues_end_date_and_history(
    communicator_client, owner, active_account, communicator
):
    SocialAccount.objects.filter(pk=active_account.pk).update(
        ends_on=datetime.date(2020, 1, 1), starts_on=datetime.date(2019, 1, 1)
    )
    from accounts import services

    services.credentials_update(
        account=active_account, actor=communicator, location="Valvet", access="Olle <b>"
    )
    response = communicator_client.get(active_account.get_absolute_url())
    html = _html(response)
    assert response.status_code == 200
    assert str(owner) in html
    assert "2020-01-01" in html
    issue = _("The end date %(date)s has passed but the account is not closed.") % {
        "date": "2020-01-01"
    }
    assert str(issue) in html
    assert str(DecisionKind.CREDENTIALS_UPDATED.label) in html
    assert "Olle &lt;b&gt;" in html


def test_the_history_names_the_person_added_their_role_and_their_manager(
    owner_client, owner, deputy, other_manager, draft_account
):
    from accounts import services

    services.application_add_person(
        account=draft_account, actor=owner, user=deputy, role=Role.DEPUTY
    )
    html = _html(owner_client.get(draft_account.get_absolute_url()))
    assert f"Person: {deputy} · Roll: Ersättare · Chef: {other_manager}" in html


def test_forms_for_later_actions_are_shown_only_to_who_may_use_them(
    communicator_client, owner_client, deputy_client, active_account
):
    url = active_account.get_absolute_url()
    communicator_html = _html(communicator_client.get(url))
    owner_html = _html(owner_client.get(url))
    deputy_html = _html(deputy_client.get(url))
    appoint = reverse("accounts:role_appoint_administrator", args=[active_account.pk])
    close = reverse("accounts:account_close", args=[active_account.pk])
    assert appoint in communicator_html and appoint not in owner_html
    assert close in owner_html and close not in deputy_html


def test_ending_the_last_deputy_is_refused_with_a_message(owner_client, deputy, active_account):
    role = active_account.roles.get(user=deputy)
    response = owner_client.post(
        reverse("accounts:role_end", args=[active_account.pk, role.pk]),
        {f"end{role.pk}-comment": "Slutar."},
    )
    assert response.status_code == 200
    assert _("The account must keep at least one deputy. Add another deputy first.") in _html(
        response
    )


def test_a_deputy_cannot_end_roles(deputy_client, administrator, active_account):
    role = active_account.roles.get(user=administrator)
    response = deputy_client.post(
        reverse("accounts:role_end", args=[active_account.pk, role.pk]),
        {f"end{role.pk}-comment": "Slutar."},
    )
    assert response.status_code == 403
    # The refusal says why, in Swedish, on the site's own page.
    assert "<h1>Inte tillåtet</h1>" in response.content.decode()
    assert "Endast kontoansvarig eller kommunikatören får göra detta." in response.content.decode()
    role.refresh_from_db()
    assert role.is_current
    assert active_account.roles.current().filter(user=administrator).exists()
    assert not active_account.decisions.exists()


def test_the_communicator_appoints_an_administrator(
    communicator_client, newcomer, manager, active_account
):
    response = communicator_client.post(
        reverse("accounts:role_appoint_administrator", args=[active_account.pk]),
        {"appoint-user": newcomer.pk, "appoint-comment": ""},
    )
    assert response.status_code == 200  # the reason is required
    response = communicator_client.post(
        reverse("accounts:role_appoint_administrator", args=[active_account.pk]),
        {"appoint-user": newcomer.pk, "appoint-comment": "Sommar."},
    )
    assert response.status_code == 302
    assert active_account.roles.current().filter(user=newcomer, role=Role.ADMINISTRATOR).exists()


def test_the_owner_adds_a_deputy_and_changes_the_owner(
    owner_client, newcomer, other_manager, manager, active_account
):
    response = owner_client.post(
        reverse("accounts:role_add_deputy", args=[active_account.pk]),
        {"deputy-user": newcomer.pk},
    )
    assert response.status_code == 302
    response = owner_client.post(
        reverse("accounts:account_change_owner", args=[active_account.pk]),
        {"newowner-user": newcomer.pk, "newowner-comment": "Byte."},
    )
    assert response.status_code == 302
    account = SocialAccount.objects.get(pk=active_account.pk)
    assert account.owner_role.user == newcomer
    assert account.owner_role.assignment_status == AssignmentStatus.PENDING


def test_a_password_in_the_credentials_form_is_refused_on_the_page(owner_client, active_account):
    response = owner_client.post(
        reverse("accounts:credentials_update", args=[active_account.pk]),
        {"cred-credentials_location": "pwd: K4ffe!Bryggare", "cred-credentials_access": "Olle"},
    )
    assert response.status_code == 200
    assert str(
        _(
            "This looks like a password or other secret. Write where the login details are "
            "kept and who can reach them, never the details themselves."
        )
    ) in _html(response)
    active_account.refresh_from_db()
    assert "K4ffe" not in active_account.credentials_location


def test_the_owner_edits_an_active_accounts_details(owner_client, active_account):
    url = reverse("accounts:account_edit", args=[active_account.pk])
    form = owner_client.get(url).context["form"]
    post = {n: (v if v is not None else "") for n, v in form.initial.items()}
    post.update(department=active_account.department_id, plan="Ny plan.", comment="Uppdaterad.")
    post.pop("id", None)
    response = owner_client.post(url, post)
    assert response.status_code == 302
    decision = active_account.decisions.get()
    assert decision.details["fields"] == ["plan"]
    active_account.refresh_from_db()
    assert active_account.plan == "Ny plan."
    assert active_account.status == AccountStatus.ACTIVE
    assert decision.comment == "Uppdaterad."


def test_closing_in_the_browser_ends_closed(
    owner_client, active_account, django_capture_on_commit_callbacks
):
    url = reverse("accounts:account_close", args=[active_account.pk])
    response = owner_client.post(url, {"close-comment": ""})
    assert response.status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(url, {"close-comment": "Projektet är slut."})
    assert response.status_code == 302
    active_account.refresh_from_db()
    assert active_account.status == AccountStatus.CLOSED
    kinds = list(active_account.decisions.values_list("kind", flat=True))
    assert kinds == [DecisionKind.CLOSING_STARTED, DecisionKind.CLOSED]


# --- absences ---------------------------------------------------------------------------------


def test_a_person_registers_their_own_absence(owner_client, owner, active_account):
    response = owner_client.post(
        reverse("accounts:absences"),
        {"starts_on": "2026-07-01", "ends_on": "2026-07-20", "note": "Semester"},
    )
    assert response.status_code == 302
    absence = Absence.objects.get()
    assert (absence.user, absence.registered_by) == (owner, owner)
    assert active_account.decisions.get().kind == DecisionKind.ABSENCE_REGISTERED


def test_an_absence_ending_before_it_starts_is_refused(owner_client):
    response = owner_client.post(
        reverse("accounts:absences"), {"starts_on": "2026-07-20", "ends_on": "2026-07-01"}
    )
    assert response.status_code == 200
    assert _("An absence cannot end before it starts.") in _html(response)
    assert Absence.objects.count() == 0


def test_a_manager_registers_a_reports_absence(manager_client, owner):
    response = manager_client.post(
        reverse("accounts:absences"),
        {"user": owner.pk, "starts_on": "2026-07-01", "ends_on": "2026-07-02"},
    )
    assert response.status_code == 302
    assert Absence.objects.get().user == owner


def test_an_employee_cannot_register_someone_elses_absence(outsider_client, outsider, owner):
    response = outsider_client.post(
        reverse("accounts:absences"),
        {"user": owner.pk, "starts_on": "2026-07-01", "ends_on": "2026-07-02"},
    )
    # The person field is not offered to them: the absence registered is their own.
    assert response.status_code == 302
    assert Absence.objects.get().user == outsider


# --- registers --------------------------------------------------------------------------------


def test_the_department_register_lists_the_departments_accounts(
    owner_client, department, active_account, other_department, outsider
):
    other = make_account(
        created_by=outsider, department=other_department, status=AccountStatus.ACTIVE
    )
    response = owner_client.get(reverse("accounts:department_register", args=[department.slug]))
    html = _html(response)
    assert response.status_code == 200
    assert active_account.display_name in html
    assert other.display_name not in html


def test_the_dashboard_filters_by_department_and_status(
    communicator_client, active_account, submitted_account, draft_account
):
    response = communicator_client.get(reverse("accounts:dashboard"), {"status": "active"})
    rows = [account for account, _issues in response.context["rows"]]
    assert rows == [active_account]
    response = communicator_client.get(
        reverse("accounts:dashboard"), {"department": "nonexistent", "status": "bogus"}
    )
    assert response.status_code == 200
    assert len(response.context["rows"]) == 3


def test_the_communicators_dashboard_shows_pending_with_missing_confirmations(
    communicator_client, submitted_account
):
    response = communicator_client.get(reverse("accounts:dashboard"))
    pending = response.context["pending"]
    assert pending == [submitted_account]
    assert pending[0].missing_confirmations == 2


def test_the_applicant_sees_why_the_application_was_sent_back(
    owner_client, communicator, submitted_account
):
    from accounts import services

    services.account_request_changes(
        account=submitted_account, actor=communicator, comment="Beskriv målgruppen."
    )
    html = _html(owner_client.get(submitted_account.get_absolute_url()))
    assert "Beskriv målgruppen." in html
    assert reverse("accounts:application_submit", args=[submitted_account.pk]) in html


def test_the_communicator_finds_every_department_register(
    communicator_client, department, other_department
):
    html = _html(communicator_client.get(reverse("accounts:dashboard")))
    for dept in (department, other_department):
        assert reverse("accounts:department_register", args=[dept.slug]) in html


def test_the_dashboard_reminds_of_time_limited_accounts_to_close(
    owner_client, active_account, time_machine
):
    time_machine.move_to(datetime.datetime(2026, 6, 1, 12, tzinfo=datetime.UTC))
    SocialAccount.objects.filter(pk=active_account.pk).update(
        starts_on=datetime.date(2026, 1, 1), ends_on=datetime.date(2026, 6, 20)
    )
    response = owner_client.get(reverse("accounts:dashboard"))
    assert response.context["ending_soon"] == [active_account]
    time_machine.move_to(datetime.datetime(2026, 4, 1, 12, tzinfo=datetime.UTC))
    response = owner_client.get(reverse("accounts:dashboard"))
    assert response.context["ending_soon"] == []
