from django.core.management.base import BaseCommand

from archiving import services


class Command(BaseCommand):
    help = "Re-hash every stored archival package; e-mail the communicators about any mismatch."

    def handle(self, *args, **options):
        problems = services.check_all_fixity()
        for check in problems:
            self.stderr.write(f"{check.snapshot_id}: {check.result}")
        self.stdout.write(f"{len(problems)} problem(s).")
        if problems:
            raise SystemExit(1)
