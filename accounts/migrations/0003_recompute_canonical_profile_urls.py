"""Recompute the stored canonical addresses after the address parser learned new forms.

Mastodon names are now kept in lower case, language and mobile hosts are recognised as their
platform, and Facebook pages without a user name keep their id. The stored address is what the
public lookup and the duplicate check compare, so it must be in the new form.

An address the parser now refuses is left as it is: ``https://www.facebook.com/people`` and
``https://www.facebook.com/pg`` (the old, lossy form) cannot be repaired from what was stored,
because the page id was never kept. They no longer match any lookup (the visitor is told the
address is not official, which is the safe answer). They are named on the console when the
migration runs, so that their addresses can be corrected by hand.
"""

from django.core.exceptions import ValidationError
from django.db import migrations

from accounts.platforms import parse_profile_url


def recompute(apps, schema_editor):
    SocialAccount = apps.get_model("accounts", "SocialAccount")
    unrepaired = []
    for account in SocialAccount.objects.order_by("pk").iterator():
        try:
            parsed = parse_profile_url(account.url)
        except ValidationError:
            unrepaired.append(account)
            continue
        new = {"platform": parsed.platform, "handle": parsed.handle, "url": parsed.url}
        if all(getattr(account, field) == value for field, value in new.items()):
            continue
        taken = (
            SocialAccount.objects.filter(url=parsed.url)
            .exclude(pk=account.pk)
            .exclude(status="rejected")
            .exists()
        )
        if taken and account.status != "rejected":
            # Two rows that are now the same address: keep both as they are, for a person to
            # decide which one is the account.
            unrepaired.append(account)
            continue
        SocialAccount.objects.filter(pk=account.pk).update(**new)
    for account in unrepaired:
        print(  # shown once, to whoever runs the migration
            f"\n  Account {account.pk} ({account.display_name}): the address {account.url} "
            "could not be recomputed; correct it by hand."
        )


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_decisions_append_only_in_postgresql")]

    operations = [migrations.RunPython(recompute, migrations.RunPython.noop, elidable=True)]
