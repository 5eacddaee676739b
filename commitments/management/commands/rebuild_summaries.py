"""Work out the summaries from scratch: every cooperative's share and every line.

The summaries are kept current as content moves (``commitments.summaries``);
this command makes them right again after rows were written past the domain
(a restore, a data repair in SQL). Running it twice changes nothing.
"""

from django.core.management.base import BaseCommand

from commitments import summaries


class Command(BaseCommand):
    help = "Recalcule les lignes de synthèse (chiffres des pages publiques et du tableau de bord)."

    def handle(self, *args, **options):
        lines = summaries.rebuild()
        self.stdout.write(f"Lignes de synthèse recalculées : {lines}.")
