"""Map a Facebook Page, Instagram account or Mastodon account to a registry account.

The token is never a command-line argument (it would end up in the shell history and the
process list): name an environment variable with ``--token-env``, or pipe the token on standard
input with ``--token-stdin`` to store it encrypted.
"""

import sys

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.selectors import account_by_address
from connectors.services import connector_configure
from moderation.models import ConnectorPlatform


class Command(BaseCommand):
    help = "Map a platform page or account to a registry account for the connectors."

    def add_arguments(self, parser):
        parser.add_argument("account_url", help="The account's canonical address in the registry.")
        parser.add_argument("platform", choices=ConnectorPlatform.values)
        parser.add_argument("external_id", help="Page id, Instagram account id or Mastodon id.")
        parser.add_argument("--api-base", default="", help="Mastodon: https://server")
        parser.add_argument("--token-env", default="", help="Variable that holds the token.")
        parser.add_argument("--token-stdin", action="store_true", help="Read the token from stdin.")
        parser.add_argument("--disable", action="store_true")

    def handle(self, *args, **options):
        account = account_by_address(options["account_url"])
        if account is None:
            raise CommandError(f"No account with the address {options['account_url']}.")
        token = sys.stdin.readline().strip() if options["token_stdin"] else ""
        try:
            config, created = connector_configure(
                account=account,
                platform=options["platform"],
                external_id=options["external_id"],
                api_base=options["api_base"],
                token_env=options["token_env"],
                token=token,
                enabled=not options["disable"],
            )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        verb = "Created" if created else "Updated"
        sends = "sends to the platform" if config.has_token else "manual (no token)"
        self.stdout.write(f"{verb} {config} for {account.display_name}: {sends}.")
