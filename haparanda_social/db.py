"""Database-level guards shared by the apps' migrations."""

from django.db import migrations

_FUNCTION = """
CREATE OR REPLACE FUNCTION haparanda_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;
"""


def append_only(table: str) -> migrations.RunPython:
    """Make ``table`` append-only in PostgreSQL: UPDATE and DELETE raise, whoever runs them.

    The models already refuse changes; this also holds for raw SQL, the admin's bulk actions or
    a script. Only row-level UPDATE/DELETE are refused, so TRUNCATE (test teardown, a deliberate
    documented culling) still works. SQLite, the embedded default, keeps the model-level guard.
    """

    def forwards(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        schema_editor.execute(_FUNCTION, params=None)
        schema_editor.execute(
            f'CREATE TRIGGER "{table}_append_only" BEFORE UPDATE OR DELETE ON "{table}" '
            "FOR EACH ROW EXECUTE FUNCTION haparanda_refuse_change()"
        )

    def backwards(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        schema_editor.execute(f'DROP TRIGGER IF EXISTS "{table}_append_only" ON "{table}"')

    return migrations.RunPython(forwards, backwards, elidable=False)
