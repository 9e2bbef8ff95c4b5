"""Gallring through HTTP: each page's happy path, a bad input and an outsider (R22, R24)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from retention import services
from retention.models import (
    CullingLogEntry,
    CullingProposal,
    HoldRelease,
    LegalHold,
    ProposalApproval,
    RuleVersion,
)

from .conftest import old_item

pytestmark = pytest.mark.django_db

RULE_POST = {
    "period_months": "12",
    "anchor": "end_of_year",
    "disposal": "cull",
    "decision_body": "Kommunstyrelsen",
    "decision_date": "2025-03-01",
    "decision_reference": "KS 2025/17",
    "why": "Informationshanteringsplanen antagen.",
}


def test_staff_read_the_rules_in_force_with_defaults_marked(owner_client):
    response = owner_client.get(reverse("retention:overview"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Besökares kommentarer och svar" in html
    assert "förslag att bekräfta" in html
    assert "Utlämnanden på begäran" in html
    # Every seeded type is registered (request deliveries by the public-records app).
    assert "Gallras inte än" not in html


def test_the_communicator_changes_a_rule_and_sees_the_new_version_in_force(communicator_client):
    url = reverse("retention:rule_detail", args=["visitor_items"])
    response = communicator_client.post(url, RULE_POST)
    assert response.status_code == 302
    rule = services.rules_in_force()["visitor_items"]
    assert (rule.number, rule.period_months, rule.decision_reference) == (2, 12, "KS 2025/17")
    html = communicator_client.get(url).content.decode()
    assert "Gäller: version 2" in html


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"period_months": "-3"}, "mellan 0 och 1200"),
        ({"period_months": "99999"}, "mellan 0 och 1200"),
        ({"period_months": "tre"}, "heltal"),
        ({"decision_reference": ""}, "Ange beslutets diarienummer"),
        ({"anchor": "request_closed"}, "Välj"),
    ],
)
def test_a_bad_rule_gets_a_clear_message_and_changes_nothing(communicator_client, change, message):
    url = reverse("retention:rule_detail", args=["visitor_items"])
    response = communicator_client.post(url, {**RULE_POST, **change})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert RuleVersion.objects.filter(kind="visitor_items").count() == 1


def test_others_may_read_but_not_change_a_rule(owner_client, outsider_client):
    url = reverse("retention:rule_detail", args=["visitor_items"])
    assert owner_client.get(url).status_code == 200
    assert "Ändra regeln" not in owner_client.get(url).content.decode()
    assert owner_client.post(url, RULE_POST).status_code == 403
    assert outsider_client.post(url, RULE_POST).status_code == 403
    assert owner_client.get(reverse("retention:rule_detail", args=["nope"])).status_code == 404
    assert RuleVersion.objects.filter(kind="visitor_items").count() == 1


def test_the_communicator_prepares_and_approves_a_proposal_and_reads_the_log(
    communicator_client, communicator, active_account, django_capture_on_commit_callbacks
):
    communicator_client.post(reverse("retention:rule_detail", args=["visitor_items"]), RULE_POST)
    item = old_item(active_account, 2021, text="Gammal kommentar <script>")
    response = communicator_client.post(reverse("retention:proposals"))
    proposal = CullingProposal.objects.get()
    assert response["Location"] == reverse("retention:proposal_detail", args=[proposal.pk])
    html = communicator_client.get(response["Location"]).content.decode()
    assert "Gammal kommentar &lt;script&gt;" in html
    with django_capture_on_commit_callbacks(execute=True):
        response = communicator_client.post(
            reverse("retention:proposal_approve", args=[proposal.pk]), {"comment": "Ok"}
        )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.culled_at is not None
    log = communicator_client.get(reverse("retention:log")).content.decode()
    entry = CullingLogEntry.objects.get(kind="visitor_items")
    assert entry.identifiers_sha256 in log


def test_approving_an_outdated_proposal_is_refused_with_a_message(
    communicator_client, communicator, active_account
):
    communicator_client.post(reverse("retention:rule_detail", args=["visitor_items"]), RULE_POST)
    old_item(active_account, 2021)
    proposal = services.proposal_prepare(actor=communicator)
    old_item(active_account, 2021)
    response = communicator_client.post(reverse("retention:proposal_approve", args=[proposal.pk]))
    assert response.status_code == 400
    assert "har ändrats sedan förslaget" in response.content.decode()
    assert not ProposalApproval.objects.exists()


def test_nobody_but_the_communicator_reaches_proposals_holds_or_the_log(
    owner_client, outsider_client, communicator, active_account
):
    proposal = services.proposal_prepare(actor=communicator)
    hold = services.hold_place(
        actor=communicator, scope="account", account=active_account, reason="Tvist"
    )
    for client in (owner_client, outsider_client):
        for method, name, args in (
            ("get", "proposals", []),
            ("post", "proposals", []),
            ("get", "proposal_detail", [proposal.pk]),
            ("post", "proposal_approve", [proposal.pk]),
            ("get", "log", []),
            ("get", "holds", []),
            ("post", "holds", []),
            ("get", "hold_detail", [hold.pk]),
            ("post", "hold_release", [hold.pk]),
        ):
            response = getattr(client, method)(reverse(f"retention:{name}", args=args))
            assert response.status_code == 403, (name, method)
    assert CullingProposal.objects.count() == 1
    assert not ProposalApproval.objects.exists()
    assert not HoldRelease.objects.exists()


def test_the_communicator_places_and_releases_a_hold(communicator_client, active_account):
    response = communicator_client.post(
        reverse("retention:holds"),
        {"scope": "account", "account": active_account.pk, "reason": "Tvist om ett inlägg"},
    )
    hold = LegalHold.objects.get()
    assert response["Location"] == reverse("retention:hold_detail", args=[hold.pk])
    listing = communicator_client.get(reverse("retention:holds")).content.decode()
    assert "Tvist om ett inlägg" in listing
    url = reverse("retention:hold_release", args=[hold.pk])
    response = communicator_client.post(url, {"reason": "  "})
    assert response.status_code == 400
    assert "Ange skälet till att spärren hävs" in response.content.decode()
    assert not HoldRelease.objects.exists()
    response = communicator_client.post(url, {"reason": "Tvisten är avgjord"})
    assert response.status_code == 302
    assert HoldRelease.objects.get().reason == "Tvisten är avgjord"


def test_a_bad_hold_gets_a_clear_message(communicator_client):
    response = communicator_client.post(
        reverse("retention:holds"), {"scope": "items", "item_ids": "12, abc", "reason": "x"}
    )
    assert response.status_code == 400
    assert "Ange bara inläggsnummer" in response.content.decode()
    response = communicator_client.post(reverse("retention:holds"), {"scope": "account"})
    assert response.status_code == 400
    assert not LegalHold.objects.exists()


def test_the_lists_keep_their_query_count(
    communicator_client, communicator, active_account, django_assert_max_num_queries
):
    for _ in range(3):
        services.proposal_prepare(actor=communicator)
        services.hold_place(actor=communicator, scope="account", account=active_account, reason="x")
    for name in ("proposals", "holds", "log", "overview"):
        with django_assert_max_num_queries(12):
            assert communicator_client.get(reverse(f"retention:{name}")).status_code == 200


@pytest.mark.parametrize(
    ("post", "message"),
    [
        ({"scope": "account", "reason": "Tvist"}, "Välj kontot som ska spärras."),
        (
            {"scope": "date_range", "date_from": "2021-01-01", "reason": "Tvist"},
            "Ange både första och sista dagen i perioden.",
        ),
        (
            {
                "scope": "date_range",
                "date_from": "2021-02-01",
                "date_to": "2021-01-01",
                "reason": "Tvist",
            },
            "Perioden slutar innan den börjar.",
        ),
        ({"scope": "search", "search": "x", "reason": "JO"}, "Sök på minst två tecken."),
        (
            {"scope": "search", "search": "finns inte", "reason": "JO"},
            "Sökningen hittar inga inlägg att spärra.",
        ),
        ({"scope": "items", "reason": "Polis"}, "Ange numren på inläggen som ska spärras."),
        (
            {"scope": "items", "item_ids": "999998, 999999", "reason": "Polis"},
            "Inget inlägg har numret 999998, 999999.",
        ),
    ],
)
def test_a_refused_hold_tells_the_communicator_why(communicator_client, post, message):
    response = communicator_client.post(reverse("retention:holds"), post)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not LegalHold.objects.exists()


def test_a_search_hold_shows_its_search_and_the_items_it_holds(communicator_client, active_account):
    found = old_item(active_account, 2021, text="Olovlig byggnation vid älven")
    other = old_item(active_account, 2021, text="Något annat")
    response = communicator_client.post(
        reverse("retention:holds"),
        {"scope": "search", "search": " byggnation ", "reason": "JO-anmälan"},
    )
    assert LegalHold.objects.get().search == "byggnation"
    html = communicator_client.get(response["Location"]).content.decode()
    assert "«byggnation»" in html and "JO-anmälan" in html
    assert f"#{found.pk} " in html and f"#{other.pk} " not in html


def test_releasing_a_released_hold_is_refused_with_a_message(
    communicator_client, communicator, active_account
):
    hold = services.hold_place(
        actor=communicator, scope="account", account=active_account, reason="Tvist"
    )
    url = reverse("retention:hold_release", args=[hold.pk])
    assert communicator_client.post(url, {"reason": "Avgjord"}).status_code == 302
    # A second tab, opened before the release, still shows the form.
    response = communicator_client.post(url, {"reason": "Avgjord igen"})
    assert response.status_code == 400
    assert "Spärren är redan hävd." in response.content.decode()
    assert HoldRelease.objects.get().reason == "Avgjord"


@pytest.mark.parametrize(
    ("kind", "change", "message"),
    [
        (
            "request_deliveries",
            {"anchor": "request_closed", "disposal": "preserve"},
            "Arkivpaketen innehåller inte den här informationstypen; den kan bara gallras.",
        ),
        (
            "visitor_items",
            {"decision_date": "2999-01-01"},
            "Beslutet kan inte vara daterat i framtiden.",
        ),
    ],
)
def test_a_rule_the_service_refuses_shows_why(communicator_client, kind, change, message):
    url = reverse("retention:rule_detail", args=[kind])
    response = communicator_client.post(url, {**RULE_POST, **change})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert RuleVersion.objects.filter(kind=kind).count() == 1


def test_the_proposal_page_shows_the_counts_and_three_examples(
    communicator_client, communicator, active_account
):
    communicator_client.post(reverse("retention:rule_detail", args=["visitor_items"]), RULE_POST)
    items = [old_item(active_account, 2021, text=f"Exempel nummer {n}") for n in range(4)]
    held = old_item(active_account, 2020)
    services.hold_place(actor=communicator, scope="items", item_ids=[held.pk], reason="Tvist")
    response = communicator_client.post(reverse("retention:proposals"))
    html = communicator_client.get(response["Location"]).content.decode()
    assert '<dd id="proposal-total">4</dd>' in html
    assert '<dd data-kind="visitor_items">4</dd>' in html
    for item in items[:3]:
        assert item.text in html
    assert items[3].text not in html


@pytest.mark.parametrize("situation", ["nothing", "newer", "approved"])
def test_a_proposal_that_cannot_be_approved_says_why(
    communicator_client, communicator, active_account, situation
):
    messages = {
        "nothing": "Det finns inget att gallra i förslaget.",
        "newer": "Ett nyare förslag har upprättats; läs och godkänn det i stället.",
        "approved": "Förslaget är redan godkänt.",
    }
    if situation != "nothing":
        communicator_client.post(
            reverse("retention:rule_detail", args=["visitor_items"]), RULE_POST
        )
        old_item(active_account, 2021)
    proposal = services.proposal_prepare(actor=communicator)
    if situation == "newer":
        services.proposal_prepare(actor=communicator)
    if situation == "approved":
        services.proposal_approve(proposal=proposal, actor=communicator)
    approvals = ProposalApproval.objects.count()
    response = communicator_client.post(reverse("retention:proposal_approve", args=[proposal.pk]))
    assert response.status_code == 400
    assert messages[situation] in response.content.decode()
    assert ProposalApproval.objects.count() == approvals
