"""Rules, proposals, approval, culling and the log, through the services (R22)."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from archiving.models import FixityStatus
from moderation.models import Evidence, Item, ItemVersion, ModerationAction, RawEvent
from retention import services
from retention.models import (
    CulledBatch,
    CullingLogEntry,
    CullingProposal,
    CullingRun,
    ProposalApproval,
    RuleVersion,
    RunStatus,
)

from .conftest import complete_snapshot, old_item, removal_records

pytestmark = pytest.mark.django_db


def _rule(kind, communicator, **fields):
    values = {
        "period_months": 12,
        "anchor": "end_of_year",
        "disposal": "cull",
        "decision_body": "Kommunstyrelsen",
        "decision_date": dt.date(2025, 3, 1),
        "decision_reference": "KS 2025/17",
        "why": "Informationshanteringsplanen antagen.",
        **fields,
    }
    return services.rule_change(kind=kind, actor=communicator, **values)


def _approve_and_run(communicator):
    """Approve a fresh proposal; the culling task runs when the approval commits."""
    from django.test import TestCase

    proposal = services.proposal_prepare(actor=communicator)
    with TestCase.captureOnCommitCallbacks(execute=True):
        run = services.proposal_approve(
            proposal=proposal, actor=communicator, comment="Enligt plan"
        )
    run.refresh_from_db()
    return proposal, run


def test_the_seeded_rules_are_defaults_to_confirm_and_a_change_is_a_new_version(communicator):
    rules = services.rules_in_force()
    assert set(rules) == {
        "visitor_items",
        "messages",
        "own_posts",
        "evidence",
        "moderation_actions",
        "raw_events",
        "request_deliveries",
    }
    assert all(rule.is_default and rule.number == 1 for rule in rules.values())
    rule = _rule("visitor_items", communicator, period_months=6)
    assert rule.number == 2 and not rule.is_default and rule.changed_by == communicator
    assert services.rules_in_force()["visitor_items"] == rule


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"period_months": -1}, "period_months"),
        ({"period_months": 5000}, "period_months"),
        ({"decision_reference": " "}, "decision_reference"),
        ({"decision_body": ""}, "decision_body"),
        ({"why": ""}, "why"),
        ({"anchor": "request_closed"}, "anchor"),
        ({"decision_date": dt.date(2999, 1, 1)}, "decision_date"),
    ],
)
def test_a_bad_rule_is_refused_and_changes_nothing(communicator, fields, field):
    with pytest.raises(ValidationError) as exc:
        _rule("visitor_items", communicator, **fields)
    assert field in exc.value.error_dict
    assert services.rules_in_force()["visitor_items"].number == 1


# The reason a refusal gives, shown on the refusal page and to a script calling the services.
ONLY_THE_COMMUNICATOR = "^Endast kommunikatören får göra detta.$"


def test_only_the_communicator_changes_rules_and_approves(owner, communicator):
    with pytest.raises(PermissionDenied, match=ONLY_THE_COMMUNICATOR):
        _rule("visitor_items", owner)
    proposal = services.proposal_prepare()
    with pytest.raises(PermissionDenied, match=ONLY_THE_COMMUNICATOR):
        services.proposal_approve(proposal=proposal, actor=owner)
    assert not CullingRun.objects.exists()


def test_culling_blanks_due_items_keeps_the_rest_and_logs_the_identifiers(
    active_account, communicator
):
    _rule("visitor_items", communicator, disposal="cull")
    this_year = timezone.localdate().year
    due = [old_item(active_account, 2021), old_item(active_account, 2022)]
    due[0].refresh_from_db()
    recent = old_item(active_account, this_year)
    still_open = old_item(active_account, 2021, status="new")
    own = old_item(active_account, 2021, by_municipality=True)
    assert ItemVersion.objects.filter(item__in=due).count() == 2

    proposal, run = _approve_and_run(communicator)

    entry = next(e for e in proposal.summary if e["kind"] == "visitor_items")
    assert entry["to_cull"] == 2 and len(entry["examples"]) == 2
    assert run.status == RunStatus.DONE
    for item in due:
        item.refresh_from_db()
        assert item.culled_at is not None
        assert (item.text, item.author_name, item.link) == ("", "", "")
    assert not ItemVersion.objects.filter(item__in=due).exists()
    for kept in (recent, still_open, own):
        kept.refresh_from_db()
        assert kept.culled_at is None and kept.text
    log = CullingLogEntry.objects.get(run=run, kind="visitor_items")
    assert log.culled == 2
    assert log.counts == {
        "items": 2,
        "item_versions": 2,
        "exact_texts": 0,
        "attachments": 0,
        "attachment_files": 0,
    }
    assert log.approved_by == communicator
    ids = "\n".join(f"visitor_items:{item.pk}" for item in sorted(due, key=lambda i: i.pk))
    assert log.identifiers_sha256 == hashlib.sha256(f"{ids}\n".encode()).hexdigest()
    # Every registered rule is logged, also with nothing culled; unregistered ones are not.
    assert set(CullingLogEntry.objects.filter(run=run).values_list("kind", flat=True)) == {
        "visitor_items",
        "messages",
        "own_posts",
        "evidence",
        "moderation_actions",
        "raw_events",
        "request_deliveries",
    }


def test_running_twice_culls_and_logs_nothing_twice(active_account, communicator):
    _rule("visitor_items", communicator)
    old_item(active_account, 2021)
    _proposal, run = _approve_and_run(communicator)
    entries = CullingLogEntry.objects.count()
    batches = CulledBatch.objects.count()
    CullingRun.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING)
    services.run_culling(run_id=run.pk)
    assert CullingLogEntry.objects.count() == entries
    assert CulledBatch.objects.count() == batches


def test_a_killed_run_is_finished_by_running_again(active_account, communicator, monkeypatch):
    from django.test import TestCase

    _rule("visitor_items", communicator)
    items = [old_item(active_account, 2021) for _ in range(5)]
    monkeypatch.setattr(services, "BATCH", 2)
    calls = {"n": 0}
    real = services._cull_batch

    def dies_on_the_third_batch(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            # The worker is killed inside the second batch's transaction: it rolls back.
            raise SystemExit("killed")
        return real(*args, **kwargs)

    monkeypatch.setattr(services, "_cull_batch", dies_on_the_third_batch)
    proposal = services.proposal_prepare(actor=communicator)
    with pytest.raises(SystemExit), TestCase.captureOnCommitCallbacks(execute=True):
        services.proposal_approve(proposal=proposal, actor=communicator)
    run = CullingRun.objects.get(proposal=proposal)
    assert run.status == RunStatus.RUNNING
    assert Item.objects.filter(pk__in=[i.pk for i in items], culled_at__isnull=False).count() == 2
    assert not CullingLogEntry.objects.filter(run=run).exists()

    services.run_culling(run_id=run.pk)

    assert Item.objects.filter(pk__in=[i.pk for i in items], culled_at__isnull=True).count() == 0
    log = CullingLogEntry.objects.get(run=run, kind="visitor_items")
    assert log.culled == 5 and log.counts["items"] == 5


def test_an_outdated_proposal_is_refused(active_account, communicator):
    _rule("visitor_items", communicator)
    old_item(active_account, 2021)
    proposal = services.proposal_prepare(actor=communicator)
    old_item(active_account, 2021)  # the data changed since the proposal was made
    with pytest.raises(ValidationError, match="Handlingarna har ändrats"):
        services.proposal_approve(proposal=proposal, actor=communicator)
    assert not CullingRun.objects.exists()


def test_a_proposal_under_an_older_rule_or_older_than_the_latest_is_refused(
    active_account, communicator
):
    old_item(active_account, 2021)
    _rule("visitor_items", communicator)
    first = services.proposal_prepare(actor=communicator)
    _rule("visitor_items", communicator, period_months=0)
    with pytest.raises(ValidationError, match="Reglerna har ändrats"):
        services.proposal_approve(proposal=first, actor=communicator)
    services.proposal_prepare(actor=communicator)
    with pytest.raises(ValidationError, match="nyare förslag"):
        services.proposal_approve(proposal=first, actor=communicator)


def test_preserved_first_culls_only_what_a_verified_package_covers(
    active_account, second_account, communicator
):
    _rule("visitor_items", communicator, disposal="preserve")
    covered = old_item(active_account, 2021)
    uncovered = old_item(active_account, 2022)
    broken = old_item(second_account, 2021)
    complete_snapshot(active_account, 2021)
    damaged = complete_snapshot(second_account, 2021)
    # The package changes on disk after it was made: its fixity check must fail.
    with open(damaged.file.path, "wb") as f:
        f.write(b"tampered")

    _proposal, run = _approve_and_run(communicator)

    covered.refresh_from_db()
    uncovered.refresh_from_db()
    broken.refresh_from_db()
    assert covered.culled_at is not None
    assert uncovered.culled_at is None and broken.culled_at is None
    log = CullingLogEntry.objects.get(run=run, kind="visitor_items")
    reasons = {(r["account"], r["year"]): r["reason"] for r in log.refused}
    assert reasons == {
        (active_account.pk, 2022): "no_snapshot",
        (second_account.pk, 2021): "fixity_failed",
    }
    damaged.refresh_from_db()
    assert damaged.fixity_status == FixityStatus.MISMATCH


def test_a_package_completed_before_an_item_was_captured_does_not_cover_it(
    active_account, communicator
):
    _rule("visitor_items", communicator, disposal="preserve")
    snapshot = complete_snapshot(active_account, 2021)
    late = old_item(active_account, 2021)
    Item.objects.filter(pk=late.pk).update(captured_at=snapshot.completed_at + dt.timedelta(1))
    proposal = services.proposal_prepare(actor=communicator)
    entry = next(e for e in proposal.summary if e["kind"] == "visitor_items")
    assert entry["to_cull"] == 0 and entry["refused"][0]["reason"] == "no_snapshot"


def test_evidence_actions_and_raw_events_are_culled(active_account, communicator):
    item = old_item(active_account, 2021)
    evidence, action = removal_records(item, communicator)
    event = RawEvent.objects.create(
        source="facebook",
        body='{"from": {"name": "Anna"}}',
        body_sha256="0" * 64,
        received_at=timezone.now() - dt.timedelta(days=200),
    )
    fresh = RawEvent.objects.create(source="facebook", body="{}", body_sha256="1" * 64)
    for kind in ("evidence", "moderation_actions"):
        _rule(kind, communicator)
    _proposal, run = _approve_and_run(communicator)

    evidence = Evidence.objects.get(pk=evidence.pk)
    action = ModerationAction.objects.get(pk=action.pk)
    assert (evidence.data_json, evidence.html) == ("", "")
    assert evidence.data_sha256  # the checksum of what was there stays
    assert (action.reply_text, action.reason, action.details) == ("", "", {})
    assert action.kind == "triaged" and action.culled_at is not None
    assert not RawEvent.objects.filter(pk=event.pk).exists()
    assert RawEvent.objects.filter(pk=fresh.pk).exists()
    counts = dict(CullingLogEntry.objects.filter(run=run).values_list("kind", "culled"))
    assert counts["evidence"] == 1 and counts["moderation_actions"] == 1
    assert counts["raw_events"] == 1


def test_the_account_closing_anchor_waits_for_the_closing(active_account, communicator):
    _rule("messages", communicator, anchor="account_closed", period_months=12)
    message = old_item(active_account, 2021, kind="message")
    proposal = services.proposal_prepare(actor=communicator)
    assert next(e for e in proposal.summary if e["kind"] == "messages")["to_cull"] == 0
    type(active_account).objects.filter(pk=active_account.pk).update(
        status="closed", closed_at=timezone.now() - dt.timedelta(days=400)
    )
    _approve_and_run(communicator)
    message.refresh_from_db()
    assert message.culled_at is not None


def test_a_type_not_registered_is_not_culled(communicator, monkeypatch):
    from retention import kinds

    monkeypatch.setattr(kinds, "_REGISTRY", kinds.registered())
    kinds.unregister("request_deliveries")
    proposal = services.proposal_prepare(actor=communicator)
    entry = next(e for e in proposal.summary if e["kind"] == "request_deliveries")
    assert entry["not_registered"] is True


def test_the_monthly_task_prepares_a_proposal_and_culls_nothing(active_account, communicator):
    from retention.tasks import prepare_proposal

    _rule("visitor_items", communicator)
    item = old_item(active_account, 2021)
    prepare_proposal.delay()
    item.refresh_from_db()
    assert item.culled_at is None
    from django.conf import settings

    assert (
        settings.CELERY_BEAT_SCHEDULE["retention-monthly-proposal"]["task"]
        == "retention.tasks.prepare_proposal"
    )


def test_an_approved_proposal_cannot_be_approved_again(active_account, communicator):
    _rule("visitor_items", communicator)
    old_item(active_account, 2021)
    proposal, _run = _approve_and_run(communicator)
    with pytest.raises(ValidationError, match="redan godkänt"):
        services.proposal_approve(proposal=proposal, actor=communicator)


def test_the_queue_and_the_item_page_still_work_after_culling(
    active_account, communicator, owner_client
):
    _rule("visitor_items", communicator)
    item = old_item(active_account, 2021)
    _approve_and_run(communicator)
    assert owner_client.get(item.get_absolute_url()).status_code == 200
    assert owner_client.get("/moderering/").status_code == 200


# --- What a rule version records, and what a refused change says ------------------------------


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        (
            {"period_months": -1},
            {"period_months": ["Tiden måste vara mellan 0 och 1200 månader (100 år)."]},
        ),
        (
            {"period_months": 1201},
            {"period_months": ["Tiden måste vara mellan 0 och 1200 månader (100 år)."]},
        ),
        (
            {"period_months": None},
            {"period_months": ["Tiden måste vara mellan 0 och 1200 månader (100 år)."]},
        ),
        (
            {"anchor": "request_closed"},
            {"anchor": ["Välj en händelse som gäller för den här informationstypen."]},
        ),
        ({"disposal": "keep"}, {"disposal": ["Välj om handlingarna bevaras först eller gallras."]}),
        ({"decision_body": "  "}, {"decision_body": ["Fältet måste fyllas i."]}),
        ({"decision_reference": None}, {"decision_reference": ["Fältet måste fyllas i."]}),
        ({"why": ""}, {"why": ["Fältet måste fyllas i."]}),
        (
            {"decision_date": None},
            {"decision_date": ["Ange datum för beslutet som regeln vilar på."]},
        ),
        (
            {"decision_date": timezone.localdate() + dt.timedelta(days=1)},
            {"decision_date": ["Beslutet kan inte vara daterat i framtiden."]},
        ),
    ],
)
def test_a_refused_rule_change_says_what_to_correct(communicator, fields, expected):
    with pytest.raises(ValidationError) as exc:
        _rule("visitor_items", communicator, **fields)
    assert exc.value.message_dict == expected
    assert services.rules_in_force()["visitor_items"].number == 1


def test_a_rule_for_an_unknown_type_is_refused(communicator):
    with pytest.raises(ValidationError) as exc:
        _rule("tweets", communicator)
    assert exc.value.messages == ["Okänd informationstyp."]
    assert not RuleVersion.objects.filter(kind="tweets").exists()


def test_request_deliveries_run_from_the_requests_closing_and_can_only_be_culled(communicator):
    with pytest.raises(ValidationError) as exc:
        _rule("request_deliveries", communicator, anchor="end_of_year", disposal="preserve")
    assert exc.value.message_dict == {
        "anchor": ["Välj en händelse som gäller för den här informationstypen."],
        "disposal": [
            "Arkivpaketen innehåller inte den här informationstypen; den kan bara gallras."
        ],
    }
    rule = _rule("request_deliveries", communicator, anchor="request_closed", disposal="cull")
    assert (rule.number, rule.anchor, rule.disposal) == (2, "request_closed", "cull")
    assert services.allowed_anchors("request_deliveries") == ("request_closed",)
    assert services.allowed_anchors("tweets") == ()


def test_the_limits_of_a_rule_are_accepted(communicator):
    for months in (0, 1200):
        rule = _rule("visitor_items", communicator, period_months=months)
        assert rule.period_months == months
    rule = _rule("visitor_items", communicator, decision_date=timezone.localdate())
    assert rule.decision_date == timezone.localdate()
    assert services.rules_in_force()["visitor_items"].number == 4


def test_a_rule_version_records_what_who_when_and_why(communicator):
    before = timezone.now()
    rule = _rule(
        "evidence",
        communicator,
        period_months=6,
        anchor="received",
        disposal="preserve",
        decision_body=" Kommunstyrelsen ",
        decision_date=dt.date(2025, 3, 1),
        decision_reference=" KS 2025/17\n",
        why="  Planen antagen. ",
    )
    second = _rule("evidence", communicator, disposal="cull")
    rule = RuleVersion.objects.get(pk=rule.pk)
    assert (rule.kind, rule.number, rule.period_months, rule.anchor, rule.disposal) == (
        "evidence",
        2,
        6,
        "received",
        "preserve",
    )
    assert (rule.decision_body, rule.decision_date, rule.decision_reference, rule.why) == (
        "Kommunstyrelsen",
        dt.date(2025, 3, 1),
        "KS 2025/17",
        "Planen antagen.",
    )
    assert rule.changed_by == communicator and not rule.is_default
    assert before <= rule.changed_at <= timezone.now()
    assert second.number == 3
    assert services.rules_in_force()["evidence"] == second
    # The other types keep their versions.
    assert services.rules_in_force()["visitor_items"].number == 1


def test_nobody_else_changes_a_rule(owner, communicator):
    for actor in (owner, None):
        with pytest.raises(PermissionDenied, match=ONLY_THE_COMMUNICATOR):
            _rule("visitor_items", actor)
    assert RuleVersion.objects.filter(kind="visitor_items").count() == 1


# --- The proposal: what each rule would cull, and its fingerprint -----------------------------

TZ = timezone.get_default_timezone()
AS_OF = dt.datetime(2025, 6, 15, 12, tzinfo=TZ)


def _entry(proposal, kind):
    return next(e for e in proposal.summary if e["kind"] == kind)


def test_a_proposal_counts_dates_and_gives_the_first_examples(active_account, communicator):
    rule = _rule("visitor_items", communicator, period_months=12)
    items = [
        old_item(active_account, 2022, month=9),
        old_item(active_account, 2021, month=3),
        old_item(active_account, 2023, month=2),
        old_item(active_account, 2022, month=1),
    ]
    held = old_item(active_account, 2020)
    old_item(active_account, 2024)  # the rule's period has not run out
    services.hold_place(actor=communicator, scope="items", item_ids=[held.pk], reason="Tvist")
    _rule("evidence", communicator, period_months=0)
    removal_records(items[0], communicator)

    proposal = services.proposal_prepare(actor=communicator, as_of=AS_OF)

    entry = _entry(proposal, "visitor_items")
    assert (entry["rule"], entry["rule_number"]) == (rule.pk, 2)
    assert (entry["due"], entry["to_cull"], entry["held"], entry["refused"]) == (5, 4, 1, [])
    # Published before 1 January 2024: the end of 2023 plus twelve months has passed.
    assert dt.datetime.fromisoformat(entry["cutoff"]) == dt.datetime(2024, 1, 1, tzinfo=TZ)
    assert dt.datetime.fromisoformat(entry["first"]) == items[1].published_at
    assert dt.datetime.fromisoformat(entry["last"]) == items[2].published_at
    assert [(e["id"], e["text"]) for e in entry["examples"]] == [
        (item.pk, item.text) for item in items[:3]
    ]
    assert dt.datetime.fromisoformat(entry["examples"][0]["date"]) == items[0].published_at
    assert _entry(proposal, "evidence")["to_cull"] == 1
    assert proposal.total == 5 == sum(e.get("to_cull", 0) for e in proposal.summary)
    assert (proposal.as_of, proposal.created_by) == (AS_OF, communicator)


def test_what_a_package_does_not_cover_is_neither_culled_nor_counted_as_held(
    active_account, communicator
):
    _rule("visitor_items", communicator, disposal="preserve")
    old_item(active_account, 2021)
    old_item(active_account, 2022)
    held = old_item(active_account, 2021)
    complete_snapshot(active_account, 2021)
    services.hold_place(actor=communicator, scope="items", item_ids=[held.pk], reason="Tvist")
    entry = _entry(services.proposal_prepare(actor=communicator), "visitor_items")
    assert (entry["due"], entry["to_cull"], entry["held"]) == (3, 1, 1)
    assert [(r["year"], r["count"], r["reason"]) for r in entry["refused"]] == [
        (2022, 1, "no_snapshot")
    ]


def test_a_proposal_with_nothing_due_has_no_dates_or_examples(communicator):
    rule = _rule("visitor_items", communicator, anchor="account_closed")
    proposal = services.proposal_prepare(actor=communicator, as_of=AS_OF)
    entry = _entry(proposal, "visitor_items")
    assert entry == {
        "kind": "visitor_items",
        "rule": rule.pk,
        "rule_number": 2,
        "due": 0,
        "to_cull": 0,
        "held": 0,
        "refused": [],
        "cutoff": None,
        "first": None,
        "last": None,
        "examples": [],
    }
    assert proposal.total == 0


def test_the_schedule_prepares_as_of_now_and_nobody_else_may(owner, communicator):
    before = timezone.now()
    proposal = services.proposal_prepare()
    assert proposal.created_by is None
    assert before <= proposal.as_of <= timezone.now()
    with pytest.raises(PermissionDenied, match=ONLY_THE_COMMUNICATOR):
        services.proposal_prepare(actor=owner)
    assert CullingProposal.objects.count() == 1


def test_the_fingerprint_changes_with_what_would_be_culled_and_only_then(
    active_account, communicator
):
    _rule("visitor_items", communicator)
    item = old_item(active_account, 2021)
    old_item(active_account, 2021)

    def fingerprint():
        return services.proposal_prepare(actor=communicator, as_of=AS_OF).fingerprint

    first = fingerprint()
    assert fingerprint() == first
    hold = services.hold_place(
        actor=communicator, scope="items", item_ids=[item.pk], reason="Tvist"
    )
    held = fingerprint()
    assert held != first
    services.hold_release(hold=hold, actor=communicator, reason="Avgjord")
    assert fingerprint() == first
    old_item(active_account, 2021)
    assert fingerprint() not in (first, held)


# --- Approval ---------------------------------------------------------------------------------


def test_a_proposal_with_nothing_to_cull_cannot_be_approved(communicator):
    proposal = services.proposal_prepare(actor=communicator)
    with pytest.raises(ValidationError) as exc:
        services.proposal_approve(proposal=proposal, actor=communicator)
    assert exc.value.messages == ["Det finns inget att gallra i förslaget."]
    assert not ProposalApproval.objects.exists() and not CullingRun.objects.exists()


def test_an_approval_records_who_and_the_comment_and_waits_for_the_worker(
    active_account, communicator
):
    _rule("visitor_items", communicator)
    old_item(active_account, 2021)
    proposal = services.proposal_prepare(actor=communicator)
    before = timezone.now()
    run = services.proposal_approve(proposal=proposal, actor=communicator, comment="  Enligt plan ")
    approval = ProposalApproval.objects.get(proposal=proposal)
    assert (approval.approved_by, approval.comment) == (communicator, "Enligt plan")
    assert before <= approval.approved_at <= timezone.now()
    run = CullingRun.objects.get(pk=run.pk)
    assert (run.proposal, run.status, run.attempts, run.started_at) == (
        proposal,
        RunStatus.PENDING,
        0,
        None,
    )


@pytest.mark.parametrize("comment", [{}, {"comment": None}])
def test_an_approval_without_a_comment_records_none(active_account, communicator, comment):
    _rule("visitor_items", communicator)
    old_item(active_account, 2021)
    proposal = services.proposal_prepare(actor=communicator)
    services.proposal_approve(proposal=proposal, actor=communicator, **comment)
    assert ProposalApproval.objects.get().comment == ""


# --- The run and its log ----------------------------------------------------------------------


def test_a_run_of_an_unapproved_proposal_is_refused(active_account, communicator):
    _rule("visitor_items", communicator)
    item = old_item(active_account, 2021)
    run = CullingRun.objects.create(proposal=services.proposal_prepare(actor=communicator))
    with pytest.raises(ValidationError) as exc:
        services.run_culling(run_id=run.pk)
    assert exc.value.messages == ["Förslaget är inte godkänt."]
    run.refresh_from_db()
    assert (run.status, run.attempts) == (RunStatus.PENDING, 0)
    item.refresh_from_db()
    assert item.culled_at is None


def test_a_finished_run_is_not_run_again(active_account, communicator):
    _rule("visitor_items", communicator)
    old_item(active_account, 2021)
    _proposal, run = _approve_and_run(communicator)
    assert (run.status, run.attempts) == (RunStatus.DONE, 1)
    assert run.started_at <= run.finished_at
    again = services.run_culling(run_id=run.pk)
    assert (again.attempts, again.finished_at) == (1, run.finished_at)


def test_a_resumed_run_counts_its_attempts_and_keeps_its_start(active_account, communicator):
    _rule("visitor_items", communicator)
    old_item(active_account, 2021)
    _proposal, run = _approve_and_run(communicator)
    CullingRun.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING)
    again = services.run_culling(run_id=run.pk)
    assert (again.status, again.attempts, again.started_at) == (RunStatus.DONE, 2, run.started_at)
    assert again.finished_at > run.finished_at


def test_culling_goes_in_batches_and_the_log_sums_them(active_account, communicator, monkeypatch):
    monkeypatch.setattr(services, "BATCH", 2)
    rule = _rule("visitor_items", communicator)
    items = [
        old_item(active_account, 2022, month=6),
        old_item(active_account, 2022, month=3),
        old_item(active_account, 2021, month=6),
        old_item(active_account, 2022, month=9),
        old_item(active_account, 2021, month=3),
    ]
    held = old_item(active_account, 2021)
    services.hold_place(actor=communicator, scope="items", item_ids=[held.pk], reason="Tvist")
    services.hold_place(
        actor=communicator, scope="search", search=held.text, reason="Samma inlägg igen"
    )

    proposal, run = _approve_and_run(communicator)

    batches = list(CulledBatch.objects.filter(run=run, kind="visitor_items").order_by("pk"))
    ids = [f"visitor_items:{item.pk}" for item in items]
    assert [b.identifiers for b in batches] == ["\n".join(ids[0:2]), "\n".join(ids[2:4]), ids[4]]
    assert [b.counts["items"] for b in batches] == [2, 2, 1]
    assert [(b.first_date, b.last_date) for b in batches] == [
        (items[1].published_at, items[0].published_at),
        (items[2].published_at, items[3].published_at),
        (items[4].published_at, items[4].published_at),
    ]
    log = CullingLogEntry.objects.get(run=run, kind="visitor_items")
    approval = proposal.approval
    assert (log.rule, log.culled, log.held, log.counts["items"]) == (rule, 5, 1, 5)
    assert (log.first_date, log.last_date) == (items[4].published_at, items[3].published_at)
    assert log.cutoff == dt.datetime(timezone.localdate().year - 1, 1, 1, tzinfo=TZ)
    assert (log.approved_by, log.approved_at) == (approval.approved_by, approval.approved_at)
    assert log.started_at == run.started_at
    assert log.identifiers_sha256 == hashlib.sha256(("\n".join(ids) + "\n").encode()).hexdigest()
    held.refresh_from_db()
    assert held.culled_at is None


def test_a_type_unregistered_when_proposed_is_left_alone_by_the_run(
    active_account, communicator, monkeypatch
):
    from retention import kinds

    _rule("visitor_items", communicator)
    old_item(active_account, 2021)
    registered = kinds.registered()
    monkeypatch.setattr(kinds, "_REGISTRY", dict(registered))
    kinds.unregister("messages")
    proposal = services.proposal_prepare(actor=communicator)
    monkeypatch.setattr(kinds, "_REGISTRY", dict(registered))
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        run = services.proposal_approve(proposal=proposal, actor=communicator)
    logged = set(CullingLogEntry.objects.filter(run=run).values_list("kind", flat=True))
    assert logged == {
        "visitor_items",
        "own_posts",
        "evidence",
        "moderation_actions",
        "raw_events",
        "request_deliveries",
    }


def test_each_runs_log_counts_only_what_that_run_culled(active_account, communicator):
    _rule("visitor_items", communicator)
    first = [old_item(active_account, 2021), old_item(active_account, 2021)]
    _proposal, first_run = _approve_and_run(communicator)
    later = old_item(active_account, 2022)
    _proposal, second_run = _approve_and_run(communicator)
    logs = {
        run: CullingLogEntry.objects.get(run=run, kind="visitor_items")
        for run in (first_run, second_run)
    }
    assert (logs[first_run].culled, logs[second_run].culled) == (2, 1)
    assert logs[second_run].counts["items"] == 1
    assert logs[second_run].first_date == logs[second_run].last_date == later.published_at
    lines = f"visitor_items:{later.pk}\n"
    assert logs[second_run].identifiers_sha256 == hashlib.sha256(lines.encode()).hexdigest()
    assert logs[first_run].counts["items"] == len(first)


def test_a_rerun_culls_nothing_its_log_would_not_list(active_account, communicator):
    """An attempt killed after a type was logged leaves that type alone when run again: what
    it culled then would be in no log entry."""
    _rule("visitor_items", communicator)
    old_item(active_account, 2021)
    _proposal, run = _approve_and_run(communicator)
    CullingRun.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING)
    late = old_item(active_account, 2021)  # due by the proposal's date, but not in its log
    batches = CulledBatch.objects.count()
    services.run_culling(run_id=run.pk)
    late.refresh_from_db()
    assert late.culled_at is None
    assert CulledBatch.objects.count() == batches
    assert CullingLogEntry.objects.get(run=run, kind="visitor_items").culled == 1


def test_a_package_is_checked_once_per_run_whatever_the_types_it_covers(
    active_account, communicator
):
    from archiving.models import FixityCheck

    item = old_item(active_account, 2021)
    removal_records(item, communicator)
    _rule("visitor_items", communicator, disposal="preserve")
    _rule("evidence", communicator, disposal="preserve")
    snapshot = complete_snapshot(active_account, 2021)
    _proposal, run = _approve_and_run(communicator)
    culled = dict(CullingLogEntry.objects.filter(run=run).values_list("kind", "culled"))
    assert (culled["visitor_items"], culled["evidence"]) == (1, 1)
    assert FixityCheck.objects.filter(snapshot=snapshot).count() == 1


def test_a_change_after_an_unregistered_type_still_outdates_the_proposal(
    active_account, communicator, monkeypatch
):
    from retention import kinds

    monkeypatch.setattr(kinds, "_REGISTRY", kinds.registered())
    kinds.unregister("messages")
    _rule("visitor_items", communicator)
    _rule("evidence", communicator, period_months=0)
    item = old_item(active_account, 2021)
    proposal = services.proposal_prepare(actor=communicator)
    removal_records(item, communicator)  # new evidence, due at once
    with pytest.raises(ValidationError, match="Handlingarna har ändrats"):
        services.proposal_approve(proposal=proposal, actor=communicator)
    assert not CullingRun.objects.exists()
