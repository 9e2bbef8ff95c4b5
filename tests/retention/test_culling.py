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
from retention.models import CulledBatch, CullingLogEntry, CullingRun, RunStatus

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


def test_only_the_communicator_changes_rules_and_approves(owner, communicator):
    with pytest.raises(PermissionDenied):
        _rule("visitor_items", owner)
    proposal = services.proposal_prepare()
    with pytest.raises(PermissionDenied):
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
