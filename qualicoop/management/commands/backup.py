"""Back the database up into the file store, then apply the retention policy.

``--portable --output FILE`` writes instead the whole database as compressed
JSON, which loads into either engine: it moves a portal from SQLite to
PostgreSQL (README, "Sauvegardes"), read back by `restore`. Times are written
to the microsecond (qualicoop/lib/backup_format.py); content types and permissions
are left out, since `migrate` recreates them and every reference to them is
written by natural key.
"""

from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from qualicoop import backups

EXCLUDED = ["contenttypes", "auth.permission"]


class Command(BaseCommand):
    help = (
        "Sauvegarde la base dans le stockage de fichiers (backups/), puis supprime "
        "ce que la politique de conservation ne garde plus."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--portable",
            action="store_true",
            help="Écrire plutôt un export JSON compressé, lisible par SQLite et PostgreSQL",
        )
        parser.add_argument("--output", help="Fichier de l'export portable (.json.gz)")

    def handle(self, *args, portable=False, output=None, **options):
        if portable:
            self._portable(output)
            return
        if output:
            raise CommandError("--output ne vaut qu'avec --portable.")
        try:
            manifest = backups.create_backup()
        except backups.BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            self.style.SUCCESS(
                f"Sauvegarde écrite : {backups.dump_name(manifest)} "
                f"({manifest.size} octets, sha256 {manifest.sha256[:12]}…)"
            )
        )
        for folder in backups.apply_retention():
            self.stdout.write(f"Sauvegarde supprimée (conservation) : {folder}")

    def _portable(self, output):
        if not output:
            raise CommandError("--portable demande --output FICHIER.json.gz")
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
        self.stdout.write(self.style.SUCCESS(f"Export portable écrit : {output}"))
