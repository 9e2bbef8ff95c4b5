"""The municipality's list of secrecy provisions, and the query budgets of the list pages."""

from __future__ import annotations

import pytest

from moderation.models import Item
from records.models import SecrecyProvision
from records.services import request_add_items
from tests.moderation.conftest import make_item

pytestmark = pytest.mark.django_db

PROVISIONS = "/handlingar/bestammelser/"


def test_the_list_is_seeded_with_the_common_provisions():
    assert set(SecrecyProvision.objects.values_list("citation", flat=True)) >= {
        "21 kap. 7 §",
        "26 kap. 1 §",
        "23 kap. 2 §",
        "25 kap. 1 §",
        "39 kap. 3 §",
    }


def test_the_communicator_adds_and_retires_provisions(communicator_client):
    response = communicator_client.post(
        PROVISIONS, {"citation": "40 kap. 5 §", "description": "Uppgifter i e-post"}
    )
    assert response.status_code == 302
    added = SecrecyProvision.objects.get(citation="40 kap. 5 §")
    communicator_client.post(PROVISIONS, {"toggle": added.pk})
    added.refresh_from_db()
    assert not added.active
    assert "40 kap. 5 §" in communicator_client.get(PROVISIONS).content.decode()


@pytest.mark.parametrize(
    "data",
    [
        {"citation": "", "description": "x"},
        {"citation": "21 kap. 7 §", "description": "Dubblett"},
        {"citation": "x" * 61, "description": "x"},
    ],
)
def test_bad_provisions_are_refused(communicator_client, data):
    before = SecrecyProvision.objects.count()
    assert communicator_client.post(PROVISIONS, data).status_code == 400
    assert SecrecyProvision.objects.count() == before


def test_a_toggle_that_is_not_a_provision_is_404(communicator_client):
    assert communicator_client.post(PROVISIONS, {"toggle": "abc"}).status_code == 404


def test_only_the_communicator_keeps_the_list(owner_client, outsider_client):
    assert owner_client.get(PROVISIONS).status_code == 403
    assert outsider_client.post(PROVISIONS, {"citation": "1 kap. 1 §"}).status_code == 403
    assert not SecrecyProvision.objects.filter(citation="1 kap. 1 §").exists()


def _many(account, count):
    for n in range(count):
        make_item(account, text=f"Fråga nummer {n} om kulturveckan", hours_ago=n + 1)


def test_the_search_page_has_a_constant_number_of_queries(
    communicator_client, active_account, django_assert_max_num_queries
):
    _many(active_account, 3)
    # session, user, account choices, department choices, count, page
    with django_assert_max_num_queries(8) as few:
        communicator_client.get("/handlingar/sok/", {"q": "kulturveckan"})
    _many(active_account, 12)
    with django_assert_max_num_queries(len(few.captured_queries)):
        communicator_client.get("/handlingar/sok/", {"q": "kulturveckan"})


def test_the_request_page_has_a_constant_number_of_queries(
    communicator,
    communicator_client,
    records_request,
    active_account,
    django_assert_max_num_queries,
):
    _many(active_account, 3)
    request_add_items(request=records_request, actor=communicator, items=Item.objects.all())
    url = records_request.get_absolute_url()
    with django_assert_max_num_queries(12) as few:
        communicator_client.get(url)
    _many(active_account, 12)
    request_add_items(request=records_request, actor=communicator, items=Item.objects.all())
    with django_assert_max_num_queries(len(few.captured_queries)):
        communicator_client.get(url)


def test_the_default_provisions_come_back_without_changing_the_list():
    from django.core.management import call_command

    from records.services import provisions_ensure_default

    SecrecyProvision.objects.filter(citation="26 kap. 1 §").delete()
    kept = SecrecyProvision.objects.get(citation="21 kap. 7 §")
    kept.description = "Egen formulering"
    kept.save()
    call_command("seed_records_demo", verbosity=0)
    assert SecrecyProvision.objects.filter(citation="26 kap. 1 §").exists()
    assert SecrecyProvision.objects.get(citation="21 kap. 7 §").description == "Egen formulering"
    assert provisions_ensure_default() == 0


def test_the_dashboard_counts_every_open_request_and_lists_the_oldest(
    communicator, communicator_client
):
    import datetime as dt

    from django.utils import timezone

    from records.services import request_register

    now = timezone.now()
    for n in range(12):
        request_register(
            actor=communicator,
            received_at=now - dt.timedelta(hours=n),
            channel="email",
            asked_for=f"Begäran {n}",
            diarienummer=f"KS 2026/{n:03d}",
        )
    page = communicator_client.get("/konton/").content.decode()
    assert "12 öppna begäranden om allmänna handlingar" in page
    assert "KS 2026/011" in page  # the oldest
    assert "KS 2026/000" not in page  # the newest is one click away
