"""Issue 9: opening an item's triage claims it; a colleague sees who is on it and since when,
and takes it over only deliberately. The one-outcome guarantee stays with the service."""

import datetime as dt

import time_machine
from django.urls import reverse
from django.utils import timezone

from moderation.models import ActionKind, Claim, Item, ItemStatus

NO5 = ["nej"] * 5
LET_STAND = [*NO5, "nej", "ja", "nej"]


def take_over_url(item):
    return reverse("moderation:item_take_over", args=[item.pk])


def test_opening_an_item_claims_it_for_the_person(owner_client, owner, item, response_model):
    with time_machine.travel(dt.datetime(2026, 3, 3, 14, 2, tzinfo=dt.UTC), tick=False):
        response = owner_client.get(item.get_absolute_url())
    claim = Claim.objects.get(item=item)
    assert claim.user == owner
    assert "Du hanterar objektet sedan" in response.content.decode()


def test_a_colleague_sees_who_is_on_it_and_gets_no_triage_form(
    owner_client, deputy_client, owner, item, response_model
):
    owner_client.get(item.get_absolute_url())
    since = timezone.localtime(Claim.objects.get(item=item).claimed_at).strftime("%H:%M")
    response = deputy_client.get(item.get_absolute_url())
    html = response.content.decode()
    assert f"{owner.first_name} hanterar sedan {since}" in html
    assert response.context["walk"] is None
    assert "Ta över" in html
    # Looking does not take the claim away.
    assert Claim.objects.get(item=item).user == owner


def test_taking_over_is_deliberate_and_recorded(
    owner_client, deputy_client, owner, deputy, item, response_model
):
    owner_client.get(item.get_absolute_url())
    response = deputy_client.post(take_over_url(item))
    assert response.status_code == 302
    assert Claim.objects.get(item=item).user == deputy
    taken = item.actions.get(kind=ActionKind.CLAIM_TAKEN_OVER)
    assert taken.actor == deputy
    page = deputy_client.get(response["Location"])
    assert page.context["walk"] is not None


def test_the_first_person_cannot_record_after_being_taken_over_and_keeps_their_text(
    owner_client, deputy_client, item, response_model
):
    owner_client.get(item.get_absolute_url())
    deputy_client.post(take_over_url(item))
    response = owner_client.post(
        reverse("moderation:item_triage", args=[item.pk]),
        {"model": 1, "a": LET_STAND, "reason": "Min motivering"},
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "tog över objektet" in html
    assert "Min motivering" in html
    assert Item.objects.get(pk=item.pk).status == ItemStatus.NEW


def test_the_outcome_releases_the_claim(owner_client, item, response_model):
    owner_client.get(item.get_absolute_url())
    owner_client.post(
        reverse("moderation:item_triage", args=[item.pk]), {"model": 1, "a": LET_STAND}
    )
    assert not Claim.objects.filter(item=item).exists()
    assert Item.objects.get(pk=item.pk).status == ItemStatus.HANDLED


def test_taking_over_a_handled_item_is_refused_clearly(
    owner_client, deputy_client, item, response_model
):
    owner_client.post(
        reverse("moderation:item_triage", args=[item.pk]), {"model": 1, "a": LET_STAND}
    )
    response = deputy_client.post(take_over_url(item), follow=True)
    assert "redan hanterat" in response.content.decode()
    assert not Claim.objects.filter(item=item).exists()
    assert not item.actions.filter(kind=ActionKind.CLAIM_TAKEN_OVER).exists()


def test_an_expired_claim_no_longer_holds_the_item(
    owner_client, deputy_client, item, response_model
):
    owner_client.get(item.get_absolute_url())
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=16)):
        response = deputy_client.get(item.get_absolute_url())
    assert response.context["walk"] is not None
    assert not response.context["claimed_by_other"]


def test_an_outsider_cannot_take_over(outsider_client, owner_client, owner, item, response_model):
    owner_client.get(item.get_absolute_url())
    assert outsider_client.post(take_over_url(item)).status_code == 404
    assert Claim.objects.get(item=item).user == owner
