"""The summaries kept by the moves always equal the summaries worked out from scratch.

A small world (four cooperatives, two campaigns, catalogue values) goes
through seeded random sequences of moves: drafts started and edited,
submitted, sent back, withdrawn, validated, reopened; progress updates
published; a published project and a cooperative changed; reference data
changed. After each move every line and every cooperative's share is
compared with what ``rebuild`` writes; and the pages' read models give the
figures that the live aggregates (the way the pages counted before) give.
"""

import datetime
import random
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import Count
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from commitments import bulk_load, network, rollups, summaries, workflow
from commitments.models import (
    Aggregation,
    CatalogueIndicator,
    Choice,
    CooperativeSummary,
    Engagement,
    Pillar,
    Project,
    ProjectStatus,
    Selection,
    Status,
    published,
)
from qualicoop.federation import coverage
from qualicoop.public import queries, statistics_figures
from tests import factories

pytestmark = pytest.mark.django_db

STEPS = 60
REGIONS = ("Bretagne", "Occitanie")


def shares():
    return {
        (row.cooperative_id, row.kind, row.key): row.measures()
        for row in CooperativeSummary.objects.all()
        if row.measures() != summaries.ZERO
    }


def assert_kept_equals_rebuilt(step):
    kept_lines, kept_shares = summaries.lines(), shares()
    with transaction.atomic():
        summaries.rebuild()
        rebuilt_lines, rebuilt_shares = summaries.lines(), shares()
        transaction.set_rollback(True)
    assert kept_lines == rebuilt_lines, step
    assert kept_shares == rebuilt_shares, step
    return kept_lines


class World:
    """Four cooperatives, a past and a current campaign, and two catalogue indicators."""

    def __init__(self, rng):
        self.rng = rng
        self.reviewer = factories.make_reviewer()
        self.past = factories.make_campaign("Campagne passée", open_=False, minimum=2)
        self.current = factories.make_campaign("Campagne ouverte", minimum=2)
        self.households = CatalogueIndicator.objects.create(
            code="menages", label="Ménages", unit="ménages", aggregation=Aggregation.SUM
        )
        self.energy = CatalogueIndicator.objects.create(
            code="energie", label="Énergie", unit="%", aggregation=Aggregation.WEIGHTED_MEAN
        )
        self.coops = []
        for index in range(4):
            coop = factories.make_coop(f"Coopérative {index}")
            coop.region = REGIONS[index % 2]
            coop.homes_managed = 100 * (index + 1) if index != 3 else None
            coop.save()
            self.coops.append(coop)

    def working(self, coop):
        return (
            Selection.objects.filter(cooperative=coop, campaign=self.current)
            .exclude(status=Status.VALIDATED)
            .first()
        )

    def published_projects(self):
        return list(Project.objects.published().select_related("choice__selection"))

    # --- The moves, each one possible or skipped -------------------------------------

    def start(self, coop):
        if Selection.objects.filter(cooperative=coop, campaign=self.current).exists():
            return False
        numbers = self.rng.sample(range(1, 13), 3)
        factories.make_selection(
            coop, self.current, numbers=numbers, projects_per=self.rng.randint(1, 2)
        )
        return True

    def edit_choices(self, coop):
        selection = self.working(coop)
        if selection is None or not selection.is_editable:
            return False
        chosen = set(selection.choices.values_list("engagement__number", flat=True))
        if len(chosen) > 2 and self.rng.random() < 0.5:
            selection.choices.filter(engagement__number=self.rng.choice(sorted(chosen))).delete()
        else:
            free = sorted(set(range(1, 13)) - chosen)
            choice = Choice.objects.create(
                selection=selection,
                engagement=Engagement.objects.get(number=self.rng.choice(free)),
            )
            Project.objects.create(choice=choice, title="Un projet", description="Décrit.")
        return True

    def move(self, coop, name):
        selection = (
            Selection.objects.filter(cooperative=coop, campaign=self.current)
            .order_by("-revision")
            .first()
        )
        if selection is None:
            return False
        try:
            if name == "submit":
                workflow.submit_selection(selection=selection, by=None)
            elif name == "send_back":
                workflow.request_changes(selection=selection, by=self.reviewer, message="À revoir.")
            elif name == "withdraw":
                workflow.withdraw_selection(selection=selection, by=None)
            elif name == "validate":
                workflow.validate_selection(selection=selection, by=self.reviewer)
            elif name == "reopen":
                workflow.reopen_selection(selection=selection, by=self.reviewer)
        except workflow.WorkflowError:
            return False
        return True

    def publish_update(self, _coop):
        projects = self.published_projects()
        if not projects:
            return False
        project = self.rng.choice(projects)
        indicator = project.indicator_set.first()
        values = ()
        if indicator is not None:
            values = [(indicator, self.rng.randint(1, 500), datetime.date(2025, 3, 1))]
        # Published by a reviewer, or at once where the campaign publishes directly.
        direct = self.rng.random() < 0.5
        campaign = project.choice.selection.campaign
        campaign.publish_updates_directly = direct
        campaign.save()
        factories.make_progress_update(
            project,
            status=self.rng.choice([ProjectStatus.IN_PROGRESS, ProjectStatus.DONE]),
            values=values,
            reviewer=None if direct else self.reviewer,
        )
        return True

    def measure(self, _coop):
        projects = self.published_projects()
        if not projects:
            return False
        project = self.rng.choice(projects)
        catalogue = self.rng.choice([self.households, self.energy])
        indicator = factories.make_indicator(
            project, target=self.rng.randint(10, 200), catalogue=catalogue, unit=""
        )
        for year in (2024, 2025):
            factories.make_measurement(
                indicator, Decimal(self.rng.randint(0, 3000)) / 10, datetime.date(year, 6, 30)
            )
        return True

    def change_project(self, _coop):
        projects = self.published_projects()
        if not projects:
            return False
        project = self.rng.choice(projects)
        project.progress = self.rng.choice(list(Project.Progress))
        project.save()
        return True

    def change_cooperative(self, coop):
        coop.region = self.rng.choice(REGIONS)
        coop.homes_managed = self.rng.choice([None, 50, 800])
        coop.save()
        return True

    def past_cycle(self, coop):
        if Selection.objects.filter(cooperative=coop, campaign=self.past).exists():
            return False
        # A selection of the past campaign, loaded in bulk as generate_bulk does.
        selection = factories.make_selection(coop, self.past, numbers=[1, 2])
        bulk_load.load_in_bulk(
            [selection], validated=True, submitted_on=self.past.opens_on + datetime.timedelta(1)
        )
        return True

    def reference(self, _coop):
        # An engagement moved to another pillar: the lines it names move with it.
        engagement = Engagement.objects.get(number=self.rng.randint(1, 12))
        engagement.pillar = Pillar.objects.exclude(pk=engagement.pillar_id).first()
        engagement.save()
        return True

    def delete_cooperative(self, coop):
        if len(self.coops) < 4:
            return False
        self.coops.remove(coop)
        coop.delete()
        return True


MOVES = [
    ("start", lambda world, coop: world.start(coop)),
    ("edit_choices", lambda world, coop: world.edit_choices(coop)),
    ("submit", lambda world, coop: world.move(coop, "submit")),
    ("submit", lambda world, coop: world.move(coop, "submit")),
    ("send_back", lambda world, coop: world.move(coop, "send_back")),
    ("withdraw", lambda world, coop: world.move(coop, "withdraw")),
    ("validate", lambda world, coop: world.move(coop, "validate")),
    ("validate", lambda world, coop: world.move(coop, "validate")),
    ("reopen", lambda world, coop: world.move(coop, "reopen")),
    ("publish_update", lambda world, coop: world.publish_update(coop)),
    ("publish_update", lambda world, coop: world.publish_update(coop)),
    ("measure", lambda world, coop: world.measure(coop)),
    ("measure", lambda world, coop: world.measure(coop)),
    ("change_project", lambda world, coop: world.change_project(coop)),
    ("change_cooperative", lambda world, coop: world.change_cooperative(coop)),
    ("past_cycle", lambda world, coop: world.past_cycle(coop)),
    ("reference", lambda world, coop: world.reference(coop)),
    ("delete_cooperative", lambda world, coop: world.delete_cooperative(coop)),
]


def assert_pages_count_as_before(world):
    """The read models give what the live aggregates over every project give."""
    engagements = list(
        Engagement.objects.select_related("pillar").with_published_counts().order_by("number")
    )
    home = queries.home_page()
    shown = {e.number: e for pillar in home.pillars for e in pillar.engagements_shown}
    for engagement in engagements:
        assert shown[engagement.number].cooperative_count == engagement.cooperative_count
        assert shown[engagement.number].project_count == engagement.project_count
    assert home.figures.cooperatives == Selection.objects.published().count()
    assert home.figures.projects == Project.objects.published().count()
    by_pillar = rollups.rollups_by(
        Project.objects.published(), "choice__engagement__pillar__number"
    )
    for pillar in home.pillars:
        assert pillar.progress == by_pillar.get(pillar.number, rollups.EMPTY)

    stats = statistics_figures.statistics()
    through = "engagements__choices__selection"
    pillars = Pillar.objects.annotate(
        cooperatives=Count(through, filter=published(through), distinct=True),
        choices=Count("engagements__choices", filter=published(through), distinct=True),
    )
    assert [(p.cooperative_count, p.choice_count) for p in stats.pillars] == [
        (p.cooperatives, p.choices) for p in pillars.order_by("number")
    ]

    for engagement in engagements:
        page = queries.engagement_page(engagement.number)
        assert page.project_count == engagement.project_count
        assert page.page_obj.paginator.count == engagement.cooperative_count
        expected = rollups.rollups_by(
            Project.objects.published().filter(choice__engagement=engagement),
            "choice__engagement__number",
        ).get(engagement.number, rollups.EMPTY)
        assert page.progress == expected

    assert summaries.network_totals() == network.totals()

    latest = [
        Selection.objects.filter(cooperative=coop, campaign=world.current)
        .order_by("-revision")
        .first()
        for coop in world.coops
    ]
    latest = [selection for selection in latest if selection is not None]
    statuses, chosen = coverage.counts(world.current, engagements)
    assert dict(statuses) == {
        status: sum(s.status == status for s in latest) for status in coverage.STATUS_ORDER
    }
    assert dict(chosen) == {
        engagement: Choice.objects.filter(selection__in=latest, engagement=engagement).count()
        for engagement in engagements
    }


@pytest.mark.parametrize("seed_value", [1, 2, 3])
def test_the_kept_summaries_equal_a_rebuild_after_any_sequence_of_moves(reference, seed_value):
    rng = random.Random(seed_value)
    world = World(rng)
    made = []
    for step in range(STEPS):
        name, move = rng.choice(MOVES)
        coop = rng.choice(world.coops)
        if move(world, coop):
            made.append(name)
            assert_kept_equals_rebuilt(f"step {step}: {name} ({made})")
    # The sequence went through the moves that matter, not only the skipped ones.
    assert {"publish_update", "measure"} <= set(made)
    assert {"validate", "past_cycle"} & set(made)
    lines = assert_kept_equals_rebuilt("end")
    assert lines[(summaries.COOPERATIVES, "")][0] == Selection.objects.published().count()
    assert_pages_count_as_before(world)


def test_the_pages_count_as_before_on_the_seed_with_updates_and_values(seed, reference):
    world = World(random.Random(7))
    for coop in world.coops[:3]:
        factories.make_published(coop, world.current, world.reviewer, numbers=[1, 5, 9])
    for _ in range(6):
        world.measure(None)
        world.publish_update(None)
    # A value reported on a project in a draft counts nowhere.
    draft = factories.make_selection(world.coops[3], world.current, numbers=[9])
    indicator = factories.make_indicator(
        Project.objects.get(choice__selection=draft), catalogue=world.households, unit=""
    )
    factories.make_measurement(indicator, 9999, datetime.date(2025, 6, 30))

    assert_kept_equals_rebuilt("seed")
    assert_pages_count_as_before(world)


def test_an_update_older_than_a_year_leaves_the_recent_count(reference):
    world = World(random.Random(3))
    coop = world.coops[0]
    factories.make_published(coop, world.current, world.reviewer, numbers=[4, 5])
    project = Project.objects.published().filter(choice__engagement__number=4).first()
    update = factories.make_progress_update(project, reviewer=world.reviewer)
    update.published_at = update.published_at - datetime.timedelta(days=400)
    update.save()

    assert queries.engagement_page(4).progress.recent_updates == 0
    factories.make_progress_update(project, reviewer=world.reviewer)
    assert queries.engagement_page(4).progress.recent_updates == 1
    assert_kept_equals_rebuilt("updates")


def test_the_command_rebuilds_the_summaries_twice_alike(seed, capsys):
    before = summaries.lines()
    summaries.Summary.objects.all().delete()

    call_command("rebuild_summaries")
    once = summaries.lines()
    call_command("rebuild_summaries")

    assert once == before == summaries.lines()
    assert once[(summaries.COOPERATIVES, "")][0] == 8
    assert "Lignes de synthèse recalculées" in capsys.readouterr().out


def test_a_deleted_cooperative_leaves_the_figures(seed, client):
    before = summaries.lines()[(summaries.COOPERATIVES, "")][0]
    published_coop = Selection.objects.published().first().cooperative

    published_coop.delete()

    assert summaries.lines()[(summaries.COOPERATIVES, "")][0] == before - 1
    assert_kept_equals_rebuilt("deleted")
    assert client.get(reverse("public:home")).status_code == 200


def test_a_free_indicator_never_reaches_the_network_lines(reference):
    world = World(random.Random(5))
    factories.make_published(world.coops[0], world.current, world.reviewer, numbers=[9, 10])
    project = Project.objects.published().first()
    free = factories.make_indicator(project, unit="")
    factories.make_measurement(free, 12, datetime.date(2025, 6, 30))

    assert not any(kind == summaries.NETWORK for kind, _key in summaries.lines())


def statistics_queries(client):
    url = reverse("discovery:statistics")
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context.captured_queries)


def test_the_statistics_page_costs_the_same_with_ten_times_the_data(client, seed):
    world = World(random.Random(9))
    client.get(reverse("discovery:statistics"))  # warm-up: first-request caches
    cache.clear()
    on_the_seed = statistics_queries(client)
    for index in range(72):
        coop = factories.make_coop(f"Coopérative en plus {index:02d}")
        numbers = [(index + offset) % 12 + 1 for offset in range(8)]
        factories.make_published(coop, world.current, world.reviewer, numbers=numbers)
    for _ in range(5):
        world.measure(None)
        world.publish_update(None)
    cache.clear()

    assert statistics_queries(client) == on_the_seed


@pytest.mark.django_db(transaction=True)
def test_rows_written_outside_a_move_are_counted_as_their_transaction_commits(reference):
    # A fixture loaded raw, as `make run` and the browser tests load the seed: no
    # move refreshes anything, the commit does (Django empties its list of
    # callbacks before running them, so the callback carries what to refresh).
    call_command("loaddata", "cooperatives", "campaign_2024", verbosity=0)
    published = Selection.objects.published().count()
    assert published > 0
    assert summaries.lines()[(summaries.COOPERATIVES, "")][0] == published
    assert_kept_equals_rebuilt("seed loaded")

    # A published project deleted outside any move (the admin's way).
    project = Project.objects.published().first()
    engagement = str(project.choice.engagement.number)
    before = summaries.lines()[(summaries.ENGAGEMENT_PROJECTS, engagement)][0]
    with transaction.atomic():
        project.delete()
    assert summaries.lines()[(summaries.ENGAGEMENT_PROJECTS, engagement)][0] == before - 1
    assert_kept_equals_rebuilt("project deleted")
