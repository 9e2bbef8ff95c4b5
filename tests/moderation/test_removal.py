"""Evidence and the moderation record are append-only in the database itself (R14, R23)."""

import pytest
from django.db import DatabaseError, connection, transaction

from moderation.models import Evidence, ModerationAction
from moderation.services import evidence_take

pytestmark = pytest.mark.django_db


def test_the_database_refuses_to_change_evidence_or_actions_in_postgresql(owner, item):
    if connection.vendor != "postgresql":
        pytest.skip("the trigger guards PostgreSQL, the production database")
    evidence = evidence_take(item=item, actor=owner)
    action_id = ModerationAction.objects.filter(item=item).values_list("pk", flat=True).first()
    statements = [
        ("UPDATE moderation_evidence SET data_sha256 = 'forged' WHERE id = %s", evidence.pk),
        ("DELETE FROM moderation_evidence WHERE id = %s", evidence.pk),
    ]
    if action_id:
        statements.append(("DELETE FROM moderation_moderationaction WHERE id = %s", action_id))
    for sql, pk in statements:
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [pk])
    evidence.refresh_from_db()
    assert evidence.data_sha256 != "forged"
    assert Evidence.objects.filter(pk=evidence.pk).exists()
