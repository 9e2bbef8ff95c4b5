"""List pages keep a constant number of queries, however many accounts there are."""

import pytest
from django.urls import reverse

from accounts.models import AccountStatus, Role
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
    # session, user, departments (filter), accounts, their current roles (prefetch),
    # assignments awaiting the user as manager, time-limited accounts ending soon, and either
    # the pending applications (communicator) or the user's department (register link): 8.
    # The communicator also counts the roles held by people who left the staff directory,
    # and lists them when there are any: 10 at most.
    _populate(2, **people)
    few = _count_queries(client, url, django_assert_max_num_queries, 10)
    _populate(12, **people)
    many = _count_queries(client, url, django_assert_max_num_queries, 10)
    assert many == few


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
    few = _count_queries(communicator_client, url, django_assert_max_num_queries, 10)
    _populate(12, **people)
    many = _count_queries(communicator_client, url, django_assert_max_num_queries, 10)
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
