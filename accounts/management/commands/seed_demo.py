from django.core.management import call_command, get_commands
from django.core.management.base import BaseCommand

from accounts.demo import seed_registry


class Command(BaseCommand):
    help = (
        "Load realistic demo data: Haparanda's departments, the cast of users, a dozen accounts "
        "in different states and, where the moderation app provides it, a queue. Idempotent."
    )

    def handle(self, *args, **options):
        created = seed_registry()
        if options["verbosity"]:
            self.stdout.write(
                "Demodata skapad." if created else "Demodata fanns redan; inget ändrades."
            )
        if "seed_moderation_demo" in get_commands():
            call_command("seed_moderation_demo", verbosity=options["verbosity"])
        if "seed_records_demo" in get_commands():
            call_command("seed_records_demo", verbosity=options["verbosity"])
        if "seed_retention_defaults" in get_commands():
            call_command("seed_retention_defaults", verbosity=options["verbosity"])
