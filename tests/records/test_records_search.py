"""The records search (R21): Swedish words, names, filters, versions, triage records, evidence,
and who sees what — through HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from django.db import connection
from django.utils import timezone

from accounts.models import AccountStatus
from moderation.models import ItemKind
from moderation.response_model import LegalGround
from moderation.services import ingest_item, response_model_ensure_default, triage_item
from records.models import RequestItem
from records.search import RecordsFilter, records_queryset
from tests.factories import make_account
from tests.moderation.conftest import make_item

pytestmark = pytest.mark.django_db

SEARCH = "/handlingar/sok/"


def found(client, **params):
    response = client.get(SEARCH, params)
    assert response.status_code == 200, response.content.decode()[:2000]
    return {item.pk for item in response.context["page_obj"]}


def ids(user, **params):
    form = RecordsFilter(params, user=user)
    assert form.is_valid(), form.errors
    return {item.pk for item in records_queryset(user, form.cleaned_data)}


@pytest.mark.parametrize("query", ["Rantakyrö", "rantakyro", "Rantakyro", "RANTAKYRÖ"])
def test_names_are_found_with_and_without_swedish_letters(communicator_client, thread, query):
    _post, comment, _reply = thread
    assert found(communicator_client, q=query) == {comment.pk}


def test_a_word_finds_the_longer_form_everywhere(communicator_client, thread):
    _post, comment, _reply = thread
    assert found(communicator_client, q="kommentar") == {comment.pk}


def test_inflected_words_meet_on_postgresql(communicator, active_account):
    if connection.vendor != "postgresql":
        pytest.skip("stemming and trigram matching are PostgreSQL's; SQLite matches substrings")
    item = make_item(active_account, text="Tack för din kommentar om biblioteket.")
    assert item.pk in ids(communicator, q="kommentarerna")
    assert item.pk in ids(communicator, q="biblioteken")


def test_earlier_versions_are_searched(communicator_client, active_account):
    first = make_item(active_account, text="Skolbussen till Nikkala var sen igen", hours_ago=4)
    ingest_item(
        account=active_account,
        platform_id=first.platform_id,
        kind=first.kind,
        author_name=first.author_name,
        text="Redigerat: tack för svaret",
        published_at=first.published_at,
        source=first.source,
        changed_at=timezone.now() - dt.timedelta(hours=1),
    )
    assert found(communicator_client, q="Nikkala") == {first.pk}


def test_triage_reasons_replies_and_evidence_are_searched(
    communicator, communicator_client, owner, active_account
):
    item = make_item(active_account, text="Eleven heter Kalle")
    triage_item(
        item=item,
        actor=owner,
        response_model=response_model_ensure_default(),
        answers=["ja"],
        legal_ground=LegalGround.PERSONAL_DATA,
        visitor_notice="Din kommentar togs bort.",
        reason="Innehöll uppgifter om en elev på Tornedalsskolan",
    )
    assert found(communicator_client, q="Tornedalsskolan") == {item.pk}
    assert found(communicator_client, borttagen="ja") == {item.pk}
    # Who took the evidence is in the evidence alone.
    assert found(communicator_client, q="olle.agare") == {item.pk}


def test_filters_narrow_the_search(
    communicator_client, thread, message, other_item, active_account
):
    post, comment, reply = thread
    assert found(communicator_client, konto=active_account.pk) == {
        post.pk,
        comment.pk,
        reply.pk,
        message.pk,
    }
    assert found(communicator_client, forvaltning=other_item.account.department_id) == {
        other_item.pk
    }
    assert found(communicator_client, typ=ItemKind.MESSAGE) == {message.pk}
    assert found(communicator_client, forfattare="rantakyro") == {comment.pk}
    assert found(communicator_client, personuppgifter="ja", konto=active_account.pk) == {
        comment.pk,
        message.pk,
    }
    assert found(communicator_client, hanterad="nej", typ=ItemKind.REPLY) == {reply.pk}
    assert found(communicator_client, plattform="instagram") == {
        post.pk,
        comment.pk,
        reply.pk,
        message.pk,
    }


def test_the_date_range_is_read_in_stockholm_days(communicator_client, active_account):
    import zoneinfo

    stockholm = zoneinfo.ZoneInfo("Europe/Stockholm")
    late = make_item(active_account, text="Sent på kvällen")
    late.published_at = dt.datetime(2026, 3, 2, 23, 30, tzinfo=stockholm)
    late.save(update_fields=["published_at"])
    early = make_item(active_account, text="Tidigt på morgonen")
    early.published_at = dt.datetime(2026, 3, 3, 0, 30, tzinfo=stockholm)
    early.save(update_fields=["published_at"])
    assert found(communicator_client, fran="2026-03-03", till="2026-03-03") == {early.pk}
    assert found(communicator_client, fran="2026-03-01", till="2026-03-02") == {late.pk}


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"q": ""}, "Skriv vad du vill söka efter"),
        ({"q": "   "}, "Skriv vad du vill söka efter"),
        ({"q": "x" * 10_000}, "högst 200 tecken"),
        ({"q": "a", "fran": "igår"}, "ÅÅÅÅ-MM-DD"),
        ({"q": "a", "fran": "2026-03-05", "till": "2026-03-01"}, "före startdatumet"),
        ({"q": "a", "typ": "brev"}, "brev"),
    ],
)
def test_bad_searches_get_a_clear_message(communicator_client, thread, params, message):
    response = communicator_client.get(SEARCH, params)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert response.context["page_obj"] is None


def test_operators_and_markup_in_a_search_are_only_words(communicator_client, thread):
    response = communicator_client.get(SEARCH, {"q": "<script>alert(1)</script> & | ! ' ;"})
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in response.content.decode()


def test_owners_see_their_accounts_and_their_messages(owner_client, thread, message, other_item):
    _post, _comment, _reply = thread
    everything = found(owner_client, q="a")
    assert other_item.pk not in everything
    assert message.pk in found(owner_client, typ=ItemKind.MESSAGE)
    # The account list offers only the accounts whose records they may see.
    form = owner_client.get(SEARCH).context["form"]
    assert [label for _value, label in form.fields["konto"].choices] == [
        "Alla konton",
        "Haparanda kultur (Instagram)",
    ]


def test_administrators_do_not_see_messages(administrator_client, administrator, thread, message):
    assert found(administrator_client, konto=thread[0].account_id) == {i.pk for i in thread}
    response = administrator_client.get(f"/handlingar/objekt/{message.pk}/")
    assert response.status_code == 404


def test_the_communicator_sees_every_account(communicator_client, thread, other_item):
    assert other_item.pk in found(communicator_client, q="Storgatan")


def test_an_outsider_cannot_search_or_open_items(outsider_client, thread):
    assert outsider_client.get(SEARCH, {"q": "kultur"}).status_code == 403
    assert outsider_client.get(f"/handlingar/objekt/{thread[0].pk}/").status_code == 404


def test_a_result_opens_with_its_thread_and_history(communicator_client, thread):
    post, comment, reply = thread
    response = communicator_client.get(f"/handlingar/objekt/{comment.pk}/")
    assert response.status_code == 200
    assert response.context["parents"] == [post]
    assert list(response.context["replies"]) == [reply]
    page = response.content.decode()
    assert "Välkomna till kulturveckan" in page
    assert "Tack, vi har tagit bort uppgiften." in page


def test_the_search_can_use_the_version_and_record_indexes_on_postgresql(communicator, thread):
    from django.db import transaction

    from moderation.models import ItemVersion, ModerationAction
    from moderation.queue import fields_search_condition

    if connection.vendor != "postgresql":
        pytest.skip("the search indexes are PostgreSQL's")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        versions = (
            ItemVersion.objects.filter(
                fields_search_condition("Rantakyrö", "postgresql", ("text",))
            )
            .order_by()
            .explain()
        )
        actions = (
            ModerationAction.objects.filter(
                fields_search_condition("Rantakyrö", "postgresql", ("reason", "reply_text"))
            )
            .order_by()
            .explain()
        )
    for index in ("itemversion_text_folded_trgm", "itemversion_text_swedish_fts"):
        assert index in versions, versions
    for index in ("action_reason_folded_trgm", "action_reply_swedish_fts"):
        assert index in actions, actions


@pytest.mark.parametrize("name", ["plattform", "typ", "hanterad", "borttagen", "personuppgifter"])
def test_a_choice_that_is_not_offered_is_named_in_swedish(communicator_client, name):
    response = communicator_client.get(SEARCH, {name: "kanske"})
    assert response.status_code == 400
    assert "Välj ett giltigt alternativ; kanske är inte ett av dem." in response.content.decode()


@pytest.mark.parametrize("name", ["konto", "forvaltning"])
def test_an_account_or_department_not_in_the_list_is_refused(communicator_client, name):
    response = communicator_client.get(SEARCH, {name: "999999"})
    assert response.status_code == 400
    assert "Välj en i listan." in response.content.decode()


@pytest.mark.parametrize("name", ["fran", "till"])
def test_both_dates_are_asked_for_as_yyyy_mm_dd_with_a_date_picker(communicator_client, name):
    page = communicator_client.get(SEARCH).content.decode()
    assert re.search(rf'<input type="date" name="{name}"', page), page
    response = communicator_client.get(SEARCH, {"q": "a", name: "igår"})
    assert response.status_code == 400
    assert "Skriv datumet som ÅÅÅÅ-MM-DD." in response.content.decode()


def test_the_account_list_is_in_alphabetical_order(communicator_client, active_account, department):
    make_item(active_account)
    for name in ("Öppet hus Haparanda", "Biblioteket Haparanda"):
        account = make_account(
            created_by=active_account.created_by,
            department=department,
            status=AccountStatus.ACTIVE,
            display_name=name,
        )
        make_item(account)
    form = communicator_client.get(SEARCH).context["form"]
    names = [label for _value, label in form.fields["konto"].choices]
    assert names == [
        "Alla konton",
        "Biblioteket Haparanda (Facebook)",
        "Haparanda kultur (Instagram)",
        "Öppet hus Haparanda (Facebook)",
    ]


def test_handled_and_removed_are_filtered_both_ways(communicator_client, owner, active_account):
    response_model = response_model_ensure_default()
    open_item = make_item(active_account, text="Når man biblioteket med buss?")
    kept = make_item(active_account, text="Tack för hjälpen!")
    triage_item(
        item=kept, actor=owner, response_model=response_model, answers=["nej"] * 6 + ["ja", "nej"]
    )
    removed = make_item(active_account, text="Eleven heter Kalle")
    triage_item(
        item=removed,
        actor=owner,
        response_model=response_model,
        answers=["ja"],
        legal_ground=LegalGround.PERSONAL_DATA,
        visitor_notice="Din kommentar togs bort.",
    )
    assert found(communicator_client, hanterad="ja") == {kept.pk, removed.pk}
    assert found(communicator_client, hanterad="nej") == {open_item.pk}
    assert found(communicator_client, borttagen="ja") == {removed.pk}
    assert found(communicator_client, borttagen="nej") == {open_item.pk, kept.pk}


def test_words_and_author_are_read_whatever_the_spacing(communicator_client, thread):
    _post, comment, _reply = thread
    assert found(communicator_client, q=" personnummer\t  Kommentarerna ") == {comment.pk}
    assert found(communicator_client, forfattare="  Rantakyrö   Pekka ") == {comment.pk}
    response = communicator_client.get(SEARCH, {"forfattare": "   "})
    assert response.status_code == 400
    assert "Skriv vad du vill söka efter, eller välj minst ett filter." in (
        response.content.decode()
    )


def test_adding_all_results_adds_exactly_what_the_search_found(
    communicator_client, records_request, thread, message, other_item, active_account
):
    _post, comment, _reply = thread
    today = timezone.localdate().isoformat()
    params = {
        "konto": active_account.pk,
        "plattform": "instagram",
        "typ": ItemKind.COMMENT,
        "fran": "2020-01-01",
        "till": today,
        "personuppgifter": "ja",
    }
    response = communicator_client.get(SEARCH, {**params, "begaran": records_request.pk})
    assert {item.pk for item in response.context["page_obj"]} == {comment.pk}
    sokning = re.search(r'name="sokning" value="([^"]*)"', response.content.decode()).group(1)
    added = communicator_client.post(
        f"/handlingar/begaran/{records_request.pk}/lagg-till/",
        {"alla": "1", "sokning": html.unescape(sokning)},
        follow=True,
    )
    assert "1 handlingar lades till i begäran." in added.content.decode()
    assert set(
        RequestItem.objects.filter(request=records_request).values_list("item_id", flat=True)
    ) == {comment.pk}


def test_results_are_newest_first_and_items_of_the_same_moment_keep_their_order(
    communicator_client, active_account
):
    moment = timezone.now() - dt.timedelta(hours=3)
    late = make_item(active_account, text="Isbanan öppnar", published_at=moment)
    early = make_item(
        active_account, text="Isbanan spolas", published_at=moment - dt.timedelta(hours=1)
    )
    same = make_item(active_account, text="Isbanan är stängd", published_at=moment)
    response = communicator_client.get(SEARCH, {"q": "Isbanan"})
    assert [item.pk for item in response.context["page_obj"]] == [same.pk, late.pk, early.pk]


def test_an_end_date_before_the_start_date_is_marked_on_the_end_date(communicator_client):
    response = communicator_client.get(
        SEARCH, {"q": "a", "fran": "2026-03-05", "till": "2026-03-01"}
    )
    assert response.status_code == 400
    error = re.search(r'<p class="error" id="id_till_error">([^<]*)</p>', response.content.decode())
    assert error and "före startdatumet" in error.group(1)
