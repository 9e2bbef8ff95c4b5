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


# --- What a refused hold tells the communicator, and what a placed hold records ---------------


def _refusal(communicator, **fields) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as exc:
        services.hold_place(actor=communicator, **fields)
    assert not LegalHold.objects.exists()
    return exc.value.message_dict


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        (
            {"scope": "account", "reason": "  "},
            {"reason": ["Ange skälet till spärren."], "account": ["Välj kontot som ska spärras."]},
        ),
        ({"scope": "everything", "reason": "x"}, {"scope": ["Välj vad spärren gäller."]}),
        (
            {"scope": "date_range", "reason": "x", "date_from": dt.date(2020, 1, 1)},
            {"date_from": ["Ange både första och sista dagen i perioden."]},
        ),
        (
            {"scope": "date_range", "reason": "x", "date_to": dt.date(2020, 1, 1)},
            {"date_from": ["Ange både första och sista dagen i perioden."]},
        ),
        (
            {
                "scope": "date_range",
                "reason": "x",
                "date_from": dt.date(2020, 1, 2),
                "date_to": dt.date(2020, 1, 1),
            },
            {"date_to": ["Perioden slutar innan den börjar."]},
        ),
        (
            {"scope": "search", "reason": "x", "search": " b "},
            {"search": ["Sök på minst två tecken."]},
        ),
        ({"scope": "search", "reason": "x"}, {"search": ["Sök på minst två tecken."]}),
        (
            {"scope": "search", "reason": "x", "search": "zzzz-finns-inte"},
            {"search": ["Sökningen hittar inga inlägg att spärra."]},
        ),
        (
            {"scope": "items", "reason": "x"},
            {"item_ids": ["Ange numren på inläggen som ska spärras."]},
        ),
        (
            {"scope": "items", "reason": "x", "item_ids": []},
            {"item_ids": ["Ange numren på inläggen som ska spärras."]},
        ),
    ],
)
def test_a_refused_hold_says_what_to_correct(communicator, fields, expected):
    assert _refusal(communicator, **fields) == expected


def test_an_account_hold_whose_range_ends_before_it_starts_is_refused(active_account, communicator):
    refusal = _refusal(
        communicator,
        scope="account",
        account=active_account,
        reason="Tvist",
        date_from=dt.date(2021, 5, 2),
        date_to=dt.date(2021, 5, 1),
    )
    assert refusal == {"date_to": ["Perioden slutar innan den börjar."]}


def test_a_hold_on_items_names_every_number_that_does_not_exist(active_account, communicator):
    item = old_item(active_account, 2021)
    missing = [item.pk + 1000, item.pk + 20]
    refusal = _refusal(communicator, scope="items", reason="x", item_ids=[*missing, item.pk])
    assert refusal == {"item_ids": [f"Inget inlägg har numret {item.pk + 20}, {item.pk + 1000}."]}


def test_a_search_limited_to_an_account_finds_only_that_accounts_items(
    active_account, second_account, communicator
):
    old_item(active_account, 2021, text="Bygglov vid älven")
    refusal = _refusal(
        communicator, scope="search", search="bygglov", account=second_account, reason="JO"
    )
    assert refusal == {"search": ["Sökningen hittar inga inlägg att spärra."]}


def test_a_search_of_two_characters_is_enough(active_account, communicator):
    item = old_item(active_account, 2021, text="Ett JO-ärende")
    hold = services.hold_place(actor=communicator, scope="search", search="jo", reason="JO")
    assert list(hold.items.values_list("item_id", flat=True)) == [item.pk]


def test_an_account_hold_records_the_account_and_its_dates(active_account, communicator):
    hold = services.hold_place(
        actor=communicator,
        scope="account",
        account=active_account,
        date_from=dt.date(2021, 1, 1),
        date_to=dt.date(2021, 12, 31),
        search="ignored",
        item_ids=[1, 2],
        reason="  Tvist om inlägg \n",
    )
    hold = LegalHold.objects.get(pk=hold.pk)
    assert (hold.scope, hold.account, hold.date_from, hold.date_to, hold.search) == (
        "account",
        active_account,
        dt.date(2021, 1, 1),
        dt.date(2021, 12, 31),
        "",
    )
    assert (hold.reason, hold.placed_by) == ("Tvist om inlägg", communicator)
    assert not hold.items.exists()


def test_a_date_range_hold_records_only_the_dates(active_account, communicator):
    hold = services.hold_place(
        actor=communicator,
        scope="date_range",
        account=active_account,
        date_from=dt.date(2020, 3, 1),
        date_to=dt.date(2020, 3, 31),
        search="ignored",
        reason="Granskning",
    )
    hold = LegalHold.objects.get(pk=hold.pk)
    assert (hold.account, hold.date_from, hold.date_to, hold.search) == (
        None,
        dt.date(2020, 3, 1),
        dt.date(2020, 3, 31),
        "",
    )
    assert not hold.items.exists()


def test_a_search_hold_records_the_search_and_the_items_it_finds_now(
    active_account, second_account, communicator
):
    found = [
        old_item(active_account, 2021, text="Olovlig BYGGNATION vid älven"),
        old_item(active_account, 2022, text="Mer om byggnationen"),
    ]
    old_item(active_account, 2021, text="Något annat")
    old_item(second_account, 2021, text="Byggnation i biblioteket")
    hold = services.hold_place(
        actor=communicator,
        scope="search",
        search="  byggnation ",
        account=active_account,
        date_from=dt.date(2021, 1, 1),
        date_to=dt.date(2021, 12, 31),
        reason="JO-anmälan",
    )
    later = old_item(active_account, 2021, text="Byggnation igen")
    hold = LegalHold.objects.get(pk=hold.pk)
    assert (hold.account, hold.search, hold.date_from, hold.date_to) == (
        active_account,
        "byggnation",
        None,
        None,
    )
    held = list(hold.items.order_by("item_id").values_list("item_id", flat=True))
    assert held == [item.pk for item in found]
    assert later.pk not in held


def test_a_hold_on_single_items_records_exactly_those_items(
    active_account, second_account, communicator
):
    items = [old_item(active_account, 2021), old_item(second_account, 2022)]
    old_item(active_account, 2021)
    hold = services.hold_place(
        actor=communicator,
        scope="items",
        item_ids=[items[1].pk, items[0].pk, items[0].pk],
        account=active_account,
        date_from=dt.date(2021, 1, 1),
        date_to=dt.date(2021, 12, 31),
        search="ignored",
        reason="Polisanmälan",
    )
    hold = LegalHold.objects.get(pk=hold.pk)
    assert (hold.account, hold.date_from, hold.date_to, hold.search) == (None, None, None, "")
    held = sorted(hold.items.values_list("item_id", flat=True))
    assert held == sorted(item.pk for item in items)


def test_a_hold_is_released_once_with_its_reason_recorded(active_account, communicator):
    hold = services.hold_place(
        actor=communicator, scope="account", account=active_account, reason="Tvist"
    )
    release = services.hold_release(hold=hold, actor=communicator, reason=" Avgjord \n")
    release = HoldRelease.objects.get(pk=release.pk)
    assert (release.hold, release.reason, release.released_by) == (hold, "Avgjord", communicator)
    with pytest.raises(ValidationError) as exc:
        services.hold_release(hold=hold, actor=communicator, reason="Igen")
    assert exc.value.messages == ["Spärren är redan hävd."]
    assert HoldRelease.objects.count() == 1


def test_a_release_without_a_reason_says_so(active_account, communicator):
    hold = services.hold_place(
        actor=communicator, scope="account", account=active_account, reason="Tvist"
    )
    with pytest.raises(ValidationError) as exc:
        services.hold_release(hold=hold, actor=communicator, reason=None)
    assert exc.value.message_dict == {"reason": ["Ange skälet till att spärren hävs."]}


def test_nobody_else_places_or_releases_a_hold_nor_without_an_actor(
    active_account, owner, communicator
):
    for actor in (owner, None):
        with pytest.raises(PermissionDenied):
            services.hold_place(actor=actor, scope="account", account=active_account, reason="x")
    assert not LegalHold.objects.exists()
    hold = services.hold_place(
        actor=communicator, scope="account", account=active_account, reason="x"
    )
    with pytest.raises(PermissionDenied):
        services.hold_release(hold=hold, actor=owner, reason="y")
    assert not HoldRelease.objects.exists()
