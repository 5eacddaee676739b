"""Purge the webhook deliveries older than WEBHOOK_DELIVERIES_KEEP_DAYS (qualicoop.webhooks)."""

from django.conf import settings
from django.core.management.base import BaseCommand

from qualicoop.webhooks.retention import purge_old_deliveries


class Command(BaseCommand):
    help = (
        "Supprime les envois de webhooks (et leurs essais) plus anciens que "
        "WEBHOOK_DELIVERIES_KEEP_DAYS jours (90 par défaut). Idempotente : à planifier "
        "chaque jour, depuis une seule machine."
    )

    def handle(self, *args: object, **options: object) -> None:
        count = purge_old_deliveries()
        self.stdout.write(
            f"{count} envoi(s) de webhooks de plus de "
            f"{settings.WEBHOOK_DELIVERIES_KEEP_DAYS} jours supprimé(s)."
        )
