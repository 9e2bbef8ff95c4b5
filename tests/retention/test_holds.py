"""Legal holds: nothing held is culled, whatever the rules say; placing and releasing are
recorded, and other apps' hold sources count like our own (R22)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import TestCase

from moderation.models import Item
from retention import holds, services
from retention.models import CullingLogEntry, HoldRelease, LegalHold

from .conftest import old_item, removal_records

pytestmark = pytest.mark.django_db


@pytest.fixture
def cull_comments_rule(communicator):
    return services.rule_change(
        kind="visitor_items",
        actor=communicator,
        period_months=12,
        anchor="end_of_year",
        disposal="cull",
        decision_body="Kommunstyrelsen",
        decision_date=dt.date(2025, 3, 1),
        decision_reference="KS 2025/17",
        why="Plan antagen.",
    )


def _cull(communicator):
    proposal = services.proposal_prepare(actor=communicator)
    if proposal.total:
        with TestCase.captureOnCommitCallbacks(execute=True):
            services.proposal_approve(proposal=proposal, actor=communicator)
    return proposal


def _culled(*items) -> list[bool]:
    return [Item.objects.get(pk=i.pk).culled_at is not None for i in items]


def test_an_account_hold_keeps_the_account_untouched(
    active_account, second_account, communicator, cull_comments_rule
):
    held = old_item(active_account, 2021)
    free = old_item(second_account, 2021)
    evidence, _action = removal_records(held, communicator)
    services.rule_change(
        kind="evidence",
        actor=communicator,
        period_months=0,
        anchor="end_of_year",
        disposal="cull",
        decision_body="KS",
        decision_date=dt.date(2025, 1, 1),
        decision_reference="KS 1",
        why="x",
    )
    hold = services.hold_place(
        actor=communicator, scope="account", account=active_account, reason="Tvist om inlägg"
    )
    proposal = _cull(communicator)
    assert _culled(held, free) == [False, True]
    evidence.refresh_from_db()
    assert evidence.culled_at is None and evidence.html
    entry = next(e for e in proposal.summary if e["kind"] == "visitor_items")
    assert entry["held"] == 1 and entry["to_cull"] == 1
    assert hold.placed_by == communicator and hold.reason == "Tvist om inlägg"


def test_date_range_search_and_single_item_holds(
    active_account, second_account, communicator, cull_comments_rule
):
    in_range = old_item(second_account, 2020, month=3)
    found = old_item(second_account, 2021, text="Olovlig byggnation vid älven")
    single = old_item(second_account, 2021)
    free = old_item(second_account, 2022)
    services.hold_place(
        actor=communicator,
        scope="date_range",
        date_from=dt.date(2020, 3, 1),
        date_to=dt.date(2020, 3, 1),
        reason="Granskning",
    )
    services.hold_place(actor=communicator, scope="search", search="byggnation", reason="JO")
    services.hold_place(actor=communicator, scope="items", item_ids=[single.pk], reason="Polis")
    _cull(communicator)
    assert _culled(in_range, found, single, free) == [False, False, False, True]


def test_a_released_hold_no_longer_protects_and_both_acts_are_recorded(
    active_account, communicator, cull_comments_rule
):
    item = old_item(active_account, 2021)
    hold = services.hold_place(
        actor=communicator, scope="items", item_ids=[item.pk], reason="Begäran"
    )
    _cull(communicator)
    assert _culled(item) == [False]
    release = services.hold_release(hold=hold, actor=communicator, reason="Ärendet avslutat")
    assert release.released_by == communicator
    _cull(communicator)
    assert _culled(item) == [True]


@pytest.mark.parametrize("reason", ["", "   "])
def test_releasing_without_a_reason_is_refused(active_account, communicator, reason):
    hold = services.hold_place(
        actor=communicator, scope="account", account=active_account, reason="Tvist"
    )
    with pytest.raises(ValidationError):
        services.hold_release(hold=hold, actor=communicator, reason=reason)
    assert not HoldRelease.objects.exists()


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"scope": "account", "reason": ""}, "reason"),
        ({"scope": "account", "reason": "x"}, "account"),
        ({"scope": "date_range", "reason": "x", "date_from": dt.date(2020, 1, 1)}, "date_from"),
        (
            {
                "scope": "date_range",
                "reason": "x",
                "date_from": dt.date(2021, 1, 1),
                "date_to": dt.date(2020, 1, 1),
            },
            "date_to",
        ),
        ({"scope": "search", "reason": "x", "search": "zzzz-finns-inte"}, "search"),
        ({"scope": "items", "reason": "x", "item_ids": [999999]}, "item_ids"),
    ],
)
def test_a_bad_hold_is_refused_and_changes_nothing(communicator, fields, field):
    with pytest.raises(ValidationError) as exc:
        services.hold_place(actor=communicator, **fields)
    assert field in exc.value.error_dict
    assert not LegalHold.objects.exists()


def test_only_the_communicator_places_and_releases_holds(active_account, owner, communicator):
    with pytest.raises(PermissionDenied):
        services.hold_place(actor=owner, scope="account", account=active_account, reason="x")
    hold = services.hold_place(
        actor=communicator, scope="account", account=active_account, reason="x"
    )
    with pytest.raises(PermissionDenied):
        services.hold_release(hold=hold, actor=owner, reason="y")


def test_items_another_app_holds_are_never_culled(active_account, communicator, cull_comments_rule):
    """The public-records app's ``retention_holds.held_item_ids`` holds the items of open
    requests; any registered source counts like a legal hold."""
    requested = old_item(active_account, 2021)
    other = old_item(active_account, 2021)
    holds.register_source("tests.open_requests", lambda: Item.objects.filter(pk=requested.pk))
    try:
        _cull(communicator)
    finally:
        holds.unregister_source("tests.open_requests")
    assert _culled(requested, other) == [False, True]


def test_hold_sources_are_discovered_from_installed_apps(monkeypatch):
    """An installed app's ``retention_holds`` module is found (here one put in place for an
    installed app, as the public-records app will provide)."""
    import sys
    import types

    module = types.ModuleType("archiving.retention_holds")
    module.held_item_ids = lambda: Item.objects.none()
    monkeypatch.setitem(sys.modules, "archiving.retention_holds", module)
    monkeypatch.setattr(holds, "_discovered", False)
    try:
        found = holds.sources()
    finally:
        holds.unregister_source("archiving.retention_holds")
    assert found["archiving.retention_holds"] is module.held_item_ids


def test_a_hold_placed_after_approval_still_protects(
    active_account, communicator, cull_comments_rule
):
    item = old_item(active_account, 2021)
    proposal = services.proposal_prepare(actor=communicator)
    run = services.proposal_approve(proposal=proposal, actor=communicator)  # not yet run
    services.hold_place(actor=communicator, scope="account", account=active_account, reason="x")
    services.run_culling(run_id=run.pk)
    assert _culled(item) == [False]
    entry = CullingLogEntry.objects.get(run=run, kind="visitor_items")
    assert (entry.culled, entry.held) == (0, 1)
