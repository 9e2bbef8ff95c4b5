"""Append-only records, shared by the apps: a model base and a PostgreSQL trigger for migrations.

Decisions, moderation actions, item versions and evidence are the guideline's documentation
(R23): once written they are never changed or deleted.
"""

from django.db import migrations, models


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("These records are append-only.")

    def delete(self):
        raise TypeError("These records are append-only.")


class AppendOnlyModel(models.Model):
    """Refuses every change after the first save, and deletion, through the ORM."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise TypeError("These records are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("These records are append-only.")


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
