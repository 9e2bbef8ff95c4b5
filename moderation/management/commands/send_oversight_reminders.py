from django.core.management.base import BaseCommand

from moderation.services import oversight_remind


class Command(BaseCommand):
    help = "E-mail about active accounts not checked today (does nothing on holidays)."

    def handle(self, *args, **options):
        count = oversight_remind()
        self.stdout.write(f"Reminded about {count} accounts.")
