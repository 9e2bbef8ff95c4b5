"""Property: whatever the items, rules and holds, no held item and no item without its required
verified package is ever culled, nothing not yet due is culled, and the log's counts match what
disappeared (R22)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings, target
from hypothesis import strategies as st

from moderation.models import Item, ItemVersion
from retention import services
from retention.kinds import end_of_year_cutoff
from retention.models import CullingLogEntry, CullingRun
from tests.properties import examples

from .conftest import complete_snapshot, old_item

ITEM_KINDS = {"visitor_items", "messages", "own_posts"}

items_strategy = st.lists(
    st.fixed_dictionaries(
        {
            "account": st.integers(0, 1),
            "year": st.integers(2019, 2026),
            "kind": st.sampled_from(["comment", "reply", "message", "post"]),
            "by_municipality": st.booleans(),
            "open": st.booleans(),
            "edited": st.booleans(),
        }
    ),
    min_size=1,
    max_size=12,
)
rule_strategy = st.fixed_dictionaries(
    {
        "period_months": st.integers(0, 72),
        "anchor": st.sampled_from(["end_of_year", "received"]),
        "disposal": st.sampled_from(["preserve", "cull"]),
    }
)
rules_strategy = st.fixed_dictionaries(dict.fromkeys(sorted(ITEM_KINDS), rule_strategy))
snapshots_strategy = st.lists(
    st.tuples(st.integers(0, 1), st.integers(2019, 2026), st.booleans()),
    max_size=6,
    unique_by=lambda s: (s[0], s[1]),
)
holds_strategy = st.fixed_dictionaries(
    {
        "account": st.sampled_from([None, 0, 1]),
        "items": st.lists(st.integers(0, 11), max_size=4),
    }
)


def _kind_of(item: Item) -> str:
    if item.kind == "message":
        return "messages"
    return "own_posts" if item.by_municipality else "visitor_items"


@pytest.mark.django_db
@settings(
    max_examples=examples(25),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    items=items_strategy,
    rules=rules_strategy,
    snapshots=snapshots_strategy,
    holds=holds_strategy,
)
def test_no_held_or_unpreserved_item_is_culled_and_the_log_adds_up(
    active_account, second_account, communicator, items, rules, snapshots, holds
):
    accounts = [active_account, second_account]
    with transaction.atomic():
        created = []
        for spec in items:
            item = old_item(
                accounts[spec["account"]],
                spec["year"],
                kind=spec["kind"],
                by_municipality=spec["by_municipality"],
                status="new" if spec["open"] else "handled",
            )
            if spec["edited"]:
                from moderation.services import ingest_item

                ingest_item(
                    account=item.account,
                    platform_id=item.platform_id,
                    kind=item.kind,
                    author_name=item.author_name,
                    text=item.text + " (ändrad)",
                    published_at=item.published_at,
                    source=item.source,
                    by_municipality=item.by_municipality,
                    changed_at=item.published_at + dt.timedelta(hours=1),
                )
            created.append(item)
        for kind, rule in rules.items():
            services.rule_change(
                kind=kind,
                actor=communicator,
                decision_body="KS",
                decision_date=dt.date(2025, 1, 1),
                decision_reference="KS 1",
                why="Egenskapstest",
                **rule,
            )
        verified = set()
        for account_index, year, damaged in snapshots:
            snapshot = complete_snapshot(accounts[account_index], year)
            if damaged:
                with open(snapshot.file.path, "wb") as f:
                    f.write(b"changed")
            else:
                verified.add((accounts[account_index].pk, year))
        held_accounts = set()
        if holds["account"] is not None:
            account = accounts[holds["account"]]
            services.hold_place(actor=communicator, scope="account", account=account, reason="x")
            held_accounts.add(account.pk)
        held_items = {created[i].pk for i in holds["items"] if i < len(created)}
        if held_items:
            services.hold_place(
                actor=communicator, scope="items", item_ids=sorted(held_items), reason="y"
            )
        versions_before = ItemVersion.objects.count()

        proposal = services.proposal_prepare(actor=communicator)
        if proposal.total:
            run = services.proposal_approve(proposal=proposal, actor=communicator)
            services.run_culling(run_id=run.pk)

        culled = list(Item.objects.filter(culled_at__isnull=False))
        target(float(len(culled)))  # steer towards examples that cull a lot
        as_of = proposal.as_of
        for item in culled:
            rule = rules[_kind_of(item)]
            assert item.pk not in held_items
            assert item.account_id not in held_accounts
            assert item.status == "handled"
            if rule["disposal"] == "preserve":
                year = item.published_at.astimezone(end_of_year_cutoff(0, as_of).tzinfo).year
                assert (item.account_id, year) in verified
            if rule["anchor"] == "end_of_year":
                assert item.published_at < end_of_year_cutoff(rule["period_months"], as_of)
            assert item.text == "" and not item.versions.exists()
        entries = CullingLogEntry.objects.filter(run__in=CullingRun.objects.all())
        logged_items = sum(e.counts.get("items", 0) for e in entries if e.kind in ITEM_KINDS)
        logged_versions = sum(e.counts.get("item_versions", 0) for e in entries)
        assert logged_items == len(culled) == sum(e.culled for e in entries if e.kind in ITEM_KINDS)
        assert logged_versions == versions_before - ItemVersion.objects.count()
        transaction.set_rollback(True)
