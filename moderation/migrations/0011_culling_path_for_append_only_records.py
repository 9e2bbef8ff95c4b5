"""Culling (retention, R22) is the one path allowed past the append-only guards of item versions,
moderation actions and evidence in PostgreSQL.

The triggers of these three tables move to a function that still refuses every UPDATE and
DELETE, unless the transaction has set ``hs.culling`` to ``on`` (``SET LOCAL``, only in
``retention.culling.culling_writes``) and the change is the one culling makes: deleting a
version, or marking an action or evidence culled (``culled_at`` set where it was empty).
"""

from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION haparanda_refuse_change_unless_culling() RETURNS trigger AS $$
BEGIN
    IF coalesce(current_setting('hs.culling', true), '') = 'on' THEN
        IF TG_OP = 'DELETE' AND TG_ARGV[0] = 'delete' THEN
            RETURN OLD;
        END IF;
        IF TG_OP = 'UPDATE' AND TG_ARGV[0] = 'blank'
           AND OLD.culled_at IS NULL AND NEW.culled_at IS NOT NULL THEN
            RETURN NEW;
        END IF;
    END IF;
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;
"""

TABLES = {
    "moderation_itemversion": "delete",
    "moderation_moderationaction": "blank",
    "moderation_evidence": "blank",
}


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTION, params=None)
    for table, allowed in TABLES.items():
        schema_editor.execute(f'DROP TRIGGER IF EXISTS "{table}_append_only" ON "{table}"')
        schema_editor.execute(
            f'CREATE TRIGGER "{table}_append_only" BEFORE UPDATE OR DELETE ON "{table}" '
            f"FOR EACH ROW EXECUTE FUNCTION haparanda_refuse_change_unless_culling('{allowed}')"
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f'DROP TRIGGER IF EXISTS "{table}_append_only" ON "{table}"')
        schema_editor.execute(
            f'CREATE TRIGGER "{table}_append_only" BEFORE UPDATE OR DELETE ON "{table}" '
            "FOR EACH ROW EXECUTE FUNCTION haparanda_refuse_change()"
        )
    schema_editor.execute("DROP FUNCTION IF EXISTS haparanda_refuse_change_unless_culling()")


class Migration(migrations.Migration):
    dependencies = [("moderation", "0010_culled_records")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
