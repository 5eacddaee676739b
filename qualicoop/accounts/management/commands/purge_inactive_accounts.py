"""Warn, then erase, the accounts unused for two years (qualicoop.accounts.retention)."""

import datetime

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from qualicoop.accounts.retention import purge_inactive_accounts


class Command(BaseCommand):
    help = (
        "Prévient par courriel, une seule fois, les personnes dont le compte n'a pas servi "
        "depuis deux ans moins 30 jours ; efface les comptes inutilisés depuis deux ans et "
        "prévenus depuis 30 jours au moins (nom, prénom, adresse et rattachements retirés, "
        "mot de passe inutilisable ; l'historique reste, au nom d'« ancien membre »). Le "
        "dernier administrateur actif n'est jamais effacé. Idempotente : à planifier chaque "
        "jour par cron, depuis le dossier du projet ; par exemple à 3 h : "
        "« 0 3 * * * .venv/bin/python manage.py purge_inactive_accounts ». Les courriels "
        "partent par la file des tâches (« manage.py db_worker »)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--today",
            help="Faire comme si l'on était ce jour-là (AAAA-MM-JJ), à la fin de la journée.",
        )

    def handle(self, *args: object, today: str | None, **options: object) -> None:
        now = None
        if today is not None:
            try:
                day = datetime.date.fromisoformat(today)
            except ValueError:
                raise CommandError(
                    "--today attend une date AAAA-MM-JJ, par exemple 2026-03-01."
                ) from None
            now = timezone.make_aware(datetime.datetime.combine(day, datetime.time.max))
        self.stdout.write(purge_inactive_accounts(now=now).explanation)
