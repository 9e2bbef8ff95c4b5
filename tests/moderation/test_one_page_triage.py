"""Issue 9: the item's one-page triage. Each answer reveals the next question without a page
load (htmx), the same GET forms work without JavaScript, shortcuts fill in a whole path for the
person to confirm, and after an outcome the next item of the same filtered queue opens."""

import datetime as dt
import re

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from moderation.models import ActionKind, Claim, Item, ItemStatus
from moderation.response_model import Outcome, shortcuts_of

from .conftest import make_item

NO5 = ["nej"] * 5
QUESTION_PATH = [*NO5, "ja", "ja"]
HTMX = {"HTTP_HX_REQUEST": "true"}


def triage_url(item, query=""):
    url = reverse("moderation:item_triage", args=[item.pk])
    return f"{url}?{query}" if query else url


def test_with_javascript_an_answer_returns_only_the_next_question(
    owner_client, item, response_model
):
    response = owner_client.get(item.get_absolute_url(), {"model": 1, "svar": "nej"}, **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html
    assert html.lstrip().startswith('<section id="triage"')
    assert "Innehåller inlägget kränkande personuppgifter" in html
    # The same address gives the whole page or its part, so caches must keep them apart.
    assert "HX-Request" in response["Vary"]
    # The address bar shows every answer as one list, so a reload shows the same question.
    assert response["HX-Push-Url"] == f"{item.get_absolute_url()}?model=1&a=nej"


def test_without_javascript_each_answer_is_a_button_of_a_plain_get_form(
    owner_client, item, response_model
):
    html = owner_client.get(item.get_absolute_url()).content.decode()
    form = re.search(r'<form method="get".*?</form>', html, re.S).group(0)
    assert 'name="svar" value="ja"' in form and 'name="svar" value="nej"' in form
    assert 'aria-keyshortcuts="1"' in form
    # Pressing a button is an ordinary GET: the answers so far and the one just given.
    response = owner_client.get(item.get_absolute_url(), {"model": 1, "a": ["nej"], "svar": "nej"})
    assert response.context["walk"].node_id == "felanmalan"
    assert [step["answer"] for step in response.context["walk"].path] == ["nej", "nej"]
    assert "<html" in response.content.decode()


def test_htmx_and_the_page_load_the_vendored_script_from_our_own_origin(owner_client, item):
    html = owner_client.get(item.get_absolute_url()).content.decode()
    assert '<script src="/static/vendor/htmx/htmx.min.js"></script>' in html
    assert '<script src="/static/js/triage.js"></script>' in html
    # htmx must not add inline styles or evaluate code: the CSP allows neither.
    assert '"includeIndicatorStyles":false' in html and '"allowEval":false' in html
    assert re.search(r"<script(?![^>]*\bsrc=)", html) is None


def test_a_shortcut_fills_in_the_answers_and_waits_for_confirmation(
    owner_client, item, response_model
):
    page = owner_client.get(item.get_absolute_url())
    thank = next(s for s in page.context["shortcuts"] if s["name"] == "Beröm → Tacka")
    assert thank["key"] == "t"
    response = owner_client.get(thank["url"], **HTMX)
    assert response.status_code == 200
    walk = response.context["walk"]
    assert walk.outcome == Outcome.THANK
    # The person sees every filled-in answer before confirming.
    html = response.content.decode()
    for step in walk.path:
        assert step["question"] in html
    assert len(walk.path) == 8
    assert Item.objects.get(pk=item.pk).status == ItemStatus.NEW
    assert not item.actions.filter(kind=ActionKind.TRIAGED).exists()


def test_a_confirmed_shortcut_is_recorded_as_the_full_path(owner_client, item, response_model):
    shortcut = next(s for s in shortcuts_of(response_model.tree) if s["name"] == "Beröm → Tacka")
    response = owner_client.post(
        triage_url(item),
        {"model": response_model.number, "a": shortcut["path"], "reply_text": "Tack!"},
    )
    assert response.status_code == 302
    action = item.actions.get(kind=ActionKind.TRIAGED)
    assert [step["node"] for step in action.path] == [
        "lag",
        "personuppgifter",
        "felanmalan",
        "sarskild_ordning",
        "enskilt_arende",
        "fraga",
        "positiv",
        "vill_svara",
    ]
    assert action.outcome == Outcome.THANK


def test_after_an_outcome_the_next_item_of_the_same_filtered_queue_opens(
    owner_client, active_account, owners_other_account, response_model
):
    first = make_item(active_account, hours_ago=5)
    make_item(owners_other_account, hours_ago=4)  # another account: outside the filter
    second = make_item(active_account, hours_ago=3)
    query = f"konto={active_account.pk}"
    response = owner_client.post(
        triage_url(first, query),
        {"model": response_model.number, "a": [*NO5, "nej", "ja", "nej"]},
    )
    assert response.status_code == 302
    assert response["Location"] == f"{second.get_absolute_url()}?{query}"
    page = owner_client.get(response["Location"])
    assert "Här är nästa inlägg i kön" in page.content.decode()


def test_the_last_item_of_the_filter_leads_back_to_the_filtered_queue(
    owner_client, active_account, response_model
):
    item = make_item(active_account)
    query = f"konto={active_account.pk}"
    response = owner_client.post(
        triage_url(item, query),
        {"model": response_model.number, "a": [*NO5, "nej", "ja", "nej"]},
    )
    assert response["Location"] == f"{reverse('moderation:queue')}?{query}"


def test_previous_and_next_keep_the_filter(owner_client, active_account, response_model):
    older, middle, newer = (make_item(active_account, hours_ago=h) for h in (6, 5, 4))
    query = f"konto={active_account.pk}"
    response = owner_client.get(f"{middle.get_absolute_url()}?{query}")
    html = response.content.decode()
    assert f'rel="prev" href="{older.get_absolute_url()}?{query}"' in html
    assert f'rel="next" href="{newer.get_absolute_url()}?{query}"' in html
    # The answer form carries the filter along, so a JavaScript-less walk keeps it too.
    assert f'<input type="hidden" name="konto" value="{active_account.pk}">' in html


def test_an_unknown_filter_value_falls_back_to_the_whole_queue(owner_client, item, response_model):
    response = owner_client.get(item.get_absolute_url(), {"konto": "x' OR 1=1", "typ": "<b>"})
    assert response.status_code == 200
    assert response.context["answer_form"] is not None
    assert "<b>" not in response.content.decode()


def test_the_triage_page_keeps_a_constant_number_of_queries(
    owner_client, active_account, response_model, settings
):
    settings.MODERATION_PAGE_CACHE_SECONDS = 0  # the page built, not a stored copy

    def count(item):
        owner_client.get(item.get_absolute_url())  # the first visit claims; count the next
        with CaptureQueriesContext(connection) as queries:
            response = owner_client.get(item.get_absolute_url())
        assert response.status_code == 200
        return len(queries)

    few = [make_item(active_account, hours_ago=10 + i) for i in range(3)]
    small = count(few[1])
    for i in range(40):
        make_item(active_account, hours_ago=100 + i)
    assert count(few[1]) == small
    # Session, user, item, model, claim (read, renew), neighbours (2), history prefetches, …
    assert small <= 20, small


@pytest.mark.parametrize("method", ["get", "post"])
def test_an_outsider_gets_nothing_from_the_triage_views(
    outsider_client, item, response_model, method
):
    for url in (
        item.get_absolute_url(),
        reverse("moderation:item_take_over", args=[item.pk]),
        triage_url(item),
    ):
        response = getattr(outsider_client, method)(url, **HTMX)
        assert response.status_code in (404, 405), url
    assert not item.actions.exclude(kind=ActionKind.RECEIVED).exists()
    assert Item.objects.get(pk=item.pk).status == ItemStatus.NEW


def test_an_answer_after_a_colleague_took_over_reloads_the_page_to_say_so(
    owner_client, deputy_client, item, response_model
):
    owner_client.get(item.get_absolute_url())
    deputy_client.post(reverse("moderation:item_take_over", args=[item.pk]))
    response = owner_client.get(item.get_absolute_url(), {"model": 1, "svar": "nej"}, **HTMX)
    assert response["HX-Refresh"] == "true"
    page = owner_client.get(item.get_absolute_url())
    assert page.context["claimed_by_other"]
    assert "Ta över" in page.content.decode()


def test_each_answer_renews_the_persons_claim(owner_client, owner, item, response_model):
    owner_client.get(item.get_absolute_url())
    first_expiry = Claim.objects.get(item=item).expires_at
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=10)):
        owner_client.get(item.get_absolute_url(), {"model": 1, "svar": "nej"}, **HTMX)
    claim = Claim.objects.get(item=item)
    assert claim.user == owner
    assert claim.expires_at > first_expiry


def test_the_next_item_follows_a_search_and_kind_filter_too(
    owner_client, active_account, response_model
):
    first = make_item(active_account, text="Köp solglasögon här!", hours_ago=6)
    make_item(active_account, text="När öppnar badhuset?", hours_ago=5)
    second = make_item(active_account, text="Billiga solglasögon igen", hours_ago=4)
    query = "typ=comment&q=solglas%C3%B6gon"
    response = owner_client.post(
        triage_url(first, query),
        {
            "model": response_model.number,
            "a": ["regler"],
            "legal_ground": "kontots_regler",
            "visitor_notice": "Reklam tas bort.",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == f"{second.get_absolute_url()}?{query}"
