"""Load the reference data once: later runs add what is missing and overwrite nothing.

``loaddata`` writes every object of a fixture over the row with the same
primary key, so running it at each start silently reverted what a federation
administrator had changed in the reference cooperatives and their projects.
This command saves only the objects whose row does not exist yet.
"""

from pathlib import Path

from django.conf import settings
from django.core import serializers
from django.core.management.base import BaseCommand, CommandError
from django.core.management.color import no_style
from django.db import connection, transaction

from commitments import summaries

# In dependency order: the pillars before their engagements, the cooperatives
# before their selections.
FIXTURES = ("reference", "catalogue", "cooperatives", "campaign_2024")


def _fixture_path(name: str) -> Path:
    for directory in settings.FIXTURE_DIRS:
        path = Path(directory) / f"{name}.json"
        if path.exists():
            return path
    raise CommandError(f"Fixture introuvable : {name}.json")


class Command(BaseCommand):
    help = (
        "Charge les données de référence (piliers, engagements, catalogue d'indicateurs, "
        "coopératives, campagne 2024) "
        "sans jamais écraser ce qui existe déjà."
    )

    def add_arguments(self, parser):
        parser.add_argument("fixtures", nargs="*", default=list(FIXTURES))

    @transaction.atomic
    def handle(self, *args, fixtures, **options):
        added = kept = 0
        models = set()
        for name in fixtures:
            with _fixture_path(name).open(encoding="utf-8") as stream:
                for deserialized in serializers.deserialize("json", stream):
                    instance = deserialized.object
                    if type(instance)._default_manager.filter(pk=instance.pk).exists():
                        kept += 1
                        continue
                    deserialized.save()
                    models.add(type(instance))
                    added += 1
        # Rows inserted with their own keys: move PostgreSQL's sequences past
        # them, as loaddata does, or the next row created would collide.
        statements = connection.ops.sequence_reset_sql(no_style(), list(models))
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
        if added:
            # Raw saves pass by the summaries' refresh: they are worked out again.
            summaries.rebuild()
        self.stdout.write(
            f"Données de référence : {added} objets ajoutés, "
            f"{kept} déjà présents laissés tels quels."
        )
