"""Import the staff directory from the HR system's CSV file (issue 12)."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.directory import directory_import_path
from accounts.models import DirectorySource


class Command(BaseCommand):
    help = (
        "Import the staff directory from a CSV file (employee id, name, e-mail, department, "
        "manager's employee id; semicolon or comma, UTF-8). A malformed file changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="The HR system's CSV file.")

    def handle(self, *args, path, **options):
        try:
            result = directory_import_path(path=path, source=DirectorySource.COMMAND)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        record = result.record
        self.stdout.write(
            f"Personalkatalogen är inläst: {record.added} tillagda, {record.changed} ändrade, "
            f"{record.left} borttagna, {record.unchanged} oförändrade."
        )
        for label, key in (("Tillagd", "added"), ("Ändrad", "changed"), ("Borttagen", "left")):
            for person in record.details.get(key, []):
                self.stdout.write(f"  {label}: {person['name']} ({person['employee_id']})")
