"""purge_orphan_files: stored files that no row or manifest names, on either file store."""

import datetime

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.utils import timezone

from commitments import evidence
from commitments.models import Project
from qualicoop.documents.models import RevisionDossier
from qualicoop.lib import file_store
from qualicoop.management.commands.purge_orphan_files import orphan_keys
from qualicoop.public import opendata_files
from tests import factories
from tests.evidence_support import ALLOWED

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("file_store")]

PDF = ALLOWED[0][1]


@pytest.fixture
def kept(coop_a, campaign):
    """One object named by each kind of owner: an evidence row, a dossier row, a manifest."""
    project = Project.objects.get(
        choice__selection=factories.make_selection(coop_a, campaign, numbers=[1])
    )
    piece = evidence.attach(
        target=project, upload=evidence.Upload("a.pdf", PDF), title="A", by=None
    )
    dossier = RevisionDossier.objects.create(
        cooperative=coop_a,
        state=RevisionDossier.State.READY,
        key=file_store.keep(f"dossiers/{coop_a.pk}", b"PK", extension="zip"),
    )
    opendata_files.refresh(opendata_files.CATALOGUE, opendata_files.current_stamp())
    return {piece.key, dossier.key} | opendata_files.kept_keys()


def lost(coop_a):
    """An object in each part of the file store that nothing names (an interrupted writing)."""
    return sorted(
        default_storage.save(name, ContentFile(b"perdu"))
        for name in (
            f"evidence/{coop_a.pk}/orpheline",
            f"documents/cooperatives/{coop_a.pk}/orphelin.pdf",
            f"documents/syntheses/{coop_a.pk}/orphelin.xlsx",
            f"dossiers/{coop_a.pk}/orphelin.zip",
            "opendata/catalogue/ecriture-interrompue/catalogue.jsonld",
        )
    )


def test_orphans_of_every_part_are_reported_then_purged(coop_a, kept, capsys, monkeypatch):
    orphans = lost(coop_a)
    backup = default_storage.save("backups/2026-01-01/manifest.json", ContentFile(b"{}"))
    later = timezone.now() + datetime.timedelta(hours=2)

    # A fresh object may be a file whose row is being written: left alone.
    assert orphan_keys() == []
    assert sorted(orphan_keys(now=later)) == orphans

    monkeypatch.setattr(file_store, "ORPHAN_MIN_AGE", datetime.timedelta(0))
    call_command("purge_orphan_files", "--dry-run")
    reported = capsys.readouterr().out
    assert all(f"orphan {key}" in reported for key in orphans)
    assert all(default_storage.exists(key) for key in orphans)

    call_command("purge_orphan_files")

    deleted = capsys.readouterr().out
    assert all(f"deleted {key}" in deleted for key in orphans)
    assert f"{len(orphans)} orphan file(s)." in deleted
    assert not any(default_storage.exists(key) for key in orphans)
    assert all(default_storage.exists(key) for key in kept | {backup})
