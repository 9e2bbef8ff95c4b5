"""Reviews and request steps are append-only in PostgreSQL too; the search reaches versions and
triage records through GIN indexes like the items' (moderation migration 0005); the list of
secrecy provisions starts with the ones a municipality's social media most often needs."""

from django.db import migrations

from haparanda_social.db import append_only

PROVISIONS = [
    (
        "21 kap. 7 §",
        "Personuppgifter vars utlämnande skulle strida mot dataskyddsförordningen",
    ),
    ("23 kap. 2 §", "Enskildas personliga förhållanden i förskola och skola"),
    ("25 kap. 1 §", "Enskildas hälsotillstånd och personliga förhållanden i hälso- och sjukvård"),
    ("26 kap. 1 §", "Enskildas personliga förhållanden inom socialtjänsten"),
    ("39 kap. 3 §", "Enskildas personliga förhållanden i personalsocial verksamhet"),
]

INDEXES = [
    (
        "itemversion_text_swedish_fts",
        "moderation_itemversion USING gin (to_tsvector('swedish'::regconfig, text))",
    ),
    ("itemversion_text_folded_trgm", "moderation_itemversion USING gin (hs_fold(text) gin_trgm_ops)"),
    (
        "action_reason_swedish_fts",
        "moderation_moderationaction USING gin (to_tsvector('swedish'::regconfig, reason))",
    ),
    (
        "action_reason_folded_trgm",
        "moderation_moderationaction USING gin (hs_fold(reason) gin_trgm_ops)",
    ),
    (
        "action_reply_swedish_fts",
        "moderation_moderationaction USING gin (to_tsvector('swedish'::regconfig, reply_text))",
    ),
    (
        "action_reply_folded_trgm",
        "moderation_moderationaction USING gin (hs_fold(reply_text) gin_trgm_ops)",
    ),
]


def seed(apps, schema_editor):
    provision = apps.get_model("records", "SecrecyProvision")
    for citation, description in PROVISIONS:
        provision.objects.get_or_create(citation=citation, defaults={"description": description})


def indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, definition in INDEXES:
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {definition}")


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _definition in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("records", "0001_initial"),
        ("moderation", "0005_queue_search"),
    ]

    operations = [
        append_only("records_itemreview"),
        append_only("records_requestevent"),
        migrations.RunPython(seed, migrations.RunPython.noop),
        migrations.RunPython(indexes, drop_indexes, elidable=False),
    ]
