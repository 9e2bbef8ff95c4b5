from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from accounts.models import SocialAccount
from accounts.selectors import account_by_address
from moderation.importing import import_rows, parse_file
from moderation.models import ItemSource


class Command(BaseCommand):
    help = (
        "Import items from a CSV, JSON or JSON Lines file into one account. "
        "If any row is wrong, nothing of the file is imported."
    )

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument(
            "--account", required=True, help="The account's canonical address or id."
        )

    def handle(self, *args, path, account, **options):
        qs = SocialAccount.objects.active()
        found = qs.filter(pk=int(account)).first() if account.isdigit() else None
        found = found or account_by_address(account, qs)
        if found is None:
            raise CommandError(f"No active account {account!r}.")
        try:
            with open(path, "rb") as handle:
                content = handle.read()
        except OSError as exc:
            raise CommandError(str(exc)) from exc
        parsed = parse_file(content)
        if parsed.read_as:
            self.stdout.write(_("The file was read as %(read_as)s.") % {"read_as": parsed.read_as})
        if parsed.errors:
            raise CommandError("Nothing imported.\n" + "\n".join(parsed.errors))
        try:
            results = import_rows(account=found, rows=parsed.rows, source=ItemSource.IMPORT)
        except ValidationError as exc:
            raise CommandError("Nothing imported.\n" + "\n".join(exc.messages)) from exc
        created = sum(1 for r in results if r.created)
        changed = sum(1 for r in results if r.changed and not r.created)
        self.stdout.write(f"Imported {created} new items and {changed} new versions.")
