"""Create the demo accounts listed in the README (idempotent).

Demo passwords are public, so the command refuses to run on a production
configuration (DEBUG=False) unless explicitly forced.
"""

from django.conf import settings
from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from commitments import workflow
from commitments.campaigns import open_campaign
from commitments.models import Selection
from coops.access import ensure_reviewers_group
from coops.models import Cooperative, Membership

DEMO_PASSWORD = "qualicoop-demo"  # noqa: S105 - public by design, refused in production


class Command(BaseCommand):
    help = "Crée les comptes de démonstration (federation, demo, admin)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force", action="store_true", help="Autorise l'exécution avec DEBUG=False."
        )

    def _user(self, username, **fields):
        user, created = User.objects.get_or_create(username=username, defaults=fields)
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        return user

    @transaction.atomic
    def handle(self, *args, force=False, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "Refus : DEBUG=False. Les comptes de démonstration ont un mot de passe public ; "
                "utilisez --force si vous le voulez vraiment."
            )
        reviewer = self._user(
            "federation",
            first_name="Fédération",
            last_name="Coop'HLM",
            email="federation@example.org",
        )
        reviewer.groups.add(ensure_reviewers_group())

        coop, _ = Cooperative.objects.get_or_create(
            slug="cooperative-de-demonstration",
            defaults={
                "name": "Coopérative de démonstration",
                "region": "Île-de-France",
                "description": "Coopérative fictive pour découvrir l'espace des coopératives.",
            },
        )
        demo = self._user("demo", first_name="Camille", last_name="Demo", email="demo@example.org")
        Membership.objects.update_or_create(
            user=demo, cooperative=coop, defaults={"role": Membership.Role.REFERENT}
        )

        admin = self._user("admin", email="admin@example.org", is_staff=True, is_superuser=True)

        campaign = open_campaign()
        if not Selection.objects.filter(cooperative=coop, campaign=campaign).exists():
            workflow.start_selection(cooperative=coop, campaign=campaign, by=demo)

        for user in (reviewer, demo, admin):
            self.stdout.write(f"  {user.username} / {DEMO_PASSWORD}")
        self.stdout.write(self.style.SUCCESS(f"Comptes de démonstration prêts ({campaign.name})."))
