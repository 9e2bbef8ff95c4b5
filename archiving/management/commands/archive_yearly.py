from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from archiving import services


class Command(BaseCommand):
    help = (
        "Create the missing yearly snapshots of one year (default: the previous year). "
        "A year that has not ended is refused."
    )

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, default=None)

    def handle(self, *args, year=None, **options):
        try:
            created = services.schedule_yearly_snapshots(year=year)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self.stdout.write(f"{len(created)} yearly snapshot(s) created.")
