"""Remind cooperatives that the current campaign closes soon."""

from smtplib import SMTPException

from django.core.management.base import BaseCommand, CommandError

from commitments.notifications import send_deadline_reminders


class Command(BaseCommand):
    help = (
        "Envoie un rappel aux membres des coopératives dont la sélection de la campagne en "
        "cours n'est ni soumise ni validée (ou pas commencée), quand la clôture est dans "
        "--days jours ou moins (et pas encore passée). Affiche le nombre de rappels envoyés. "
        "À planifier par cron, depuis le dossier du projet ; par exemple chaque lundi à 8 h : "
        "« 0 8 * * 1 .venv/bin/python manage.py send_reminders --days 7 ». La commande "
        "n'est pas idempotente : chaque exécution renvoie les rappels, la fréquence se "
        "choisit donc dans la crontab (hebdomadaire avec --days 7 : un ou deux rappels "
        "par coopérative en retard)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            default=7,
            help="Rappeler quand la clôture est dans ce nombre de jours ou moins (7 par défaut).",
        )

    def handle(self, *args, days, **options):
        if days < 0:
            raise CommandError("--days doit être un nombre de jours positif ou nul.")
        try:
            run = send_deadline_reminders(days=days)
        except (SMTPException, OSError) as error:
            raise CommandError(f"Échec de l'envoi des rappels : {error}") from error
        self.stdout.write(run.explanation)
