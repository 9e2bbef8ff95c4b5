from django.core.management.base import BaseCommand

from records.services import provisions_ensure_default


class Command(BaseCommand):
    help = "Put the default secrecy provisions on the list for requests for public records."

    def handle(self, *args, **options):
        added = provisions_ensure_default()
        if options["verbosity"]:
            self.stdout.write(f"Sekretessbestämmelser tillagda: {added}.")
