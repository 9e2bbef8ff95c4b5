from django.core.management.base import BaseCommand

from retention.defaults import ensure_default_rules
from retention.models import RuleVersion


class Command(BaseCommand):
    help = (
        "Put the default retention rules (suggestions to confirm) in place where a type has none."
    )

    def handle(self, *args, **options):
        added = ensure_default_rules(RuleVersion)
        if options["verbosity"]:
            self.stdout.write(f"Gallringsregler (förslag) tillagda: {added}.")
