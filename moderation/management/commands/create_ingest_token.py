from django.core.management.base import BaseCommand

from moderation.services import ingest_token_create


class Command(BaseCommand):
    help = (
        "Create the ingest token of a connector, revoking its previous one. "
        "The token is printed once; only its hash is stored."
    )

    def add_arguments(self, parser):
        parser.add_argument("name", help="The connector, e.g. facebook.")

    def handle(self, *args, name, **options):
        token, raw = ingest_token_create(name=name)
        self.stdout.write(f"Token for {token.name} (shown once, keep it in the connector):")
        self.stdout.write(raw)
