from django.db import migrations

from haparanda_social.db import append_only


class Migration(migrations.Migration):
    dependencies = [("retention", "0001_initial")]

    operations = [
        append_only("retention_ruleversion"),
        append_only("retention_cullingproposal"),
        append_only("retention_proposalapproval"),
        append_only("retention_culledbatch"),
        append_only("retention_cullinglogentry"),
        append_only("retention_legalhold"),
        append_only("retention_helditem"),
        append_only("retention_holdrelease"),
    ]
