from django.db import migrations

from haparanda_social.db import append_only


class Migration(migrations.Migration):
    dependencies = [("moderation", "0002_connectors")]

    operations = [
        append_only("moderation_itemversion"),
        append_only("moderation_moderationaction"),
        append_only("moderation_evidence"),
    ]
