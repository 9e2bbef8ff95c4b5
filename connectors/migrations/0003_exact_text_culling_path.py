"""Culling (retention, R22) may delete an item's exact texts in PostgreSQL, and nothing else may.

The append-only trigger of ``connectors_exacttext`` moves to the function the moderation records
use (``haparanda_refuse_change_unless_culling``, moderation migration 0011): every UPDATE and
DELETE is still refused, unless the transaction is culling (``hs.culling``, set only in
``retention.culling.culling_writes``) and the change is a DELETE.
"""

from django.db import migrations

TABLE = "connectors_exacttext"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f'DROP TRIGGER IF EXISTS "{TABLE}_append_only" ON "{TABLE}"')
    schema_editor.execute(
        f'CREATE TRIGGER "{TABLE}_append_only" BEFORE UPDATE OR DELETE ON "{TABLE}" '
        "FOR EACH ROW EXECUTE FUNCTION haparanda_refuse_change_unless_culling('delete')"
    )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f'DROP TRIGGER IF EXISTS "{TABLE}_append_only" ON "{TABLE}"')
    schema_editor.execute(
        f'CREATE TRIGGER "{TABLE}_append_only" BEFORE UPDATE OR DELETE ON "{TABLE}" '
        "FOR EACH ROW EXECUTE FUNCTION haparanda_refuse_change()"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("connectors", "0002_capture_state"),
        ("moderation", "0011_culling_path_for_append_only_records"),
    ]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
