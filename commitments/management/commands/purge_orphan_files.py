"""Stored evidence files that no row names any more: listed, then deleted.

A file is stored before its row is written and deleted after its last row
is gone, so an orphan only comes from an interruption between the two;
objects younger than an hour are left alone: they may be an upload whose row
is being written.
"""

from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand

from commitments import evidence


class Command(BaseCommand):
    help = "Report and delete stored evidence files that no row refers to (--dry-run: report)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="List the orphans without deleting them."
        )

    def handle(self, *args, dry_run=False, **options):
        orphans = evidence.orphan_keys()
        for key in orphans:
            if not dry_run:
                default_storage.delete(key)
            self.stdout.write(f"{'orphan' if dry_run else 'deleted'} {key}")
        self.stdout.write(f"{len(orphans)} orphan file(s){' (dry run)' if dry_run else ''}.")
