"""The PDFs and spreadsheets leave the database for the file store.

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
    for document in CooperativeDocument.objects.select_related("selection").iterator(chunk_size=50):
        prefix = f"documents/cooperatives/{document.selection.cooperative_id}"
        document.key = _save(prefix, "pdf", document.pdf)
        document.save(update_fields=["key"])
    for job in SynthesisJob.objects.iterator(chunk_size=10):
        prefix = f"documents/syntheses/{job.campaign_id}"
        job.pdf_key = _save(prefix, "pdf", job.pdf) if job.pdf is not None else ""
        job.xlsx_key = _save(prefix, "xlsx", job.xlsx) if job.xlsx is not None else ""
        job.save(update_fields=["pdf_key", "xlsx_key"])


def to_database(apps, schema_editor):
    CooperativeDocument = apps.get_model("documents", "CooperativeDocument")
    SynthesisJob = apps.get_model("documents", "SynthesisJob")

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


class Migration(migrations.Migration):
    dependencies = [("documents", "0002_revision_dossier")]

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
    ]
