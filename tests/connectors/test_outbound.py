"""Outbound moderation: each outcome's reply, hide or delete reaches the platform through the
account's connector (Graph API, Mastodon API), or waits to be done by hand; failures are kept,
shown and retried; evidence is always taken before a delete is sent."""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import parse_qs

import pytest
import responses
from django.conf import settings
from django.urls import reverse

from connectors.services import outbound_send, retry_failures
from moderation.models import (
    Evidence,
    ItemSource,
    OutboundAction,
    OutboundKind,
    OutboundStatus,
)
from moderation.response_model import LegalGround
from moderation.services import triage_item
from tests.moderation.conftest import make_item

from .conftest import APP_SECRET, GRAPH, MASTODON_BASE, MASTODON_TOKEN, PAGE_TOKEN, fixture_json

pytestmark = pytest.mark.django_db

PROOF = hmac.new(APP_SECRET.encode(), PAGE_TOKEN.encode(), hashlib.sha256).hexdigest()

NO5 = ["nej"] * 5
ANSWER = [*NO5, "ja", "ja"]
REMOVE = ["ja"]
FORWARD_TO_DEPARTMENT = ["nej", "nej", "nej", "ja"]
LET_STAND = [*NO5, "nej", "ja", "nej"]
FB_COMMENT = "900000000000001_700000000000001"
IG_COMMENT = "17860000000000001"


@pytest.fixture
def fb_item(facebook_config):
    return make_item(facebook_config.account, platform_id=FB_COMMENT, source=ItemSource.FACEBOOK)


@pytest.fixture
def ig_item(instagram_config):
    return make_item(instagram_config.account, platform_id=IG_COMMENT, source=ItemSource.INSTAGRAM)


@pytest.fixture
def mastodon_item(mastodon_config):
    return make_item(
        mastodon_config.account,
        platform_id="113500000000000011",
        source=ItemSource.MASTODON,
        author_name="@maja@mastodon.example",
    )


@pytest.fixture
def triage(owner, response_model, django_capture_on_commit_callbacks):
    def run(item, answers, **fields):
        with django_capture_on_commit_callbacks(execute=True):
            return triage_item(
                item=item, actor=owner, response_model=response_model, answers=answers, **fields
            )

    return run


def form(call) -> dict:
    """The form body without Meta's appsecret_proof, which is checked on its own."""
    body = {k: v[0] for k, v in parse_qs(call.request.body or "").items()}
    if "graph.facebook.com" in call.request.url:
        assert body.pop("appsecret_proof") == PROOF
    return body


def remove_fields():
    return {
        "legal_ground": LegalGround.HATE_SPEECH,
        "visitor_notice": "Vi har tagit bort din kommentar.",
    }


def forward_fields(department):
    return {
        "department": department,
        "recipient": "Bygglovsenheten",
        "reply_text": "Vi har vidarebefordrat din anmälan.",
    }


# --- Facebook ---------------------------------------------------------------------------------


@responses.activate
def test_an_answer_is_posted_as_a_reply_to_the_facebook_comment(fb_item, triage):
    responses.add(
        responses.POST,
        f"{GRAPH}/{FB_COMMENT}/comments",
        json=fixture_json("graph_reply_response.json"),
    )
    action = triage(fb_item, ANSWER, reply_text="Plogbilen kommer i eftermiddag.")
    call = responses.calls[0]
    assert call.request.method == "POST"
    assert call.request.url == f"{GRAPH}/{FB_COMMENT}/comments"
    assert form(call) == {"message": action.reply_text}
    assert call.request.headers["Authorization"] == f"Bearer {PAGE_TOKEN}"
    assert PAGE_TOKEN not in call.request.url
    outbound = OutboundAction.objects.get()
    assert outbound.kind == OutboundKind.REPLY
    assert outbound.status == OutboundStatus.SENT
    assert outbound.platform_result_id == "900000000000001_700000000000099"
    assert outbound.moderation_action == action
    # Answered the moment the connector posted the reply (R18).
    fb_item.refresh_from_db()
    assert fb_item.answered_at == outbound.done_at


@responses.activate
def test_a_removal_takes_evidence_then_deletes_the_facebook_comment(fb_item, triage):
    seen = []

    def delete(request):
        seen.append(Evidence.objects.filter(item=fb_item).count())
        return (200, {}, '{"success": true}')

    responses.add_callback(responses.DELETE, f"{GRAPH}/{FB_COMMENT}", callback=delete)
    triage(fb_item, REMOVE, **remove_fields())
    assert len(responses.calls) == 1
    assert responses.calls[0].request.method == "DELETE"
    assert responses.calls[0].request.url == f"{GRAPH}/{FB_COMMENT}?appsecret_proof={PROOF}"
    assert seen == [1]  # the evidence was stored when the delete went out
    assert OutboundAction.objects.get(kind=OutboundKind.DELETE).status == OutboundStatus.SENT
    # A reply under a deleted comment goes with it: the notice is left to a person.
    notice = OutboundAction.objects.get(kind=OutboundKind.NOTICE)
    assert notice.status == OutboundStatus.MANUAL
    assert notice.text.startswith("Vi har tagit bort din kommentar.")


@responses.activate
def test_forwarding_to_a_department_replies_and_hides_the_facebook_comment(
    fb_item, triage, department
):
    responses.add(responses.POST, f"{GRAPH}/{FB_COMMENT}/comments", json={"id": "x_1"})
    responses.add(responses.POST, f"{GRAPH}/{FB_COMMENT}", json={"success": True})
    triage(fb_item, FORWARD_TO_DEPARTMENT, **forward_fields(department))
    calls = {c.request.url: c for c in responses.calls}
    hide = calls[f"{GRAPH}/{FB_COMMENT}"]
    assert hide.request.method == "POST"
    assert form(hide) == {"is_hidden": "true"}
    assert form(calls[f"{GRAPH}/{FB_COMMENT}/comments"])["message"].startswith("Vi har")
    assert set(OutboundAction.objects.values_list("kind", "status")) == {
        (OutboundKind.REPLY, OutboundStatus.SENT),
        (OutboundKind.HIDE, OutboundStatus.SENT),
    }


@responses.activate
def test_an_outcome_without_platform_action_sends_nothing(fb_item, triage):
    triage(fb_item, LET_STAND)
    assert len(responses.calls) == 0
    assert not OutboundAction.objects.exists()


# --- Instagram --------------------------------------------------------------------------------


@responses.activate
def test_an_answer_is_posted_as_an_instagram_reply(ig_item, triage):
    responses.add(responses.POST, f"{GRAPH}/{IG_COMMENT}/replies", json={"id": "17860000000000050"})
    action = triage(ig_item, ANSWER, reply_text="Öppet 10–16.")
    call = responses.calls[0]
    assert call.request.method == "POST"
    assert call.request.url == f"{GRAPH}/{IG_COMMENT}/replies"
    assert form(call) == {"message": action.reply_text}
    assert OutboundAction.objects.get().platform_result_id == "17860000000000050"


@responses.activate
def test_an_instagram_comment_is_hidden_with_hide_true(ig_item, triage, department):
    responses.add(responses.POST, f"{GRAPH}/{IG_COMMENT}/replies", json={"id": "1"})
    responses.add(responses.POST, f"{GRAPH}/{IG_COMMENT}", json={"success": True})
    triage(ig_item, FORWARD_TO_DEPARTMENT, **forward_fields(department))
    hide = next(c for c in responses.calls if c.request.url == f"{GRAPH}/{IG_COMMENT}")
    assert hide.request.method == "POST"
    assert form(hide) == {"hide": "true"}


@responses.activate
def test_an_instagram_comment_is_deleted_after_the_evidence(ig_item, triage):
    responses.add(responses.DELETE, f"{GRAPH}/{IG_COMMENT}", json={"success": True})
    triage(ig_item, REMOVE, **remove_fields())
    assert responses.calls[0].request.method == "DELETE"
    assert responses.calls[0].request.url == f"{GRAPH}/{IG_COMMENT}?appsecret_proof={PROOF}"
    assert Evidence.objects.filter(item=ig_item).exists()


# --- Mastodon ---------------------------------------------------------------------------------


@responses.activate
def test_an_answer_is_posted_as_a_mastodon_reply_mentioning_the_author(mastodon_item, triage):
    responses.add(
        responses.POST,
        f"{MASTODON_BASE}/api/v1/statuses",
        json=fixture_json("mastodon_status_response.json"),
    )
    action = triage(mastodon_item, ANSWER, reply_text="Västra Esplanaden plogas i dag.")
    call = responses.calls[0]
    assert call.request.method == "POST"
    assert call.request.url == f"{MASTODON_BASE}/api/v1/statuses"
    body = form(call)
    assert body["in_reply_to_id"] == "113500000000000011"
    assert body["status"] == f"@maja@mastodon.example {action.reply_text}"
    assert call.request.headers["Authorization"] == f"Bearer {MASTODON_TOKEN}"
    outbound = OutboundAction.objects.get()
    assert call.request.headers["Idempotency-Key"] == f"haparanda-outbound-{outbound.pk}"
    assert outbound.platform_result_id == "113500000000000099"


@responses.activate
def test_a_mastodon_removal_is_done_by_hand_and_the_author_gets_a_signed_direct_message(
    mastodon_item, triage, owner
):
    responses.add(
        responses.POST, f"{MASTODON_BASE}/api/v1/statuses", json={"id": "113500000000000100"}
    )
    triage(mastodon_item, REMOVE, **remove_fields())
    outbound = OutboundAction.objects.get(kind=OutboundKind.DELETE)
    assert outbound.status == OutboundStatus.MANUAL
    notice = OutboundAction.objects.get(kind=OutboundKind.NOTICE)
    assert notice.status == OutboundStatus.SENT
    assert len(responses.calls) == 1
    call = responses.calls[0]
    body = {k: v[0] for k, v in parse_qs(call.request.body).items()}
    assert body["visibility"] == "direct"
    assert "in_reply_to_id" not in body
    assert body["status"].startswith("@maja@mastodon.example Vi har tagit bort din kommentar.")
    assert body["status"].endswith(f"/{owner.first_name}, {settings.MUNICIPALITY_NAME}")
    assert call.request.headers["Idempotency-Key"] == f"haparanda-outbound-{notice.pk}"
    assert call.request.headers["Authorization"] == f"Bearer {MASTODON_TOKEN}"


@responses.activate
def test_a_mastodon_notice_without_the_authors_handle_is_left_to_a_person(mastodon_config, triage):
    item = make_item(
        mastodon_config.account,
        platform_id="113500000000000012",
        source=ItemSource.MASTODON,
        author_name="Maja",
    )
    triage(item, REMOVE, **remove_fields())
    assert len(responses.calls) == 0
    notice = OutboundAction.objects.get(kind=OutboundKind.NOTICE)
    assert notice.status == OutboundStatus.MANUAL


# --- Manual connector -------------------------------------------------------------------------


@responses.activate
def test_an_item_without_a_configured_connector_waits_to_be_done_by_hand(item, triage):
    triage(item, ANSWER, reply_text="Biblioteket öppnar klockan 10.")
    assert len(responses.calls) == 0
    outbound = OutboundAction.objects.get()
    assert outbound.status == OutboundStatus.MANUAL
    assert outbound.text.startswith("Biblioteket öppnar klockan 10.")


@responses.activate
def test_a_connector_without_a_token_is_manual(fb_item, triage, facebook_config):
    type(facebook_config).objects.filter(pk=facebook_config.pk).update(token_encrypted="")
    triage(fb_item, ANSWER, reply_text="Hej!")
    assert len(responses.calls) == 0
    assert OutboundAction.objects.get().status == OutboundStatus.MANUAL


def test_the_person_confirms_a_manual_action(item, triage, owner_client, owner):
    triage(item, ANSWER, reply_text="Hej!")
    outbound = OutboundAction.objects.get()
    response = owner_client.post(
        reverse("moderation:outbound_confirm", args=[outbound.pk]), {"next": "item"}
    )
    assert response.status_code == 302
    assert response["Location"] == item.get_absolute_url()
    outbound.refresh_from_db()
    assert outbound.status == OutboundStatus.CONFIRMED
    assert outbound.confirmed_by == owner
    assert outbound.done_at is not None


def test_confirming_twice_changes_nothing(item, triage, owner_client, deputy_client):
    triage(item, ANSWER, reply_text="Hej!")
    outbound = OutboundAction.objects.get()
    url = reverse("moderation:outbound_confirm", args=[outbound.pk])
    owner_client.post(url)
    first = OutboundAction.objects.get()
    response = deputy_client.post(url, {"next": "item"}, follow=True)
    assert response.status_code == 200
    again = OutboundAction.objects.get()
    assert (again.done_at, again.confirmed_by_id) == (first.done_at, first.confirmed_by_id)
    assert item.actions.filter(kind="done_on_platform").count() == 1
    assert "Redan markerad som klar av Olle Agare" in response.content.decode()


def test_an_outsider_cannot_confirm_or_retry(item, triage, outsider_client):
    triage(item, ANSWER, reply_text="Hej!")
    outbound = OutboundAction.objects.get()
    for name in ("outbound_confirm", "outbound_retry"):
        response = outsider_client.post(reverse(f"moderation:{name}", args=[outbound.pk]))
        assert response.status_code == 404
    assert OutboundAction.objects.get().status == OutboundStatus.MANUAL


def test_anonymous_is_sent_to_log_in(item, triage, anonymous_client):
    triage(item, ANSWER, reply_text="Hej!")
    outbound = OutboundAction.objects.get()
    response = anonymous_client.post(reverse("moderation:outbound_confirm", args=[outbound.pk]))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_confirm_and_retry_refuse_get(item, triage, owner_client):
    triage(item, ANSWER, reply_text="Hej!")
    outbound = OutboundAction.objects.get()
    assert (
        owner_client.get(reverse("moderation:outbound_confirm", args=[outbound.pk])).status_code
        == 405
    )


# --- Failures and retries ---------------------------------------------------------------------


@responses.activate
def test_a_refused_reply_is_kept_as_failed_without_the_token_and_retried(
    fb_item, triage, owner_client, django_capture_on_commit_callbacks
):
    responses.add(
        responses.POST,
        f"{GRAPH}/{FB_COMMENT}/comments",
        json=fixture_json("graph_error_response.json"),
        status=400,
    )
    triage(fb_item, ANSWER, reply_text="Hej!")
    outbound = OutboundAction.objects.get()
    assert outbound.status == OutboundStatus.FAILED
    assert outbound.attempts == 1
    assert "has not granted the permission" in outbound.error
    assert PAGE_TOKEN not in outbound.error
    # A reply that failed to post is not an answer, and waits on the to-do list.
    fb_item.refresh_from_db()
    assert fb_item.answered_at is None
    todo = owner_client.get(reverse("moderation:todo"))
    assert [e.pk for e in todo.context["page"].entries] == [outbound.pk]

    responses.replace(responses.POST, f"{GRAPH}/{FB_COMMENT}/comments", json={"id": "x_2"})
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(reverse("moderation:outbound_retry", args=[outbound.pk]))
    assert response.status_code == 302
    outbound.refresh_from_db()
    assert outbound.status == OutboundStatus.SENT
    assert outbound.attempts == 2
    assert outbound.error == ""
    fb_item.refresh_from_db()
    assert fb_item.answered_at == outbound.done_at


@responses.activate
def test_an_unreachable_platform_is_a_failure_not_a_crash(fb_item, triage):
    from requests.exceptions import ConnectionError as RequestsConnectionError

    responses.add(
        responses.POST, f"{GRAPH}/{FB_COMMENT}/comments", body=RequestsConnectionError("down")
    )
    triage(fb_item, ANSWER, reply_text="Hej!")
    outbound = OutboundAction.objects.get()
    assert outbound.status == OutboundStatus.FAILED
    assert "ConnectionError" in outbound.error


@responses.activate
def test_no_delete_is_sent_without_verified_evidence(fb_item, owner):
    outbound = OutboundAction.objects.create(
        item=fb_item, kind=OutboundKind.DELETE, requested_by=owner
    )
    result = outbound_send(outbound_id=outbound.pk)
    assert len(responses.calls) == 0
    assert result.status == OutboundStatus.FAILED
    assert "evidence" in result.error


@responses.activate
def test_a_sent_action_is_never_sent_twice(fb_item, triage):
    responses.add(responses.POST, f"{GRAPH}/{FB_COMMENT}/comments", json={"id": "x_1"})
    triage(fb_item, ANSWER, reply_text="Hej!")
    outbound = OutboundAction.objects.get()
    outbound_send(outbound_id=outbound.pk)
    assert len(responses.calls) == 1


@responses.activate
def test_the_sweep_retries_failures_below_the_limit(fb_item, triage, settings):
    settings.CONNECTOR_MAX_ATTEMPTS = 2
    responses.add(responses.POST, f"{GRAPH}/{FB_COMMENT}/comments", status=500, body="oops")
    triage(fb_item, ANSWER, reply_text="Hej!")
    assert retry_failures() == (0, 1)
    outbound = OutboundAction.objects.get()
    assert outbound.attempts == 2
    assert outbound.status == OutboundStatus.FAILED
    # At the limit the sweep leaves it to a person, who sees it on the connectors page.
    assert retry_failures() == (0, 0)
    assert len(responses.calls) == 2


@responses.activate
def test_nothing_is_sent_for_an_item_the_author_already_deleted(fb_item, triage):
    from moderation.services import ingest_item

    ingest_item(
        account=fb_item.account,
        platform_id=fb_item.platform_id,
        kind=fb_item.kind,
        author_name=fb_item.author_name,
        text=fb_item.text,
        published_at=fb_item.published_at,
        source=fb_item.source,
        deleted=True,
    )
    fb_item.refresh_from_db()
    triage(fb_item, REMOVE, **remove_fields())
    assert len(responses.calls) == 0
    assert not OutboundAction.objects.exists()


def test_the_item_page_offers_the_manual_action_until_it_is_confirmed(item, triage, owner_client):
    triage(item, ANSWER, reply_text="Hej!")
    outbound = OutboundAction.objects.get()
    confirm_url = reverse("moderation:outbound_confirm", args=[outbound.pk])
    page = owner_client.get(item.get_absolute_url()).content.decode()
    assert confirm_url in page
    owner_client.post(confirm_url, {"next": "item"})
    page = owner_client.get(item.get_absolute_url()).content.decode()
    assert confirm_url not in page
    assert str(OutboundStatus.CONFIRMED.label) in page
