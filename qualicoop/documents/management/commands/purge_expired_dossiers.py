"""Expired dossiers de révision: their ZIPs deleted from the file store (a daily task)."""

from django.core.management.base import BaseCommand

from qualicoop.documents import dossier


class Command(BaseCommand):
    help = "Delete the stored ZIPs of expired revision dossiers (the rows are kept)."

    def handle(self, *args, **options):
        deleted = dossier.purge_expired()
        for key in deleted:
            self.stdout.write(f"deleted {key}")
        self.stdout.write(f"{len(deleted)} expired dossier(s).")
