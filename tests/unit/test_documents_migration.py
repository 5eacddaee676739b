"""The migration that moves the documents' bytes from the database to the file store."""

import pytest
from django.core.files.storage import default_storage
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from tests import factories

BEFORE = [("documents", "0003_revision_dossier")]
AFTER = [("documents", "0004_documents_in_file_store")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_the_bytes_move_to_the_file_store_and_back(file_store, reference):
    coop = factories.make_coop("Coopérative Alpha")
    # Any selection will do: a published one would already have its PDF made.
    selection = factories.make_selection(coop, factories.make_campaign(), numbers=[1])
    try:
        old = _migrate(BEFORE)
        old.get_model("documents", "CooperativeDocument").objects.create(
            selection_id=selection.pk,
            pdf=b"%PDF-1.7 ancien",
            size=15,
            digest="0" * 64,
            content_as_of=timezone.now(),
        )
        old.get_model("documents", "SynthesisJob").objects.create(
            campaign_id=selection.campaign_id, state="ready", pdf=b"%PDF-1.7 s", xlsx=None
        )
        old.get_model("documents", "WorkingDocument").objects.create(
            selection_id=selection.pk, state="ready", pdf=b"%PDF-1.7 travail"
        )

        new = _migrate(AFTER)

        document = new.get_model("documents", "CooperativeDocument").objects.get()
        assert document.key.startswith(f"documents/cooperatives/{coop.pk}/")
        with default_storage.open(document.key) as kept:
            assert kept.read() == b"%PDF-1.7 ancien"
        job = new.get_model("documents", "SynthesisJob").objects.get()
        assert job.pdf_key and job.xlsx_key == ""
        working = new.get_model("documents", "WorkingDocument").objects.get()
        assert working.pdf_key.startswith(f"documents/working/{coop.pk}/")
        with default_storage.open(working.pdf_key) as kept:
            assert kept.read() == b"%PDF-1.7 travail"

        back = _migrate(BEFORE)
        assert bytes(back.get_model("documents", "CooperativeDocument").objects.get().pdf) == (
            b"%PDF-1.7 ancien"
        )
        assert bytes(back.get_model("documents", "WorkingDocument").objects.get().pdf) == (
            b"%PDF-1.7 travail"
        )
    finally:
        _migrate(AFTER)
