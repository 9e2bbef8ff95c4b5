from django.core.management.base import BaseCommand

from archiving import services


class Command(BaseCommand):
    help = (
        "Create every missing yearly snapshot and send lost, stale or failed builds again "
        "(what the daily catch-up does; useful after the workers were down)."
    )

    def handle(self, *args, **options):
        created = services.catch_up_snapshots()
        self.stdout.write(f"{len(created)} yearly snapshot(s) created.")
