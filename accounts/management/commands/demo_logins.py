from django.core.management.base import BaseCommand

from accounts.demo import DEMO_PASSWORD, DEMO_USERS


class Command(BaseCommand):
    help = "Print the demo logins (only meaningful after seed_demo)."

    def handle(self, *args, **options):
        self.stdout.write(f"  Demoinloggningar (lösenord för alla: {DEMO_PASSWORD}):")
        for user in DEMO_USERS:
            self.stdout.write(f"    {user['username']:<20} {user['role_description']}")
        self.stdout.write(
            "  Andra steget: demoläget (DEMO_MODE=true) visar engångskoden på sidan efter "
            "lösenordet; eller lägg in nyckeln GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ i en "
            "autentiseringsapp."
        )
