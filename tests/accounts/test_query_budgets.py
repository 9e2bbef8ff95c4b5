"""List pages keep a constant number of queries, however many accounts there are."""

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AccountRole, AccountStatus, AssignmentStatus, Role, SocialAccount
from tests.factories import add_role, make_account

pytestmark = pytest.mark.django_db


def _populate(n, *, owner, deputy, manager, other_manager, department):
    for i in range(n):
        status = AccountStatus.SUBMITTED if i % 2 else AccountStatus.ACTIVE
        account = make_account(created_by=owner, department=department, status=status)
        add_role(account, owner, Role.OWNER, manager=manager, confirmed=bool(i % 3))
        add_role(account, deputy, Role.DEPUTY, manager=other_manager, confirmed=False)


def _count_queries(client, url, django_assert_max_num_queries, budget):
    with django_assert_max_num_queries(budget) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize(
    "client_fixture", ["communicator_client", "manager_client", "owner_client"]
)
def test_the_dashboard_does_not_grow_with_the_number_of_accounts(
    request,
    client_fixture,
    owner,
    deputy,
    manager,
    other_manager,
    department,
    django_assert_max_num_queries,
):
    client = request.getfixturevalue(client_fixture)
    people = {
        "owner": owner,
        "deputy": deputy,
        "manager": manager,
        "other_manager": other_manager,
        "department": department,
    }
    url = reverse("accounts:dashboard")
    # session, user, departments (filter), the number of accounts, one page of accounts, their
    # current roles (prefetch), assignments awaiting the user as manager, time-limited accounts
    # ending soon, and either the pending applications (communicator) or the user's department
    # (register link): 9. The communicator also counts the roles held by people who left the
    # staff directory, and lists them when there are any, and lists the open requests for
    # public records (counted too when there are more than ten): 12 at most.
    _populate(2, **people)
    few = _count_queries(client, url, django_assert_max_num_queries, 13)
    _populate(12, **people)
    many = _count_queries(client, url, django_assert_max_num_queries, 13)
    assert many == few


def _bulk_accounts(n, *, start=0, owner, deputy, manager, department):
    """``n`` active accounts with an owner and a deputy, written in bulk (setup only)."""
    accounts = SocialAccount.objects.bulk_create(
        SocialAccount(
            department=department,
            platform="facebook",
            handle=f"massa{i}",
            url=f"https://www.facebook.com/massa{i}",
            display_name=f"Konto {i:04d}",
            status=AccountStatus.ACTIVE,
            created_by=owner,
            starts_on=timezone.localdate(),
            approved_at=timezone.now(),
        )
        for i in range(start, start + n)
    )
    AccountRole.objects.bulk_create(
        AccountRole(
            account=account,
            user=user,
            role=role,
            manager=manager,
            assignment_status=AssignmentStatus.CONFIRMED,
            assignment_decided_at=timezone.now(),
        )
        for account in accounts
        for user, role in ((owner, Role.OWNER), (deputy, Role.DEPUTY))
    )


def test_the_communicators_register_costs_the_same_at_10_and_1000_accounts(
    communicator_client, owner, deputy, manager, department, django_assert_max_num_queries
):
    url = reverse("accounts:dashboard")
    people = {"owner": owner, "deputy": deputy, "manager": manager, "department": department}
    _bulk_accounts(10, **people)
    # 13: one more for the connectors whose capture has fallen behind, one for the open requests.
    few = _count_queries(communicator_client, url, django_assert_max_num_queries, 13)
    _bulk_accounts(990, start=10, **people)
    many = _count_queries(communicator_client, url, django_assert_max_num_queries, 13)
    assert many == few
    response = communicator_client.get(url)
    assert len(response.context["rows"]) == 50
    assert response.context["page_obj"].paginator.count == 1000


def test_the_register_is_paged_and_keeps_its_filters(
    communicator_client, owner, deputy, manager, department
):
    _bulk_accounts(120, owner=owner, deputy=deputy, manager=manager, department=department)
    url = reverse("accounts:dashboard")

    first = communicator_client.get(url, {"status": "active"})
    html = first.content.decode()
    assert "Visar 1–50 av 120" in html
    assert "Sida 1 av 3" in html
    assert "Konto 0000" in html and "Konto 0050" not in html
    # The next page keeps the filter.
    assert 'href="?status=active&amp;sida=2"' in html

    last = communicator_client.get(url, {"status": "active", "sida": "3"})
    assert len(last.context["rows"]) == 20
    assert "Konto 0119" in last.content.decode()


@pytest.mark.parametrize(("given", "shown"), [("abc", 1), ("0", 3), ("99999", 3), ("-1", 3)])
def test_a_bad_page_number_shows_the_nearest_page(
    communicator_client, owner, deputy, manager, department, given, shown
):
    _bulk_accounts(120, owner=owner, deputy=deputy, manager=manager, department=department)
    response = communicator_client.get(reverse("accounts:dashboard"), {"sida": given})
    assert response.status_code == 200
    assert response.context["page_obj"].number == shown


def test_the_roles_needing_a_new_person_do_not_grow_the_dashboard(
    communicator_client,
    owner,
    deputy,
    administrator,
    manager,
    other_manager,
    department,
    django_assert_max_num_queries,
):
    from accounts.models import User

    people = {
        "owner": owner,
        "deputy": deputy,
        "manager": manager,
        "other_manager": other_manager,
        "department": department,
    }
    url = reverse("accounts:dashboard")
    _populate(2, **people)
    User.objects.filter(pk__in=[deputy.pk]).update(is_active=False)
    # The eleven above, the connectors whose capture has fallen behind and the open requests
    # for public records.
    few = _count_queries(communicator_client, url, django_assert_max_num_queries, 13)
    _populate(12, **people)
    many = _count_queries(communicator_client, url, django_assert_max_num_queries, 13)
    assert many == few
    assert "Roller som behöver en ny person" in communicator_client.get(url).content.decode()


def test_the_department_register_does_not_grow_with_the_number_of_accounts(
    owner_client,
    owner,
    deputy,
    manager,
    other_manager,
    department,
    django_assert_max_num_queries,
):
    people = {
        "owner": owner,
        "deputy": deputy,
        "manager": manager,
        "other_manager": other_manager,
        "department": department,
    }
    url = reverse("accounts:department_register", args=[department.slug])
    # session, user, department, accounts, their roles, the visible ids: 6 today, at most 7.
    _populate(2, **people)
    few = _count_queries(owner_client, url, django_assert_max_num_queries, 7)
    _populate(12, **people)
    many = _count_queries(owner_client, url, django_assert_max_num_queries, 7)
    assert many == few
