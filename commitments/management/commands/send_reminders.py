"""Remind cooperatives that the current campaign closes soon."""

from django.core.management.base import BaseCommand, CommandError

from commitments.cycles import send_renewal_reminders
from commitments.notifications import send_deadline_reminders, send_follow_up_reminders


class Command(BaseCommand):
    help = (
        "Envoie un rappel aux membres des coopératives dont la sélection de la campagne en "
        "cours n'est ni soumise ni validée (ou pas commencée), quand la clôture est dans "
        "--days jours ou moins (et pas encore passée). Affiche le nombre de rappels mis en "
        "file d'envoi. "
        "À planifier par cron, depuis le dossier du projet ; par exemple chaque lundi à 8 h : "
        "« 0 8 * * 1 .venv/bin/python manage.py send_reminders --days 7 ». La commande "
        "n'est pas idempotente : chaque exécution renvoie les rappels, la fréquence se "
        "choisit donc dans la crontab (hebdomadaire avec --days 7 : un ou deux rappels "
        "par coopérative en retard). Les rappels partent par la file des tâches : le worker "
        "(« manage.py db_worker ») les envoie, réessaie en cas d'échec et journalise ceux "
        "qu'il n'a pas pu remettre. La même commande rappelle aussi, avant la date limite "
        "de la campagne de suivi en cours, les projets validés encore sans point d'étape "
        "(à leurs porteurs et aux référents), "
        "et les coopératives dont la sélection validée est « à renouveler »."
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
        self.stdout.write(send_deadline_reminders(days=days).explanation)
        self.stdout.write(send_follow_up_reminders(days=days).explanation)
        self.stdout.write(send_renewal_reminders().explanation)
