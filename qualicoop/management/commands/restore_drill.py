"""Prove that the latest backup restores: into a scratch database, checked, then removed.

Run it after each backup (or weekly): a backup never restored is a hope, not a
backup. The exit status is not zero when the drill fails, for the scheduler to alert.
"""

from django.core.management.base import BaseCommand, CommandError

from qualicoop import backups, restore_drill


class Command(BaseCommand):
    help = "Restaure la dernière sauvegarde dans une base temporaire et la vérifie."

    def handle(self, *args, **options):
        try:
            passed = restore_drill.run(self.stdout.write)
        except backups.BackupError as error:
            raise CommandError(f"Exercice de restauration en échec : {error}") from error
        if not passed:
            raise CommandError("Exercice de restauration en échec.")
