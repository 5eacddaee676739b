import uuid
from django.db import migrations, models


def link_versions(apps, schema_editor):
    """Give each project its own lineage, shared with its copies in later versions.

    Copies made before this field existed kept their title, cooperative and
    engagement: the oldest project with those three values starts the lineage.
    """
    Project = apps.get_model("commitments", "Project")
    lineages = {}
    seen = {}
    rows = Project.objects.order_by("choice__selection__created_at", "pk").values_list(
        "pk",
        "choice__selection_id",
        "choice__selection__cooperative_id",
        "choice__engagement_id",
        "title",
    )
    for pk, selection, cooperative, engagement, title in rows.iterator():
        # Two projects of one version with the same title are two lineages.
        occurrence = seen.setdefault((selection, engagement, title), 0)
        seen[(selection, engagement, title)] += 1
        key = (cooperative, engagement, title, occurrence)
        lineage = lineages.setdefault(key, uuid.uuid4())
        Project.objects.filter(pk=pk).update(lineage=lineage)


class Migration(migrations.Migration):

    dependencies = [
        ('commitments', '0004_indicators'),
    ]

    operations = [
        migrations.AddField(
            model_name='historicalproject',
            name='lineage',
            field=models.UUIDField(db_index=True, default=uuid.uuid4, editable=False),
        ),
        migrations.AddField(
            model_name='project',
            name='lineage',
            field=models.UUIDField(db_index=True, default=uuid.uuid4, editable=False),
        ),
        migrations.RunPython(link_versions, migrations.RunPython.noop),
    ]
