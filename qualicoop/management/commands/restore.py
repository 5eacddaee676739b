"""Restore a dump made by `backup` into an empty, migrated database.

Refuses a database that already holds accounts or cooperatives: merging a
backup into live data would silently mix two states.
"""

from pathlib import Path

from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from commitments import summaries
from coops.models import Cooperative


class Command(BaseCommand):
    help = "Restaure une sauvegarde (.json.gz) dans une base vide."

    def add_arguments(self, parser):
        parser.add_argument("file", help="Fichier produit par `manage.py backup`")

    def handle(self, *args, file, **options):
        if not Path(file).is_file():
            raise CommandError(f"Fichier introuvable : {file}")
        call_command("migrate", interactive=False, verbosity=0)
        if User.objects.exists() or Cooperative.objects.exists():
            raise CommandError(
                "La base n'est pas vide : restaurez dans une base neuve (DATABASE_URL)."
            )
        with transaction.atomic():
            call_command("loaddata", file, verbosity=0)
            # A backup leaves the summaries out: they are worked out from its rows.
            summaries.rebuild()
        self.stdout.write(self.style.SUCCESS(f"Sauvegarde restaurée : {file}"))
