"""Default retention rules, shipped as suggestions (``is_default``): the interface marks them
"förslag att bekräfta" until the communicator records the municipality's own decision."""

from django.db import migrations

from retention.defaults import ensure_default_rules


def forwards(apps, schema_editor):
    ensure_default_rules(apps.get_model("retention", "RuleVersion"))


class Migration(migrations.Migration):
    dependencies = [("retention", "0002_append_only_in_postgresql")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
