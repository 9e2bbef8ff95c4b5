"""The culling log, holds and approvals are append-only; the moderation records refuse every
change but the one culling makes, and only inside the culling path (R22, R23)."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from retention import services
from retention.culling import culling_writes
from retention.models import CullingLogEntry, LegalHold, RuleVersion

from .conftest import complete_snapshot, old_item, removal_records

pytestmark = pytest.mark.django_db


def _postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("the triggers guard PostgreSQL, the production database")


def test_the_models_refuse_changes():
    rule = RuleVersion.objects.first()
    with pytest.raises(TypeError):
        rule.save()
    with pytest.raises(TypeError):
        RuleVersion.objects.all().delete()
    with pytest.raises(TypeError):
        CullingLogEntry.objects.update(culled=0)
    with pytest.raises(TypeError):
        LegalHold.objects.all().delete()


@pytest.mark.parametrize(
    "table", ["retention_ruleversion", "retention_cullinglogentry", "retention_legalhold"]
)
def test_the_database_refuses_to_change_retention_records(table, active_account, communicator):
    _postgresql()
    old_item(active_account, 2021)
    complete_snapshot(active_account, 2021)  # the default rule preserves first
    proposal = services.proposal_prepare(actor=communicator)
    run = services.proposal_approve(proposal=proposal, actor=communicator)
    services.run_culling(run_id=run.pk)
    services.hold_place(actor=communicator, scope="account", account=active_account, reason="x")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 - a fixed table name
        assert cursor.fetchone()[0] > 0
    for sql in (f"UPDATE {table} SET id = id", f"DELETE FROM {table}"):  # noqa: S608
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)


def test_outside_culling_the_moderation_records_stay_guarded(active_account, communicator):
    _postgresql()
    item = old_item(active_account, 2021)
    evidence, action = removal_records(item, communicator)
    statements = [
        ("DELETE FROM moderation_itemversion WHERE item_id = %s", item.pk),
        ("UPDATE moderation_evidence SET html = '' WHERE id = %s", evidence.pk),
        ("UPDATE moderation_moderationaction SET reason = '' WHERE id = %s", action.pk),
    ]
    for sql, pk in statements:
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [pk])


def test_inside_culling_only_the_culling_change_passes(active_account, communicator):
    _postgresql()
    item = old_item(active_account, 2021)
    evidence, action = removal_records(item, communicator)
    # Even on the culling path an evidence row cannot be deleted or changed without marking it.
    for sql in (
        "DELETE FROM moderation_evidence WHERE id = %s",
        "UPDATE moderation_evidence SET html = 'forged' WHERE id = %s",
    ):
        with (
            pytest.raises(DatabaseError),
            transaction.atomic(),
            culling_writes(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [evidence.pk])
    with transaction.atomic(), culling_writes(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE moderation_evidence SET html = '', culled_at = now() WHERE id = %s",
            [evidence.pk],
        )
        cursor.execute("DELETE FROM moderation_itemversion WHERE item_id = %s", [item.pk])
    # The setting ends with the transaction: the next one is guarded again.
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE moderation_moderationaction SET reason = '' WHERE id = %s", [action.pk]
        )
