"""A request for allmänna handlingar through HTTP: registration (anonymous), adding items,
the secrecy review, the written decision, delivery refusals, age, hold and the append-only
record of every step."""

from __future__ import annotations

import datetime as dt
import importlib.util
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection, transaction
from django.db.utils import DatabaseError
from django.utils import timezone

from moderation.models import Item, ItemKind, ItemSource
from records.delivering import build_delivery
from records.masking import MASK, NOT_RELEASED
from records.models import (
    EventKind,
    ItemReview,
    RecordsRequest,
    RequestEvent,
    RequestItem,
    RequestStatus,
    SecrecyProvision,
)
from records.retention_holds import held_item_ids
from records.services import request_add_items, request_register
from tests.factories import make_user

from .conftest import EMAIL, PERSONNUMMER

pytestmark = pytest.mark.django_db

STOCKHOLM = ZoneInfo("Europe/Stockholm")
DELIVERY_INSTALLED = importlib.util.find_spec("records.delivery") is not None


def provision(citation="21 kap. 7 §"):
    return SecrecyProvision.objects.get(citation=citation)


def add(client, records_request, item):
    return client.post(f"/handlingar/begaran/{records_request.pk}/lagg-till/", {"item": item.pk})


def review(client, records_request, item, **data):
    return client.post(f"/handlingar/begaran/{records_request.pk}/objekt/{item.pk}/granska/", data)


def recent_morning() -> dt.datetime:
    """Two days ago at 09:15 in Stockholm: a time a request may have come in."""
    day = timezone.localdate() - dt.timedelta(days=2)
    return dt.datetime.combine(day, dt.time(9, 15), tzinfo=STOCKHOLM)


def steps(records_request):
    return list(records_request.events.order_by("pk").values_list("kind", flat=True))


# --- Registration -------------------------------------------------------------------------------


def test_an_anonymous_request_needs_only_what_is_asked_for(communicator_client):
    response = communicator_client.post(
        "/handlingar/begaran/ny/",
        {
            "received_at": recent_morning().strftime("%Y-%m-%dT%H:%M"),
            "channel": "phone",
            "asked_for": "Kommentarerna.",
        },
    )
    assert response.status_code == 302
    records_request = RecordsRequest.objects.get()
    assert records_request.is_anonymous
    assert records_request.received_at == recent_morning()
    assert (records_request.requester_name, records_request.requester_contact) == ("", "")
    event = records_request.events.get()
    assert event.kind == EventKind.REGISTERED
    assert event.details["anonymous"] is True
    page = communicator_client.get(response["Location"]).content.decode()
    assert "Anonym" in page


def test_a_named_requester_is_kept_but_never_put_in_the_record(communicator_client):
    communicator_client.post(
        "/handlingar/begaran/ny/",
        {
            "received_at": recent_morning().strftime("%Y-%m-%dT%H:%M"),
            "channel": "email",
            "asked_for": "Alla inlägg.",
            "requester_name": "Journalisten Jansson",
            "requester_contact": "jansson@tidning.example",
            "diarienummer": "KS 2026/77",
        },
    )
    records_request = RecordsRequest.objects.get()
    assert records_request.reference == "KS 2026/77"
    assert not records_request.is_anonymous
    assert "Jansson" not in str(records_request.events.get().details)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"received_at": "2026-03-03T09:15", "channel": "email", "asked_for": "  "},
            "obligatoriskt",
        ),
        ({"received_at": "igår", "channel": "email", "asked_for": "x"}, "ÅÅÅÅ-MM-DD TT:MM"),
        ({"received_at": "2099-01-01T09:00", "channel": "email", "asked_for": "x"}, "framtiden"),
        (
            {"received_at": "0001-01-01T00:00", "channel": "email", "asked_for": "x"},
            "ett år senare",
        ),
        ({"received_at": "2026-03-03T09:15", "channel": "duvpost", "asked_for": "x"}, "duvpost"),
    ],
)
def test_bad_registrations_are_refused_and_nothing_is_stored(communicator_client, data, message):
    response = communicator_client.post("/handlingar/begaran/ny/", data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not RecordsRequest.objects.exists()
    assert not RequestEvent.objects.exists()


def test_outsiders_cannot_register_or_open_a_request(outsider_client, records_request):
    assert outsider_client.get("/handlingar/begaran/ny/").status_code == 403
    assert outsider_client.get(records_request.get_absolute_url()).status_code == 404
    assert (
        outsider_client.get(f"/handlingar/begaran/{records_request.pk}/beslut/").status_code == 404
    )
    assert (
        outsider_client.get(f"/handlingar/begaran/{records_request.pk}/historik/").status_code
        == 404
    )


def test_the_communicators_dashboard_lists_open_requests(communicator_client, records_request):
    page = communicator_client.get("/konton/").content.decode()
    assert records_request.reference in page
    assert records_request.get_absolute_url() in page


# --- Adding items -------------------------------------------------------------------------------


def test_items_are_added_one_by_one_and_from_a_whole_search(
    communicator_client, records_request, thread, message
):
    post, comment, _reply = thread
    assert add(communicator_client, records_request, post).status_code == 302
    add(communicator_client, records_request, post)  # twice is once
    response = communicator_client.post(
        f"/handlingar/begaran/{records_request.pk}/lagg-till/",
        {"alla": "1", "sokning": f"konto={post.account_id}&typ=comment"},
    )
    assert response.status_code == 302
    in_request = set(
        RequestItem.objects.filter(request=records_request).values_list("item_id", flat=True)
    )
    assert in_request == {post.pk, comment.pk}
    assert steps(records_request) == [
        EventKind.REGISTERED,
        EventKind.ITEM_ADDED,
        EventKind.ITEM_ADDED,
    ]
    detail = communicator_client.get(records_request.get_absolute_url())
    assert detail.context["counts"] == {"total": 2, "unreviewed": 2}


def test_adding_a_thousand_items_past_the_limit_is_refused_whole(
    communicator, communicator_client, records_request, active_account, settings
):
    now = timezone.now()
    Item.objects.bulk_create(
        Item(
            account=active_account,
            platform_id=f"storm{n}",
            kind=ItemKind.COMMENT,
            author_name="Storm",
            text="Stormen drog in över Haparanda",
            published_at=now - dt.timedelta(minutes=n),
            source=ItemSource.API,
        )
        for n in range(settings.RECORDS_ADD_ALL_LIMIT + 1000)
    )
    response = communicator_client.post(
        f"/handlingar/begaran/{records_request.pk}/lagg-till/",
        {"alla": "1", "sokning": "q=Stormen"},
        follow=True,
    )
    page = response.content.decode()
    assert f"Sökningen hittade {settings.RECORDS_ADD_ALL_LIMIT + 1000} handlingar" in page
    assert f"högst {settings.RECORDS_ADD_ALL_LIMIT} kan läggas till" in page
    assert not RequestItem.objects.exists()
    assert steps(records_request) == [EventKind.REGISTERED]


def test_the_search_page_says_how_many_can_be_added(
    communicator_client, records_request, thread, settings
):
    settings.RECORDS_ADD_ALL_LIMIT = 1
    page = communicator_client.get(
        "/handlingar/sok/", {"q": "Haparanda", "begaran": records_request.pk}
    ).content.decode()
    assert "högst 1 handlingar" in page
    assert "fler än 1: avgränsa den" in page


def test_only_items_the_person_may_see_are_added(
    owner, owner_client, other_item, thread, records_request
):
    mine = request_register(
        actor=owner, received_at=timezone.now(), channel="visit", asked_for="Allt om snö."
    )
    assert add(owner_client, mine, other_item).status_code == 404
    added = request_add_items(request=mine, actor=owner, items=Item.objects.all())
    assert added == 3  # the thread, not the other department's item
    # Someone else's request is not theirs to add to.
    assert add(owner_client, records_request, thread[0]).status_code == 404


def test_an_item_is_removed_from_the_request_with_a_record(
    communicator_client, records_request, thread
):
    post = thread[0]
    add(communicator_client, records_request, post)
    response = communicator_client.post(
        f"/handlingar/begaran/{records_request.pk}/objekt/{post.pk}/ta-bort/",
        {"reason": "Hör inte till begäran"},
    )
    assert response.status_code == 302
    assert not RequestItem.objects.filter(removed_at__isnull=True).exists()
    event = records_request.events.last()
    assert (event.kind, event.item_id, event.details) == (
        EventKind.ITEM_REMOVED,
        post.pk,
        {"reason": "Hör inte till begäran"},
    )


# --- The secrecy review -------------------------------------------------------------------------


@pytest.fixture
def in_request(communicator, records_request, thread, message):
    request_add_items(
        request=records_request,
        actor=communicator,
        items=Item.objects.filter(pk__in=[*(i.pk for i in thread), message.pk]),
    )
    return records_request


def test_the_review_page_suggests_the_personal_data_found(communicator_client, in_request, thread):
    comment = thread[1]
    response = communicator_client.get(
        f"/handlingar/begaran/{in_request.pk}/objekt/{comment.pk}/granska/"
    )
    assert response.status_code == 200
    [suggestion] = response.context["suggestions"]
    assert comment.text[suggestion["start"] : suggestion["end"]] == PERSONNUMMER
    assert response.context["form"].initial["accepted"] == [0]
    assert f"mitt personnummer är {MASK}" in response.content.decode()


def test_masking_accepts_suggestions_and_marked_spans(communicator_client, in_request, thread):
    comment = thread[1]
    start = comment.text.index("mig")
    response = review(
        communicator_client,
        in_request,
        comment,
        outcome="mask",
        provision=provision().pk,
        accepted=["0"],
        spans=f"{start}-{start + 3}",
        reason="Personnummer är sekretessbelagda personuppgifter.",
    )
    assert response.status_code == 302, response.content.decode()
    stored = ItemReview.objects.get()
    assert stored.spans == [[start, start + 3], list(_span(comment.text, PERSONNUMMER))]
    assert stored.suggestions[0]["accepted"] is True
    assert stored.provision_citation == "21 kap. 7 §"
    assert stored.reviewer.username == "karin.kommunikator"
    event = in_request.events.last()
    assert (event.kind, event.review_id, event.details["outcome"]) == (
        EventKind.REVIEWED,
        stored.pk,
        "mask",
    )


def _span(text, part):
    start = text.index(part)
    return start, start + len(part)


def test_a_rejected_suggestion_is_released_and_recorded(communicator_client, in_request, thread):
    review(communicator_client, in_request, thread[1], outcome="release")
    stored = ItemReview.objects.get()
    assert stored.outcome == "release"
    assert stored.spans == []
    assert stored.suggestions[0]["accepted"] is False


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"outcome": "withhold"}, "Ange den bestämmelse"),
        ({"outcome": "mask", "accepted": ["0"]}, "Ange den bestämmelse"),
        ({"outcome": "mask", "provision": "PROVISION", "spans": "5-100000"}, "utanför texten"),
        ({"outcome": "mask", "provision": "PROVISION", "spans": "10-5"}, "utanför texten"),
        ({"outcome": "mask", "provision": "PROVISION", "spans": "abc"}, "start-slut"),
        ({"outcome": "mask", "provision": "PROVISION"}, "Markera vad som ska maskeras"),
        ({"outcome": "mask", "provision": "PROVISION", "accepted": ["7"]}, "finns inte i listan"),
        ({"outcome": "release", "spans": "1-3"}, "Bara ett utlämnande med maskering"),
        ({"outcome": "radera"}, "Välj lämna ut"),
        ({"outcome": "withhold", "provision": "999999"}, "Välj en bestämmelse i listan"),
    ],
)
def test_bad_reviews_are_refused_and_nothing_is_recorded(
    communicator_client, in_request, thread, data, expected
):
    data = {k: (provision().pk if v == "PROVISION" else v) for k, v in data.items()}
    response = review(communicator_client, in_request, thread[1], **data)
    assert response.status_code == 400
    assert expected in response.content.decode()
    assert not ItemReview.objects.exists()
    assert EventKind.REVIEWED not in steps(in_request)


def test_a_retired_provision_cannot_be_cited(communicator_client, in_request, thread):
    retired = provision("39 kap. 3 §")
    retired.active = False
    retired.save()
    response = review(
        communicator_client, in_request, thread[0], outcome="withhold", provision=retired.pk
    )
    assert response.status_code == 400
    assert not ItemReview.objects.exists()


def test_only_the_communicator_or_the_named_decision_maker_decides(
    owner, owner_client, manager, manager_client, thread
):
    records_request = request_register(
        actor=owner,
        received_at=timezone.now(),
        channel="letter",
        asked_for="Tråden om kulturveckan.",
        decision_maker=manager,
    )
    request_add_items(request=records_request, actor=owner, items=Item.objects.all())
    url = f"/handlingar/begaran/{records_request.pk}/objekt/{thread[0].pk}/granska/"
    # The person who registered it sees it but may not decide.
    assert owner_client.get(records_request.get_absolute_url()).status_code == 200
    assert owner_client.get(url).status_code == 403
    assert owner_client.post(url, {"outcome": "release"}).status_code == 403
    assert (
        owner_client.post(f"/handlingar/begaran/{records_request.pk}/lamna-ut/").status_code == 403
    )
    assert not ItemReview.objects.exists()
    # The named decision maker does.
    assert manager_client.post(url, {"outcome": "release"}).status_code == 302
    assert ItemReview.objects.get().reviewer == manager


def test_an_outsider_cannot_review(outsider_client, in_request, thread):
    url = f"/handlingar/begaran/{in_request.pk}/objekt/{thread[0].pk}/granska/"
    assert outsider_client.get(url).status_code == 404
    assert outsider_client.post(url, {"outcome": "release"}).status_code == 404


def test_reviews_and_steps_are_append_only(communicator_client, in_request, thread):
    review(communicator_client, in_request, thread[0], outcome="release")
    stored = ItemReview.objects.get()
    event = in_request.events.last()
    for record in (stored, event):
        with pytest.raises(TypeError):
            record.save()
        with pytest.raises(TypeError):
            record.delete()
    with pytest.raises(TypeError):
        ItemReview.objects.update(outcome="withhold")
    with pytest.raises(TypeError):
        RequestEvent.objects.all().delete()
    if connection.vendor == "postgresql":
        for table in ("records_itemreview", "records_requestevent"):
            with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cur:
                cur.execute(f"DELETE FROM {table}")  # noqa: S608


# --- Decision and delivery ----------------------------------------------------------------------


def _review_everything(client, records_request, thread, message):
    post, comment, reply = thread
    review(client, records_request, post, outcome="release")
    review(
        client,
        records_request,
        comment,
        outcome="mask",
        provision=provision().pk,
        accepted=["0"],
        mask_author="on",
    )
    review(client, records_request, reply, outcome="release")
    review(
        client,
        records_request,
        message,
        outcome="withhold",
        provision=provision("26 kap. 1 §").pk,
        reason="Uppgifter om hälsa i ett privat meddelande.",
    )


def test_delivery_is_refused_until_every_item_is_reviewed(communicator_client, in_request, thread):
    review(communicator_client, in_request, thread[0], outcome="release")
    response = communicator_client.post(
        f"/handlingar/begaran/{in_request.pk}/lamna-ut/", follow=True
    )
    assert "3 av 4 handlingar är inte sekretessprövade" in response.content.decode()
    in_request.refresh_from_db()
    assert in_request.status == RequestStatus.OPEN
    assert EventKind.DELIVERED not in steps(in_request)


def test_an_empty_request_is_not_delivered(communicator_client, records_request):
    response = communicator_client.post(
        f"/handlingar/begaran/{records_request.pk}/lamna-ut/", follow=True
    )
    assert "Lägg till handlingarna" in response.content.decode()


def test_the_written_decision_names_provisions_and_the_appeal(
    communicator, communicator_client, in_request, thread, message
):
    _review_everything(communicator_client, in_request, thread, message)
    response = communicator_client.get(f"/handlingar/begaran/{in_request.pk}/beslut/")
    decision = response.context["decision"]
    assert "Av 4 handlingar lämnas 3 ut, varav 1 med maskerade uppgifter." in decision
    assert "21 kap. 7 § OSL" in decision
    assert "26 kap. 1 § OSL" in decision
    assert f"meddelande-{message.pk}: lämnas inte ut" in decision
    assert f"kommentar-{thread[1].pk}: maskerad" in decision
    assert "Kammarrätten i Sundsvall" in decision
    assert "inom tre veckor" in decision
    assert "Karin Kommunikator, Kommunikatör" in decision
    assert PERSONNUMMER not in decision
    assert "Rantakyrö" not in decision


def test_the_handed_over_data_is_masked_and_withheld_items_are_absent(
    communicator, communicator_client, in_request, thread, message
):
    in_request.include_versions = True
    in_request.save()
    _review_everything(communicator_client, in_request, thread, message)
    delivery, _lines = build_delivery(in_request, actor=communicator, delivered_at=timezone.now())
    items = list(delivery.items())
    assert list(delivery.items()) == items  # may be called again
    assert delivery.item_count == len(items) == 3
    post, comment, reply = thread
    assert [i.reference for i in items] == [
        f"inlagg-{post.pk}",
        f"kommentar-{comment.pk}",
        f"svar-{reply.pk}",
    ]
    masked = items[1]
    assert masked.text == f"Kommentarerna här handlar om mig, mitt personnummer är {MASK}."
    assert masked.author == MASK
    assert masked.versions[0].text == masked.text
    # The reply's thread shows the masked comment, never its original text or author.
    assert [entry.text for entry in items[2].context] == [post.text, masked.text]
    assert items[2].context[1].author == MASK
    everything = repr(items) + (delivery.decision_text or "")
    for secret in (PERSONNUMMER, "Rantakyrö", EMAIL, "mår dåligt", "Lisa Lund"):
        assert secret not in everything


def test_a_withheld_parent_is_a_placeholder_in_the_thread(
    communicator, communicator_client, in_request, thread, message
):
    post, comment, reply = thread
    review(communicator_client, in_request, post, outcome="release")
    review(communicator_client, in_request, comment, outcome="withhold", provision=provision().pk)
    review(communicator_client, in_request, reply, outcome="release")
    review(communicator_client, in_request, message, outcome="release")
    delivery, _lines = build_delivery(in_request, actor=communicator, delivered_at=timezone.now())
    [delivered_reply] = [i for i in delivery.items() if i.reference == f"svar-{reply.pk}"]
    assert delivered_reply.context[1].text == NOT_RELEASED
    assert delivered_reply.context[1].author == NOT_RELEASED
    assert PERSONNUMMER not in repr(list(delivery.items()))


def test_a_parent_outside_the_request_is_not_handed_over(
    communicator, communicator_client, records_request, thread
):
    reply = thread[2]
    request_add_items(
        request=records_request, actor=communicator, items=Item.objects.filter(pk=reply.pk)
    )
    review(communicator_client, records_request, reply, outcome="release")
    delivery, _lines = build_delivery(
        records_request, actor=communicator, delivered_at=timezone.now()
    )
    [item] = delivery.items()
    assert [entry.text for entry in item.context] == [NOT_RELEASED, NOT_RELEASED]
    assert delivery.decision_text is None


# --- Time and hold ------------------------------------------------------------------------------


def test_age_counts_working_days_and_flags_a_late_request(communicator):
    friday = dt.datetime(2026, 3, 6, 16, 0, tzinfo=STOCKHOLM)
    with time_machine.travel(friday, tick=False):
        records_request = request_register(
            actor=communicator, received_at=friday, channel="form", asked_for="Inläggen."
        )
    monday = dt.datetime(2026, 3, 9, 10, 0, tzinfo=STOCKHOLM)
    tuesday = dt.datetime(2026, 3, 10, 10, 0, tzinfo=STOCKHOLM)
    assert records_request.age_in_working_days(friday) == 0
    assert records_request.age_in_working_days(monday) == 1
    assert not records_request.is_late(monday)
    assert records_request.age_in_working_days(tuesday) == 2
    assert records_request.is_late(tuesday)


def test_the_request_list_flags_late_requests(communicator_client, communicator):
    request_register(
        actor=communicator,
        received_at=timezone.now() - dt.timedelta(days=8),
        channel="form",
        asked_for="Inläggen.",
    )
    page = communicator_client.get("/handlingar/").content.decode()
    assert "Har väntat mer än en arbetsdag" in page


def test_items_in_an_open_request_are_held(communicator, in_request, thread, other_item):
    held = set(held_item_ids())
    assert {i.pk for i in thread} <= held
    assert other_item.pk not in held
    RecordsRequest.objects.filter(pk=in_request.pk).update(status=RequestStatus.DELIVERED)
    assert not set(held_item_ids())


def test_a_second_decision_maker_sees_only_their_requests(records_request, department):
    someone = make_user("sven.beslut", department=department)
    from records.permissions import requests_for_user

    assert not requests_for_user(someone).exists()


def test_personal_data_an_edit_took_out_is_masked_in_the_versions(
    communicator, communicator_client, records_request, active_account
):
    from moderation.services import ingest_item
    from tests.moderation.conftest import make_item

    item = make_item(active_account, text=f"Ring mig, mitt personnummer är {PERSONNUMMER}")
    ingest_item(
        account=active_account,
        platform_id=item.platform_id,
        kind=item.kind,
        author_name=item.author_name,
        text="Ring mig på kontoret",
        published_at=item.published_at,
        source=item.source,
        changed_at=timezone.now(),
    )
    records_request.include_versions = True
    records_request.save()
    request_add_items(
        request=records_request, actor=communicator, items=Item.objects.filter(pk=item.pk)
    )
    review(communicator_client, records_request, item, outcome="release")
    delivery, _lines = build_delivery(
        records_request, actor=communicator, delivered_at=timezone.now()
    )
    [delivered] = delivery.items()
    assert [v.text for v in delivered.versions] == [
        f"Ring mig, mitt personnummer är {MASK}",
        "Ring mig på kontoret",
    ]


def test_without_the_file_writer_the_delivery_says_so_and_changes_nothing(
    communicator_client, in_request, thread, message
):
    if DELIVERY_INSTALLED:
        pytest.skip("records.delivery is installed")
    _review_everything(communicator_client, in_request, thread, message)
    response = communicator_client.post(
        f"/handlingar/begaran/{in_request.pk}/lamna-ut/", follow=True
    )
    assert "kan inte skrivas i den här installationen" in response.content.decode()
    in_request.refresh_from_db()
    assert in_request.status == RequestStatus.OPEN


def test_an_edit_while_reviewing_sends_the_reviewer_back_to_look_again(
    communicator_client, in_request, thread
):
    comment = thread[1]
    url = f"/handlingar/begaran/{in_request.pk}/objekt/{comment.pk}/granska/"
    seen = communicator_client.get(url).context["form"].initial["seen"]
    Item.objects.filter(pk=comment.pk).update(text="Helt ny text utan personnummer")
    response = communicator_client.post(
        url, {"outcome": "mask", "provision": provision().pk, "accepted": ["0"], "seen": seen}
    )
    assert response.status_code == 302
    assert response["Location"] == url
    assert not ItemReview.objects.exists()
    page = communicator_client.get(url)
    assert "Handlingen ändrades medan du prövade den" in page.content.decode()
    assert page.context["form"].initial["seen"] != seen


def test_a_decision_maker_reads_the_items_of_their_request_only(
    owner, manager, manager_client, thread, other_item
):
    records_request = request_register(
        actor=owner,
        received_at=timezone.now(),
        channel="letter",
        asked_for="Inlägget.",
        decision_maker=manager,
    )
    request_add_items(
        request=records_request, actor=owner, items=Item.objects.filter(pk=thread[0].pk)
    )
    assert manager_client.get(f"/handlingar/objekt/{thread[0].pk}/").status_code == 200
    assert manager_client.get(f"/handlingar/objekt/{thread[1].pk}/").status_code == 404
    assert manager_client.get(f"/handlingar/objekt/{other_item.pk}/").status_code == 404


def test_nothing_is_added_to_a_delivered_request(communicator_client, records_request, thread):
    RecordsRequest.objects.filter(pk=records_request.pk).update(status=RequestStatus.DELIVERED)
    response = add(communicator_client, records_request, thread[0])
    assert response.status_code == 302
    assert not RequestItem.objects.exists()
    page = communicator_client.get(response["Location"]).content.decode()
    assert "Begäran är utlämnad och avslutad" in page


def test_an_outsider_can_change_nothing_in_a_request(outsider_client, in_request, thread):
    base = f"/handlingar/begaran/{in_request.pk}"
    before = steps(in_request)
    assert outsider_client.post(f"{base}/lagg-till/", {"item": thread[0].pk}).status_code == 404
    assert outsider_client.post(f"{base}/objekt/{thread[0].pk}/ta-bort/").status_code == 404
    assert outsider_client.post(f"{base}/lamna-ut/").status_code == 404
    assert outsider_client.get(f"{base}/paket.zip").status_code == 404
    assert steps(in_request) == before
    page = outsider_client.get("/handlingar/")
    assert page.status_code == 200
    assert in_request.reference not in page.content.decode()
