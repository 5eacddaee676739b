"""The PDFs and spreadsheets leave the database for the file store.

The published PDFs, the syntheses and the working documents alike.

Each kept file is written to the file store under a generated key, its row
keeps the key, and the bytes column goes. Reversed, the bytes come back into
the rows (and the stored files stay, for whoever needs them).
"""

import uuid

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import migrations, models


def _save(prefix: str, extension: str, data) -> str:
    return default_storage.save(f"{prefix}/{uuid.uuid4().hex}.{extension}", ContentFile(bytes(data)))


def to_file_store(apps, schema_editor):
    CooperativeDocument = apps.get_model("documents", "CooperativeDocument")
    SynthesisJob = apps.get_model("documents", "SynthesisJob")
    WorkingDocument = apps.get_model("documents", "WorkingDocument")
    for document in CooperativeDocument.objects.select_related("selection").iterator(chunk_size=50):
        prefix = f"documents/cooperatives/{document.selection.cooperative_id}"
        document.key = _save(prefix, "pdf", document.pdf)
        document.save(update_fields=["key"])
    for job in SynthesisJob.objects.iterator(chunk_size=10):
        prefix = f"documents/syntheses/{job.campaign_id}"
        job.pdf_key = _save(prefix, "pdf", job.pdf) if job.pdf is not None else ""
        job.xlsx_key = _save(prefix, "xlsx", job.xlsx) if job.xlsx is not None else ""
        job.save(update_fields=["pdf_key", "xlsx_key"])
    for working in WorkingDocument.objects.select_related("selection").iterator(chunk_size=50):
        if working.pdf is None:
            continue
        prefix = f"documents/working/{working.selection.cooperative_id}"
        working.pdf_key = _save(prefix, "pdf", working.pdf)
        working.save(update_fields=["pdf_key"])


def to_database(apps, schema_editor):
    CooperativeDocument = apps.get_model("documents", "CooperativeDocument")
    SynthesisJob = apps.get_model("documents", "SynthesisJob")
    WorkingDocument = apps.get_model("documents", "WorkingDocument")

    def read(key):
        with default_storage.open(key, "rb") as stored:
            return stored.read()

    for document in CooperativeDocument.objects.exclude(key="").iterator(chunk_size=50):
        document.pdf = read(document.key)
        document.save(update_fields=["pdf"])
    for job in SynthesisJob.objects.iterator(chunk_size=10):
        job.pdf = read(job.pdf_key) if job.pdf_key else None
        job.xlsx = read(job.xlsx_key) if job.xlsx_key else None
        job.save(update_fields=["pdf", "xlsx"])
    for working in WorkingDocument.objects.exclude(pdf_key="").iterator(chunk_size=50):
        working.pdf = read(working.pdf_key)
        working.save(update_fields=["pdf"])


class Migration(migrations.Migration):
    dependencies = [("documents", "0003_revision_dossier")]

    operations = [
        migrations.AddField(
            model_name="cooperativedocument",
            name="key",
            field=models.CharField(
                default="", editable=False, max_length=200, verbose_name="clé du fichier"
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="synthesisjob",
            name="pdf_key",
            field=models.CharField(
                blank=True, editable=False, max_length=200, verbose_name="clé du PDF"
            ),
        ),
        migrations.AddField(
            model_name="synthesisjob",
            name="xlsx_key",
            field=models.CharField(
                blank=True, editable=False, max_length=200, verbose_name="clé du classeur"
            ),
        ),
        migrations.AddField(
            model_name="workingdocument",
            name="pdf_key",
            field=models.CharField(
                blank=True, editable=False, max_length=200, verbose_name="clé du PDF"
            ),
        ),
        # Nullable for the time of the move, so that the way back can add it again.
        migrations.AlterField(
            model_name="cooperativedocument",
            name="pdf",
            field=models.BinaryField(editable=False, null=True, verbose_name="PDF"),
        ),
        migrations.RunPython(to_file_store, to_database),
        migrations.RemoveField(model_name="cooperativedocument", name="pdf"),
        migrations.RemoveField(model_name="synthesisjob", name="pdf"),
        migrations.RemoveField(model_name="synthesisjob", name="xlsx"),
        migrations.RemoveField(model_name="workingdocument", name="pdf"),
    ]
