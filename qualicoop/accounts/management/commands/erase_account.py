"""Erase one account now, at its owner's request (RGPD: right to erasure)."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from coops.people import is_erased
from qualicoop.accounts.retention import erase_account, is_last_superuser


class Command(BaseCommand):
    help = (
        "Efface tout de suite le compte IDENTIFIANT, à la demande de son titulaire, comme "
        "purge_inactive_accounts efface les comptes inutilisés : nom, prénom, adresse, mot "
        "de passe, rattachements, journal des connexions et double authentification retirés ; "
        "l'historique reste, au nom d'« ancien membre ». Refuse le dernier administrateur actif."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", help="L'identifiant de connexion du compte à effacer.")

    def handle(self, *args: object, username: str, **options: object) -> None:
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"Aucun compte n'a l'identifiant « {username} ».")
        if is_erased(user):
            raise CommandError(f"Le compte « {username} » est déjà effacé.")
        if is_last_superuser(user):
            raise CommandError(
                f"« {username} » est le dernier administrateur actif : nommez-en un autre d'abord."
            )
        erase_account(user)
        self.stdout.write(f"Compte « {username} » effacé (désormais {user.username}).")
