"""Dump the whole database to a compressed JSON file, portable across SQLite and PostgreSQL.

Times are written to the microsecond (qualicoop/backup_format.py). Content types
and permissions are left out: `migrate` recreates them, and every reference to
them is written by natural key.
"""

from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.utils import timezone

EXCLUDED = ["contenttypes", "auth.permission"]


class Command(BaseCommand):
    help = "Sauvegarde toute la base dans un fichier .json.gz (voir aussi `restore`)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--output", help="Fichier de sortie (par défaut backups/<date>.json.gz)"
        )

    def handle(self, *args, output=None, **options):
        if not output:
            stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
            output = f"backups/qualicoop-{stamp}.json.gz"
        Path(output).parent.mkdir(parents=True, exist_ok=True)
        call_command(
            "dumpdata",
            format="json-exact",
            natural_foreign=True,
            natural_primary=True,
            exclude=EXCLUDED,
            output=output,
            verbosity=0,
        )
        self.stdout.write(self.style.SUCCESS(f"Sauvegarde écrite : {output}"))
