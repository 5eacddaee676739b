"""Queue the daily or weekly digests for the worker (qualicoop.accounts.delivery)."""

from django.core.management.base import BaseCommand, CommandParser

from qualicoop.accounts.delivery import PERIODS, send_digests


class Command(BaseCommand):
    help = (
        "Met en file la tâche qui envoie à chacun son résumé des notifications "
        "(quotidien ou hebdomadaire) ; le travailleur (« manage.py db_worker ») l'exécute. "
        "Un résumé n'est jamais envoyé deux fois, et un travailleur arrêté en cours de route "
        "laisse le reste au passage suivant. À planifier par cron ou un minuteur systemd, "
        "par exemple « 0 7 * * * … send_digests --period daily » et "
        "« 0 7 * * 1 … send_digests --period weekly »."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--period", choices=sorted(PERIODS), required=True)

    def handle(self, *args: object, period: str, **options: object) -> None:
        result = send_digests.enqueue(period=period)
        label = {"daily": "quotidiens", "weekly": "hebdomadaires"}[period]
        self.stdout.write(f"Résumés {label} mis en file (tâche {result.id}).")
