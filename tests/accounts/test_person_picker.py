"""Person pickers search by name instead of listing every employee (issue 12), with htmx and
without JavaScript, and stay quick with 1 500 staff."""

import re

import pytest
from django.urls import reverse

from accounts.models import SocialAccount, User

STAFF = 1500


@pytest.fixture
def many_staff(db, department):
    User.objects.bulk_create(
        User(
            username=f"anstalld{i}",
            first_name=f"Förnamn{i}",
            last_name="Anställdsson",
            department=department,
        )
        for i in range(STAFF)
    )


def _options(html: str) -> int:
    return len(re.findall(r"<option ", html))


def test_the_new_application_form_does_not_list_every_employee(
    owner_client, owner, many_staff, django_assert_max_num_queries
):
    # session, user, departments, and one query for each of the three pickers (the chosen
    # person and the matches), whatever the number of staff.
    with django_assert_max_num_queries(8):
        response = owner_client.get(reverse("accounts:application_create"))
    html = response.content.decode()
    assert response.status_code == 200
    assert _options(html) < 20
    assert 'name="owner__q"' in html and 'hx-get="/konton/personer/sok/"' in html
    # The applicant, proposed as owner, is already chosen.
    assert re.search(rf'<option value="{owner.pk}"[^>]*selected', html)


def test_the_type_ahead_answers_with_matching_names_only(
    owner_client, many_staff, deputy, django_assert_max_num_queries
):
    with django_assert_max_num_queries(3):
        response = owner_client.get(
            reverse("accounts:person_search"), {"owner__q": "disa"}, HTTP_HX_REQUEST="true"
        )
    html = response.content.decode()
    assert f'<option value="{deputy.pk}">Disa Ersattare</option>' in html
    assert "1 träff" in html
    response = owner_client.get(reverse("accounts:person_search"), {"q": "Anställdsson"})
    assert _options(response.content.decode()) == 21  # a screenful and the prompt
    response = owner_client.get(reverse("accounts:person_search"), {"q": "ingen-sådan"})
    assert "Ingen matchar sökningen" in response.content.decode()


def test_the_type_ahead_does_not_offer_people_who_have_left(owner_client, deputy):
    User.objects.filter(pk=deputy.pk).update(is_active=False)
    response = owner_client.get(reverse("accounts:person_search"), {"q": "disa"})
    assert str(deputy.pk) not in response.content.decode()


def test_the_type_ahead_escapes_names(owner_client, department):
    User.objects.create(username="x", first_name="<script>alert(1)</script>", last_name="Z")
    response = owner_client.get(reverse("accounts:person_search"), {"q": "script"})
    html = response.content.decode()
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_an_anonymous_visitor_cannot_search_the_staff(anonymous_client, deputy):
    response = anonymous_client.get(reverse("accounts:person_search"), {"q": "disa"})
    assert response.status_code == 302
    assert "Disa" not in response.content.decode()


def test_without_javascript_the_search_button_shows_matches_and_saves_nothing(
    owner_client, owner, deputy, department
):
    response = owner_client.post(
        reverse("accounts:application_create"),
        {"display_name": "Halvfärdig", "deputy__q": "ersatt", "_search": "deputy"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert f'<option value="{deputy.pk}">Disa Ersattare</option>' in html
    assert 'value="Halvfärdig"' in html
    assert "error-summary" not in html
    assert not SocialAccount.objects.exists()


def test_without_javascript_a_deputy_is_found_and_added_on_the_account_page(
    owner_client, active_account, newcomer
):
    url = reverse("accounts:role_add_deputy", args=[active_account.pk])
    response = owner_client.post(url, {"deputy-user__q": "nils", "_search": "deputy-user"})
    assert response.status_code == 200
    assert f'<option value="{newcomer.pk}">Nils Nyanstalld</option>' in response.content.decode()
    assert not active_account.roles.filter(user=newcomer).exists()
    response = owner_client.post(url, {"deputy-user": newcomer.pk})
    assert response.status_code == 302
    assert active_account.roles.current().filter(user=newcomer).exists()
