"""R12–R15: triage walks the response model to an outcome; each outcome has its required
fields and refuses clearly without them; removal takes verified evidence first."""

import datetime as dt
import hashlib
import json
import threading
import time

import pytest
import time_machine
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.urls import reverse

from moderation.models import ActionKind, Evidence, Item, ItemStatus, ModerationAction
from moderation.response_model import LegalGround, Outcome
from moderation.services import (
    _MISSING,
    EvidenceNotVerified,
    ItemAlreadyHandled,
    evidence_take,
    item_mark_removed,
    triage_item,
)

from .conftest import make_item

NO5 = ["nej"] * 5
PATHS = {
    Outcome.REMOVE: ["ja"],
    Outcome.REFER_FAULT_REPORT: ["nej", "nej", "ja"],
    Outcome.FORWARD_TO_DEPARTMENT: ["nej", "nej", "nej", "ja"],
    Outcome.REFER_INDIVIDUAL_CASE: ["nej", "nej", "nej", "nej", "ja"],
    Outcome.ANSWER: [*NO5, "ja", "ja"],
    Outcome.FORWARD_FOR_ANSWER: [*NO5, "ja", "nej"],
    Outcome.THANK: [*NO5, "nej", "ja", "ja"],
    Outcome.LET_STAND: [*NO5, "nej", "ja", "nej"],
    Outcome.MONITOR: [*NO5, "nej", "nej", "troll"],
    Outcome.CORRECT_FACTS: [*NO5, "nej", "nej", "felaktiga_fakta"],
    Outcome.RECTIFY: [*NO5, "nej", "nej", "dalig_upplevelse"],
}


@pytest.fixture
def complete_data(department):
    """A complete, valid submission for each outcome."""
    return {
        Outcome.REMOVE: {
            "legal_ground": LegalGround.HATE_SPEECH,
            "visitor_notice": "Vi har tagit bort din kommentar.",
        },
        Outcome.REFER_FAULT_REPORT: {"reply_text": "Felanmäl på haparanda.se/felanmalan."},
        Outcome.FORWARD_TO_DEPARTMENT: {
            "department": department.pk,
            "recipient": "Bygglovsenheten",
            "diarienummer": "SBN 2026/123",
            "reply_text": "Vi har vidarebefordrat din anmälan.",
        },
        Outcome.REFER_INDIVIDUAL_CASE: {"reply_text": "Ring oss så hjälper vi dig."},
        Outcome.ANSWER: {"reply_text": "Biblioteket öppnar klockan 10."},
        Outcome.FORWARD_FOR_ANSWER: {
            "recipient": "Gatuenheten",
            "reply_text": "Gatuenheten återkommer.",
        },
        Outcome.THANK: {"reply_text": "Tack för de fina orden!"},
        Outcome.LET_STAND: {},
        Outcome.MONITOR: {"troll": "on"},
        Outcome.CORRECT_FACTS: {
            "reply_text": "Det stämmer inte, badhuset är öppet.",
            "source_url": "https://www.haparanda.se/badhuset",
        },
        Outcome.RECTIFY: {"reply_text": "Vi beklagar, kontakta oss så löser vi det."},
    }


def post_outcome(client, item, model, answers, data):
    return client.post(
        reverse("moderation:item_triage", args=[item.pk]),
        {"model": model.number, "a": answers, **data},
    )


def test_the_walk_asks_one_question_at_a_time_without_javascript(
    owner_client, item, response_model
):
    url = item.get_absolute_url()
    first = owner_client.get(url)
    assert first.status_code == 200
    assert first.context["answer_form"] is not None
    # Each answer is a submit button of a plain GET form: one press, no JavaScript needed.
    assert '<button type="submit" name="svar" value="nej"' in first.content.decode()
    second = owner_client.get(url, {"model": 1, "a": ["nej"]})
    assert second.context["walk"].node_id == "personuppgifter"
    done = owner_client.get(url, {"model": 1, "a": PATHS[Outcome.REFER_FAULT_REPORT]})
    assert done.context["outcome"] == Outcome.REFER_FAULT_REPORT
    # The templated reply points to fault reporting.
    assert settings.FAULT_REPORT_URL in done.content.decode()


def test_a_path_that_does_not_fit_starts_over(owner_client, item, response_model):
    response = owner_client.get(item.get_absolute_url(), {"a": ["kanske"]})
    assert response.status_code == 200
    assert response.context["answers"] == []


@pytest.mark.parametrize("outcome", list(PATHS))
def test_each_outcome_is_recorded_with_the_model_version_and_path(
    owner_client, owner, item, response_model, complete_data, outcome
):
    response = post_outcome(
        owner_client, item, response_model, PATHS[outcome], complete_data[outcome]
    )
    assert response.status_code == 302, response.context and response.context["outcome_form"].errors
    item.refresh_from_db()
    assert item.status == ItemStatus.HANDLED
    assert item.outcome == outcome
    assert item.handled_by == owner
    action = item.actions.get(kind=ActionKind.TRIAGED)
    assert action.response_model == response_model
    assert [step["answer"] for step in action.path] == PATHS[outcome]
    assert action.actor == owner
    if "reply_text" in complete_data[outcome]:
        # Signed with the sender's first name and the municipality.
        assert action.reply_text.endswith(f"/{owner.first_name}, {settings.MUNICIPALITY_NAME}")
        # Not answered until the reply is on the platform: here it waits to be posted by hand.
        assert item.answered_at is None
        assert item.outbound_actions.filter(kind="reply", status="manual").exists()
    assert item.is_removed == (outcome in (Outcome.REMOVE, Outcome.FORWARD_TO_DEPARTMENT))


REQUIRED = [
    (outcome, field)
    for outcome, fields in {
        Outcome.REMOVE: ["legal_ground", "visitor_notice"],
        Outcome.REFER_FAULT_REPORT: ["reply_text"],
        Outcome.FORWARD_TO_DEPARTMENT: ["department", "recipient", "reply_text"],
        Outcome.REFER_INDIVIDUAL_CASE: ["reply_text"],
        Outcome.ANSWER: ["reply_text"],
        Outcome.FORWARD_FOR_ANSWER: ["recipient", "reply_text"],
        Outcome.THANK: ["reply_text"],
        Outcome.CORRECT_FACTS: ["reply_text", "source_url"],
        Outcome.RECTIFY: ["reply_text"],
    }.items()
    for field in fields
]


@pytest.mark.parametrize(("outcome", "field"), REQUIRED)
def test_an_outcome_without_a_required_field_is_refused_and_keeps_the_input(
    owner_client, item, response_model, complete_data, outcome, field
):
    data = {k: v for k, v in complete_data[outcome].items() if k != field}
    response = post_outcome(owner_client, item, response_model, PATHS[outcome], data)
    assert response.status_code == 400
    assert field in response.context["outcome_form"].errors
    for value in data.values():
        if isinstance(value, str) and value != "on" and not value.isdigit():
            assert value in response.content.decode()
    item.refresh_from_db()
    assert item.status == ItemStatus.NEW
    assert not item.actions.filter(kind=ActionKind.TRIAGED).exists()


@pytest.mark.parametrize(("outcome", "field"), REQUIRED)
def test_the_service_refuses_a_missing_field_too(
    owner, item, response_model, complete_data, department, outcome, field
):
    data = dict(complete_data[outcome])
    data.pop(field)
    if "department" in data:
        data["department"] = department
    with pytest.raises(ValidationError) as refused:
        triage_item(
            item=item, actor=owner, response_model=response_model, answers=PATHS[outcome], **data
        )
    assert str(_MISSING[field]) in refused.value.message_dict[field]
    assert Item.objects.get(pk=item.pk).status == ItemStatus.NEW


def test_an_unfinished_walk_is_refused(owner_client, item, response_model):
    response = post_outcome(owner_client, item, response_model, ["nej"], {"reply_text": "x"})
    assert response.status_code == 302
    assert Item.objects.get(pk=item.pk).status == ItemStatus.NEW


def test_removal_keeps_evidence_whose_hashes_match(owner_client, active_account, response_model):
    item = make_item(active_account, text="Du ska få se <script>alert('x')</script>")
    post_outcome(
        owner_client,
        item,
        response_model,
        ["ja"],
        {"legal_ground": LegalGround.UNLAWFUL_THREAT, "visitor_notice": "Borttaget."},
    )
    evidence = Evidence.objects.get(item=item)
    assert hashlib.sha256(evidence.data_json.encode()).hexdigest() == evidence.data_sha256
    assert hashlib.sha256(evidence.html.encode()).hexdigest() == evidence.html_sha256
    data = json.loads(evidence.data_json)
    assert data["item"]["text"] == item.text
    assert data["versions"][0]["text"] == item.text
    assert "<script>" not in evidence.html
    assert "&lt;script&gt;" in evidence.html
    removed = item.actions.get(kind=ActionKind.REMOVED)
    assert removed.evidence == evidence
    assert removed.details["legal_ground"] == LegalGround.UNLAWFUL_THREAT
    # The evidence was taken before the item counted as removed.
    item.refresh_from_db()
    assert evidence.taken_at <= item.removed_at


def test_evidence_is_immutable(owner, item):
    evidence = evidence_take(item=item, actor=owner)
    evidence.html = "changed"
    with pytest.raises(TypeError):
        evidence.save()
    with pytest.raises(TypeError):
        evidence.delete()
    with pytest.raises(TypeError):
        Evidence.objects.filter(pk=evidence.pk).update(html="changed")


def test_an_item_is_not_removed_when_its_evidence_does_not_verify(owner, item):
    evidence = evidence_take(item=item, actor=owner)
    # Tampering behind the application's back; in PostgreSQL that takes switching off the
    # append-only trigger first, as only someone with the database owner's rights could.
    postgres = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        if postgres:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE moderation_evidence DISABLE TRIGGER USER")
        cursor.execute(
            "UPDATE moderation_evidence SET data_json = %s WHERE id = %s",
            ['{"tampered":true}', evidence.pk],
        )
        if postgres:
            cursor.execute("ALTER TABLE moderation_evidence ENABLE TRIGGER USER")
    with pytest.raises(EvidenceNotVerified):
        item_mark_removed(
            item=item,
            evidence=evidence,
            actor=owner,
            legal_ground=LegalGround.PERSONAL_DATA,
            reason="",
            visitor_notice="x",
        )
    item.refresh_from_db()
    assert item.removed_at is None
    assert not item.actions.filter(kind=ActionKind.REMOVED).exists()


def test_an_item_is_not_removed_without_evidence(owner, item, active_account):
    other_item = make_item(active_account)
    others_evidence = evidence_take(item=other_item, actor=owner)
    for evidence in (None, others_evidence):
        with pytest.raises(EvidenceNotVerified):
            item_mark_removed(
                item=item,
                evidence=evidence,
                actor=owner,
                legal_ground=LegalGround.PERSONAL_DATA,
                reason="",
                visitor_notice="x",
            )
    assert Item.objects.get(pk=item.pk).removed_at is None


def test_a_personal_data_path_suggests_that_ground_and_a_notice(
    owner_client, active_account, response_model
):
    item = make_item(active_account, text="Mitt pnr är 19121212-1212")
    response = owner_client.get(item.get_absolute_url(), {"model": 1, "a": ["nej", "ja"]})
    form = response.context["outcome_form"]
    assert form.initial["legal_ground"] == LegalGround.PERSONAL_DATA
    assert "personuppgifter" in form.initial["visitor_notice"]


def test_a_troll_is_reported_to_the_communicator(
    owner_client, item, response_model, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        post_outcome(owner_client, item, response_model, PATHS[Outcome.MONITOR], {"troll": "on"})
    assert len(mailoutbox) == 1
    assert settings.COMMUNICATOR_EMAIL in mailoutbox[0].to


def test_monitoring_without_troll_tells_nobody(
    owner_client, item, response_model, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        post_outcome(owner_client, item, response_model, PATHS[Outcome.MONITOR], {})
    assert mailoutbox == []


def test_an_outsider_can_neither_see_nor_triage_an_item(outsider_client, item, response_model):
    assert outsider_client.get(item.get_absolute_url()).status_code == 404
    response = post_outcome(
        outsider_client, item, response_model, ["nej", "nej", "ja"], {"reply_text": "x"}
    )
    assert response.status_code == 404
    assert Item.objects.get(pk=item.pk).status == ItemStatus.NEW


def test_anonymous_is_sent_to_login_from_an_item(anonymous_client, item, response_model):
    url = item.get_absolute_url()
    response = anonymous_client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={url}"
    triage = reverse("moderation:item_triage", args=[item.pk])
    response = anonymous_client.post(triage, {"model": 1, "a": ["nej", "nej", "ja"]})
    assert response["Location"].startswith(reverse("login"))
    assert Item.objects.get(pk=item.pk).status == ItemStatus.NEW


def test_user_text_is_escaped_on_the_item_page(owner_client, active_account, response_model):
    item = make_item(
        active_account,
        text='<script>alert("x")</script><img src=x onerror=alert(1)>',
        author_name="<i>Troll</i>",
    )
    content = owner_client.get(item.get_absolute_url()).content.decode()
    assert "<script>alert" not in content
    assert "<img src=x" not in content
    assert "<i>Troll</i>" not in content
    assert "&lt;script&gt;" in content


# --- Two people at once ----------------------------------------------------------------------


def test_the_second_of_two_people_is_refused_and_keeps_their_text(
    owner_client, deputy_client, item, response_model
):
    answers = PATHS[Outcome.ANSWER]
    owner_client.get(item.get_absolute_url(), {"model": 1, "a": answers})
    deputy_client.get(item.get_absolute_url(), {"model": 1, "a": answers})
    first = post_outcome(owner_client, item, response_model, answers, {"reply_text": "Svar ett"})
    second = post_outcome(
        deputy_client, item, response_model, answers, {"reply_text": "Mitt eget svar"}
    )
    assert first.status_code == 302
    assert second.status_code == 409
    assert "Mitt eget svar" in second.content.decode()
    assert item.actions.filter(kind=ActionKind.TRIAGED).count() == 1


def test_a_handled_item_cannot_be_handled_again(owner, deputy, item, response_model):
    triage_item(
        item=item, actor=owner, response_model=response_model, answers=PATHS[Outcome.LET_STAND]
    )
    with pytest.raises(ItemAlreadyHandled):
        triage_item(
            item=item,
            actor=deputy,
            response_model=response_model,
            answers=PATHS[Outcome.ANSWER],
            reply_text="Sent svar",
        )
    assert ModerationAction.objects.filter(kind=ActionKind.TRIAGED).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_transactions_at_once_handle_an_item_exactly_once(owner, deputy, active_account):
    from moderation.services import response_model_ensure_default

    model = response_model_ensure_default()
    item = make_item(active_account)
    first_claimed = threading.Event()
    outcomes: dict[str, object] = {}

    def first():
        try:
            with transaction.atomic():
                triage_item(
                    item=item, actor=owner, response_model=model, answers=PATHS[Outcome.LET_STAND]
                )
                first_claimed.set()
                # Hold the transaction open while the second person submits.
                time.sleep(0.5)
                outcomes["first_commits"] = time.monotonic()
            outcomes["first"] = "ok"
        except Exception as exc:
            outcomes["first"] = exc
        finally:
            first_claimed.set()
            connection.close()

    def second():
        first_claimed.wait(5)
        try:
            triage_item(
                item=item,
                actor=deputy,
                response_model=model,
                answers=PATHS[Outcome.ANSWER],
                reply_text="Samtidigt svar",
            )
            outcomes["second"] = "ok"
        except Exception as exc:
            outcomes["second"] = exc
        finally:
            outcomes["second_done"] = time.monotonic()
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert outcomes["first"] == "ok"
    assert isinstance(outcomes["second"], ItemAlreadyHandled)
    # The second waited on the first's row lock rather than reading a stale state.
    assert outcomes["second_done"] >= outcomes["first_commits"]
    item.refresh_from_db()
    assert item.outcome == Outcome.LET_STAND
    assert item.handled_by == owner
    assert ModerationAction.objects.filter(item=item, kind=ActionKind.TRIAGED).count() == 1


def test_the_evidence_can_be_downloaded_by_those_who_see_the_item(
    owner_client, outsider_client, owner, item
):
    evidence = evidence_take(item=item, actor=owner)
    url = reverse("moderation:evidence_download", args=[evidence.pk, "json"])
    response = owner_client.get(url)
    assert response.status_code == 200
    assert hashlib.sha256(response.content).hexdigest() == evidence.data_sha256
    html = owner_client.get(reverse("moderation:evidence_download", args=[evidence.pk, "html"]))
    assert hashlib.sha256(html.content).hexdigest() == evidence.html_sha256
    assert "attachment" in html["Content-Disposition"]
    assert outsider_client.get(url).status_code == 404
    bad = reverse("moderation:evidence_download", args=[evidence.pk, "pdf"])
    assert owner_client.get(bad).status_code == 404


def test_a_strange_model_parameter_does_not_break_the_page(owner_client, item, response_model):
    for value in ("abc", "999", "-1"):
        assert owner_client.get(item.get_absolute_url(), {"model": value}).status_code == 200
    response = owner_client.post(
        reverse("moderation:item_triage", args=[item.pk]), {"model": "abc", "a": ["ja"]}
    )
    assert response.status_code in (302, 404)
    assert Item.objects.get(pk=item.pk).status == ItemStatus.NEW


def test_replies_and_reasons_are_escaped_in_the_history_and_statistics(
    owner_client, active_account, response_model
):
    item = make_item(active_account, author_name="<em>X</em>")
    post_outcome(
        owner_client,
        item,
        response_model,
        PATHS[Outcome.ANSWER],
        {"reply_text": "<script>alert(2)</script>"},
    )
    page = owner_client.get(item.get_absolute_url()).content.decode()
    assert "<script>alert(2)" not in page
    assert "&lt;script&gt;alert(2)" in page
    stats = owner_client.get(reverse("moderation:account_stats", args=[active_account.pk]))
    assert "<em>X</em>" not in stats.content.decode()
    assert "&lt;em&gt;X&lt;/em&gt;" in stats.content.decode()


# --- What an outcome records: who, when, what and why ------------------------------------------

DECIDED = dt.datetime(2026, 3, 10, 13, 45, tzinfo=dt.UTC)
SIGNED = "\n\n/Olle, Haparanda stad"


def test_a_forward_to_the_department_records_every_detail_and_removes_on_case_handling(
    owner, item, response_model, department
):
    with time_machine.travel(DECIDED, tick=False):
        action = triage_item(
            item=item,
            actor=owner,
            response_model=response_model,
            answers=PATHS[Outcome.FORWARD_TO_DEPARTMENT],
            reply_text="  Vi har vidarebefordrat din anmälan.  ",
            recipient="  Bygglovsenheten ",
            department=department,
            diarienummer=" SBN 2026/123 ",
            # Whatever the form sent, a forward rests on the move to case handling.
            legal_ground=LegalGround.HATE_SPEECH,
            reason="  Gäller ett bygglov ",
            police_report=True,
        )
    assert action == item.actions.get(kind=ActionKind.TRIAGED)
    assert (action.outcome, action.actor, action.created_at) == (
        Outcome.FORWARD_TO_DEPARTMENT,
        owner,
        DECIDED,
    )
    assert action.reply_text == "Vi har vidarebefordrat din anmälan." + SIGNED
    assert action.reason == "Gäller ett bygglov"
    assert action.details == {
        "recipient": "Bygglovsenheten",
        "department": department.name,
        "department_id": department.pk,
        "diarienummer": "SBN 2026/123",
        "legal_ground": LegalGround.CASE_HANDLING,
        "ground_basis": "rules",
        "police_report": True,
    }
    # The caller's item is the item as it now is.
    assert (item.status, item.outcome, item.handled_by, item.handled_at, item.removed_at) == (
        ItemStatus.HANDLED,
        Outcome.FORWARD_TO_DEPARTMENT,
        owner,
        DECIDED,
        DECIDED,
    )
    removed = item.actions.get(kind=ActionKind.REMOVED)
    evidence = Evidence.objects.get(item=item)
    assert (removed.actor, removed.created_at, removed.reason, removed.evidence) == (
        owner,
        DECIDED,
        "Gäller ett bygglov",
        evidence,
    )
    assert removed.details == {
        "legal_ground": LegalGround.CASE_HANDLING,
        "ground_basis": "rules",
        "visitor_notice": "",
        "data_sha256": evidence.data_sha256,
        "html_sha256": evidence.html_sha256,
    }


def test_a_removal_records_the_signed_notice_and_the_ground_in_both_records(
    owner, item, response_model
):
    triage_item(
        item=item,
        actor=owner,
        response_model=response_model,
        answers=PATHS[Outcome.REMOVE],
        legal_ground=LegalGround.HATE_SPEECH,
        visitor_notice="  Vi har tagit bort din kommentar. ",
    )
    notice = "Vi har tagit bort din kommentar." + SIGNED
    triage = item.actions.get(kind=ActionKind.TRIAGED)
    assert triage.details == {
        "legal_ground": LegalGround.HATE_SPEECH,
        "ground_basis": "law",
        "visitor_notice": notice,
    }
    assert triage.reply_text == ""
    removed = item.actions.get(kind=ActionKind.REMOVED)
    assert removed.details["visitor_notice"] == notice
    # The deletion and the notice are asked of the platform in the owner's name.
    assert {(o.kind, o.text, o.requested_by) for o in item.outbound_actions.all()} == {
        ("delete", "", owner),
        ("notice", notice, owner),
    }
    assert (removed.details["legal_ground"], removed.details["ground_basis"]) == (
        LegalGround.HATE_SPEECH,
        "law",
    )


@pytest.mark.parametrize(
    ("outcome", "fields", "details"),
    [
        (
            Outcome.CORRECT_FACTS,
            {"reply_text": "Badhuset är öppet.", "source_url": " https://www.haparanda.se/bad "},
            {"source_url": "https://www.haparanda.se/bad"},
        ),
        (Outcome.MONITOR, {"troll": True}, {"troll": True}),
        (Outcome.LET_STAND, {"reason": "Beröm"}, {}),
    ],
)
def test_an_outcome_records_only_the_details_it_was_given(
    owner, item, response_model, outcome, fields, details
):
    action = triage_item(
        item=item, actor=owner, response_model=response_model, answers=PATHS[outcome], **fields
    )
    assert action.details == details
    assert (action.reason, action.reply_text) == (
        fields.get("reason", ""),
        f"{fields['reply_text']}{SIGNED}" if "reply_text" in fields else "",
    )
    assert Evidence.objects.count() == 0
    assert Item.objects.get(pk=item.pk).removed_at is None


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        (["kanske"], "Svaren stämmer inte med responsmodellen."),
        (["nej", "nej"], "Det finns fler frågor att besvara i responsmodellen."),
    ],
)
def test_answers_that_do_not_reach_an_outcome_are_refused_in_swedish(
    owner, item, response_model, answers, message
):
    with pytest.raises(ValidationError) as refused:
        triage_item(item=item, actor=owner, response_model=response_model, answers=answers)
    assert refused.value.messages == [message]
    assert Item.objects.get(pk=item.pk).status == ItemStatus.NEW
    assert not item.actions.filter(kind=ActionKind.TRIAGED).exists()


def test_the_service_refuses_an_unknown_ground_in_swedish(owner, item, response_model):
    with pytest.raises(ValidationError) as refused:
        triage_item(
            item=item,
            actor=owner,
            response_model=response_model,
            answers=PATHS[Outcome.REMOVE],
            legal_ground="tycker_illa_om",
            visitor_notice="Borttaget.",
        )
    assert refused.value.message_dict == {"legal_ground": ["Okänd rättslig grund."]}
    assert Item.objects.get(pk=item.pk).status == ItemStatus.NEW


def test_only_a_troll_being_monitored_is_reported(
    owner, active_account, response_model, mailoutbox, django_capture_on_commit_callbacks
):
    let_stand, monitored = make_item(active_account), make_item(active_account)
    with django_capture_on_commit_callbacks(execute=True):
        triage_item(
            item=let_stand,
            actor=owner,
            response_model=response_model,
            answers=PATHS[Outcome.LET_STAND],
            troll=True,
        )
    assert mailoutbox == []
    with django_capture_on_commit_callbacks(execute=True):
        triage_item(
            item=monitored,
            actor=owner,
            response_model=response_model,
            answers=PATHS[Outcome.MONITOR],
            troll=True,
        )
    (mail,) = mailoutbox
    assert mail.subject == "Ett troll bevakas på Haparanda kultur"
    assert mail.to == ["karin.kommunikator@haparanda.se", settings.COMMUNICATOR_EMAIL]
    assert mail.body.startswith(
        "Olle Agare bevakar ett inlägg på Haparanda kultur som bedömdes komma från ett troll. "
        "Inlägget besvarades inte."
    )
    assert f"{settings.SITE_URL}{monitored.get_absolute_url()}" in mail.body


def test_marking_removed_refuses_an_unknown_ground_and_a_second_removal(owner, item):
    evidence = evidence_take(item=item, actor=owner)
    with pytest.raises(ValidationError) as refused:
        item_mark_removed(
            item=item,
            evidence=evidence,
            actor=owner,
            legal_ground="tycker_illa_om",
            reason="",
            visitor_notice="x",
        )
    assert refused.value.message_dict == {
        "legal_ground": ["Välj rättslig grund för borttagningen."]
    }
    assert Item.objects.get(pk=item.pk).removed_at is None
    with time_machine.travel(DECIDED, tick=False):
        first = item_mark_removed(
            item=item,
            evidence=evidence,
            actor=owner,
            legal_ground=LegalGround.ACCOUNT_RULES,
            reason="Reklam",
            visitor_notice="Borttaget.",
        )
    assert (first.kind, first.created_at, first.reason, first.evidence) == (
        ActionKind.REMOVED,
        DECIDED,
        "Reklam",
        evidence,
    )
    assert first.details == {
        "legal_ground": LegalGround.ACCOUNT_RULES,
        "ground_basis": "rules",
        "visitor_notice": "Borttaget.",
        "data_sha256": evidence.data_sha256,
        "html_sha256": evidence.html_sha256,
    }
    assert Item.objects.get(pk=item.pk).removed_at == DECIDED
    with pytest.raises(ItemAlreadyHandled):
        item_mark_removed(
            item=item,
            evidence=evidence,
            actor=owner,
            legal_ground=LegalGround.ACCOUNT_RULES,
            reason="Igen",
            visitor_notice="Borttaget.",
        )
    assert item.actions.filter(kind=ActionKind.REMOVED).count() == 1


def test_the_removal_names_the_evidence_it_was_given_and_is_dated_by_it(owner, item):
    earlier = evidence_take(item=item, actor=owner)
    latest = evidence_take(item=item, actor=owner)
    removed = item_mark_removed(
        item=item,
        evidence=latest,
        actor=owner,
        legal_ground=LegalGround.PERSONAL_DATA,
        reason="",
        visitor_notice="Borttaget.",
    )
    assert removed.evidence == latest != earlier
    assert removed.details["data_sha256"] == latest.data_sha256
    assert removed.created_at == Item.objects.get(pk=item.pk).removed_at
