"""Synthetic cooperatives at scale, for benchmarks and query-bound tests.

Deterministic for a given --seed. Rows are bulk-inserted; every status move
still goes through the moves' rows (``commitments.bulk_load.load_in_bulk``, the
data-loading move) so that the data obeys the same invariants as real data
(published selection, transitions, snapshots).
"""

import datetime
import random
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from commitments import bulk_load, summaries
from commitments.campaigns import open_campaign
from commitments.models import Campaign, Choice, Engagement, Project, Selection, Transition
from coops.models import Cooperative

TOWNS = [
    "Angers", "Besançon", "Brest", "Caen", "Clermont", "Dijon", "Grenoble", "Lille",
    "Limoges", "Lorient", "Lyon", "Metz", "Montpellier", "Nancy", "Nantes", "Nîmes",
    "Orléans", "Pau", "Poitiers", "Quimper", "Reims", "Rennes", "Rouen", "Tours",
]  # fmt: skip
REGIONS = [
    "Auvergne-Rhône-Alpes", "Bretagne", "Grand Est", "Hauts-de-France", "Normandie",
    "Nouvelle-Aquitaine", "Occitanie", "Pays de la Loire", "Île-de-France",
]  # fmt: skip
KINDS = ["Habitat", "Logis", "Coop", "Résidences", "Accession", "Toit"]
SUBJECTS = [
    "La coopérative", "Notre équipe", "Le conseil d'administration", "La direction",
    "Le service clientèle", "Un groupe de coopérateurs",
]  # fmt: skip
VERBS = [
    "souhaite développer", "va mettre en place", "prévoit de renforcer", "s'engage à déployer",
    "a pour ambition de structurer", "lance",
]  # fmt: skip
OBJECTS = [
    "un parcours d'accueil des nouveaux coopérateurs", "une offre de logements en accession "
    "sociale via le bail réel solidaire", "des ateliers d'écogestes pour les locataires",
    "une newsletter trimestrielle sur la vie coopérative", "des partenariats avec les "
    "associations locales", "un dispositif d'aide aux réparations locatives",
    "la participation des habitants à la conception des espaces communs",
    "une démarche bas carbone sur chaque opération", "des visites de courtoisie chez les "
    "locataires", "un club de coopérateurs ambassadeurs",
]  # fmt: skip
PURPOSES = [
    "afin de renforcer le lien avec les habitants", "pour favoriser l'accès au logement du "
    "plus grand nombre", "dans le but de réduire l'impact environnemental de ses résidences",
    "pour mieux rendre compte de la vie de la coopérative", "afin de soutenir le tissu "
    "économique local", "pour accompagner les coopérateurs tout au long de leur parcours",
]  # fmt: skip
TITLES = [
    "Parcours d'accueil", "Bail réel solidaire", "Ateliers écogestes", "Lettre aux coopérateurs",
    "Partenariats associatifs", "Fonds de réparation", "Conception participative",
    "Feuille de route bas carbone", "Visites de courtoisie", "Club des ambassadeurs",
]  # fmt: skip


class Command(BaseCommand):
    help = "Ajoute N coopératives synthétiques avec sélections validées, brouillons et soumissions."

    def add_arguments(self, parser):
        parser.add_argument("--cooperatives", type=int, default=2000)
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument(
            "--prefix", default="Coopérative synthétique", help="Début du nom des coopératives."
        )

    def handle(self, *args, cooperatives, seed, prefix, **options):
        engagements = list(Engagement.objects.order_by("number"))
        if len(engagements) != 12:
            raise CommandError("Chargez d'abord les données de référence (loaddata reference).")
        if cooperatives < 1:
            raise CommandError("--cooperatives doit être au moins 1.")
        started = time.monotonic()
        rng = random.Random(seed)
        history, current = self._campaigns()
        first = Cooperative.objects.filter(name__startswith=prefix).count()
        coops = Cooperative.objects.bulk_create(
            self._cooperative(prefix, first + index, rng) for index in range(cooperatives)
        )
        # Validated history for everyone; in the open campaign a third have a
        # draft and a fifth have submitted.
        published = self._selections(coops, history, engagements, rng)
        working_coops = [coop for coop in coops if rng.random() < 0.53]
        working = self._selections(working_coops, current, engagements, rng)
        # Through the state machine's data-loading move: the rows of a
        # submission and a validation, without 20,000 notifications.
        bulk_load.load_in_bulk(published, validated=True, submitted_on=history.closes_on)
        bulk_load.load_in_bulk(
            working[: int(len(working) * 0.38)],
            validated=False,
            submitted_on=max(current.opens_on, min(datetime.date.today(), current.closes_on)),
        )
        # Fresh planner statistics: right after a bulk load the database would
        # otherwise plan for the empty tables it had before.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        projects = Project.objects.filter(choice__selection__cooperative__in=coops).count()
        self.stdout.write(
            self.style.SUCCESS(
                f"{len(coops)} coopératives, {len(published) + len(working)} sélections, "
                f"{projects} projets en {time.monotonic() - started:.0f} s."
            )
        )

    def _campaigns(self):
        current = open_campaign()
        history = Campaign.objects.exclude(pk=current.pk).order_by(
            "-opens_on"
        ).first() or Campaign.objects.create(
            name="Quali'Coop 2024",
            slug="qualicoop-2024",
            opens_on=datetime.date(2024, 1, 15),
            closes_on=datetime.date(2024, 6, 30),
        )
        return history, current

    def _cooperative(self, prefix, index, rng):
        town = rng.choice(TOWNS)
        name = f"{prefix} {index + 1:05d} {rng.choice(KINDS)} {town}"
        return Cooperative(
            name=name,
            slug=f"synthetique-{index + 1:05d}",
            region=rng.choice(REGIONS),
            description=f"Coopérative Hlm fictive implantée à {town}, créée pour les tests.",
        )

    def _selections(self, coops, campaign, engagements, rng):
        with transaction.atomic():
            selections = Selection.objects.bulk_create(
                Selection(cooperative=coop, campaign=campaign) for coop in coops
            )
            Transition.objects.bulk_create(
                Transition(selection=selection, from_status="", to_status=Selection.Status.DRAFT)
                for selection in selections
            )
            choices = Choice.objects.bulk_create(
                Choice(selection=selection, engagement=engagement)
                for selection in selections
                for engagement in rng.sample(engagements, rng.randint(8, 12))
            )
            Project.objects.bulk_create(
                (
                    self._project(choice, position, rng)
                    for choice in choices
                    for position in range(rng.randint(1, 4))
                ),
                batch_size=2000,
            )
            # Written in bulk, past the receivers: the dashboard's counts move here.
            summaries.refresh(coop.pk for coop in coops)
        return selections

    def _project(self, choice, position, rng):
        sentences = [
            f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)} "
            f"{rng.choice(PURPOSES)}."
            for _ in range(rng.randint(2, 4))
        ]
        return Project(
            choice=choice,
            title=f"{rng.choice(TITLES)} ({rng.choice(TOWNS)})",
            description=" ".join(sentences),
            objectives=f"Atteindre {rng.randint(20, 90)} % des coopérateurs concernés.",
            progress=rng.choice(Project.Progress.values),
            position=position,
        )
