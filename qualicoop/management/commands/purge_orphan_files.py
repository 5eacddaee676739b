"""Stored files that nothing names any more: listed, then deleted.

Every part of the file store that a row or a manifest names, with what names it:
evidence (its rows), the documents (a cooperative's PDFs, working documents,
syntheses), the dossiers de révision, and the open-data files (their sets'
manifests). A file is stored before what names it is written, and deleted after
it is gone: an orphan only comes from an interruption between the two (or two
writers of an open-data set at once). Objects younger than
``file_store.ORPHAN_MIN_AGE`` are left alone: what names them may be being
written. Backups, which name themselves (their manifest), are not looked at.
"""

import datetime
from collections.abc import Callable

from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand
from django.db.models import Model
from django.utils import timezone

from commitments import evidence
from commitments.models import Evidence
from qualicoop.documents import dossier
from qualicoop.documents.models import (
    CooperativeDocument,
    RevisionDossier,
    SynthesisJob,
    WorkingDocument,
)
from qualicoop.lib import file_store
from qualicoop.public import opendata_files

# The documents' three prefixes (cooperatives, working, syntheses) share this one.
DOCUMENTS = "documents"


def _named(*columns: tuple[type[Model], str]) -> set[str]:
    keys: set[str] = set()
    for model, field in columns:
        keys.update(model._default_manager.exclude(**{field: ""}).values_list(field, flat=True))
    return keys


# Each prefix of the file store, and what names the objects it keeps.
KEPT: dict[str, Callable[[], set[str]]] = {
    evidence.PREFIX: lambda: _named((Evidence, "key")),
    DOCUMENTS: lambda: _named(
        (CooperativeDocument, "key"),
        (WorkingDocument, "pdf_key"),
        (SynthesisJob, "pdf_key"),
        (SynthesisJob, "xlsx_key"),
    ),
    dossier.PREFIX: lambda: _named((RevisionDossier, "key")),
    opendata_files.PREFIX: opendata_files.kept_keys,
}


def orphan_keys(now: datetime.datetime | None = None) -> list[str]:
    """Every object of the prefixes of ``KEPT`` that nothing names, old enough to be lost."""
    now = now or timezone.now()
    return [
        key
        for prefix, named in KEPT.items()
        for key in file_store.orphans(prefix, named(), now=now)
    ]


class Command(BaseCommand):
    help = (
        "Report and delete stored files (evidence, documents, dossiers, open data) that "
        "nothing refers to (--dry-run: report)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="List the orphans without deleting them."
        )

    def handle(self, *args, dry_run=False, **options):
        orphans = orphan_keys()
        for key in orphans:
            if not dry_run:
                default_storage.delete(key)
            self.stdout.write(f"{'orphan' if dry_run else 'deleted'} {key}")
        self.stdout.write(f"{len(orphans)} orphan file(s){' (dry run)' if dry_run else ''}.")
