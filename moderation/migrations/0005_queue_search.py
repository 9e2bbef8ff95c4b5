"""Search for the queue on PostgreSQL: the pg_trgm and unaccent extensions, an IMMUTABLE
folding function that expression indexes may use, a GIN index on the Swedish tsvector of the
text and trigram GIN indexes on the folded text and author name. Nothing happens on SQLite,
where the queue falls back to a plain substring match."""

from django.contrib.postgres.operations import TrigramExtension, UnaccentExtension
from django.db import migrations

FORWARD = [
    # unaccent() is only STABLE (its dictionary could change), so indexes cannot use it
    # directly; naming the dictionary makes the wrapper safe to declare IMMUTABLE.
    """
    CREATE OR REPLACE FUNCTION hs_fold(value text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
    AS $$ SELECT public.unaccent('public.unaccent'::regdictionary, lower(value)) $$
    """,
    """
    CREATE INDEX IF NOT EXISTS item_text_swedish_fts ON moderation_item
    USING gin (to_tsvector('swedish'::regconfig, text))
    """,
    """
    CREATE INDEX IF NOT EXISTS item_text_folded_trgm ON moderation_item
    USING gin (hs_fold(text) gin_trgm_ops)
    """,
    """
    CREATE INDEX IF NOT EXISTS item_author_folded_trgm ON moderation_item
    USING gin (hs_fold(author_name) gin_trgm_ops)
    """,
]
BACKWARD = [
    "DROP INDEX IF EXISTS item_author_folded_trgm",
    "DROP INDEX IF EXISTS item_text_folded_trgm",
    "DROP INDEX IF EXISTS item_text_swedish_fts",
    "DROP FUNCTION IF EXISTS hs_fold(text)",
]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for statement in FORWARD:
        schema_editor.execute(statement)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for statement in BACKWARD:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("moderation", "0004_item_claims")]

    operations = [
        TrigramExtension(),
        UnaccentExtension(),
        migrations.RunPython(forwards, backwards, elidable=False),
    ]
