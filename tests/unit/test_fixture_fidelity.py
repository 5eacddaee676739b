"""The committed fixtures hold the federation's Quali'Coop page, word for word.

The seed page is read here with its own small parser (not the generator's), so
a bug in ``scripts/build_fixtures.py`` cannot hide itself: every pillar,
engagement and example project of the page must be in the loaded fixtures,
each project under the right engagement and the right cooperative.
"""

import re
from collections import Counter, defaultdict
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.utils.text import slugify

from commitments.models import Campaign, Choice, Engagement, Pillar, Project, Selection
from coops.models import Cooperative

# How the page names the cooperative carrying a project (case-sensitive: the
# carrier is written in capitals; "au Logis Breton" or "Fondation BATIGERE" are
# mere mentions). The first of these names in a project is its carrier.
CARRIER_NAMES = {
    "GRAND DELTA HABITAT": "grand-delta-habitat",
    "GDH": "grand-delta-habitat",
    "CAPS": "la-caps",
    "COOP LOGIS": "coop-logis",
    "LOGIS CORSE": "le-logis-corse",
    "LE COL": "le-col",
    "du COL": "le-col",
    "BATIGERE MAISON FAMILIALE": "batigere-maison-familiale",
    "LOGIS BRETON": "le-logis-breton",
    "AIGUILLON RESIDENCES": "aiguillon-residences",
    "AIGUILLON RESIDENCE": "aiguillon-residences",  # sic, once on the page
}

# The engagements each cooperative carries on the page, as a person reads it.
# Cross-checks the name table above as much as the fixtures.
EXPECTED_COVERAGE = {
    "grand-delta-habitat": {1, 2, 4, 5, 6, 7, 8, 9, 11, 12},
    "la-caps": {1, 4, 5, 7, 8, 9, 10, 11},
    "coop-logis": {1, 2, 3, 7, 8, 9, 11, 12},
    "le-logis-corse": {1, 2, 3, 7, 8, 9, 11, 12},
    "le-col": {1, 2, 3, 5, 6, 10, 11, 12},
    "batigere-maison-familiale": {2, 4, 5, 6, 7, 9, 11, 12},
    "le-logis-breton": {2, 3, 4, 5, 7, 8, 9, 12},
    "aiguillon-residences": {2, 4, 6, 7, 8, 9, 11, 12},
}

SEED_PROJECTS = 67


def seed_path():
    # The page is kept in the repository, beside the fixtures built from it, so
    # that a checkout alone checks them: a missing copy fails, it never skips.
    return Path(settings.BASE_DIR) / "fixtures" / "seed" / "quali-coop-engagements.txt"


def carrier(text):
    """Slug of the first cooperative name of CARRIER_NAMES found in ``text``."""
    found = []
    for name, slug in CARRIER_NAMES.items():
        match = re.search(rf"(?<!\w){re.escape(name)}(?!\w)", text)
        if match:
            found.append((match.start(), -len(name), slug))
    return min(found)[2] if found else None


@pytest.fixture(scope="module")
def seed():
    text = seed_path().read_text(encoding="utf-8")

    pillars = {
        int(number): (name.strip(), tagline.strip())
        for number, name, tagline in re.findall(
            r"^Pilier\s+(\d+)\s*:\s*(.+?)\s+:\s+(.+)$", text, flags=re.MULTILINE
        )
    }

    # re.split with two groups: [preamble, n, title, body, n, title, body, …]
    parts = re.split(r"^Engagement n°(\d+)\s*:\s*(.+)$", text, flags=re.MULTILINE)
    engagements = {}
    projects = []  # (engagement number, carrier slug, text), in page order
    for number, title, body in zip(parts[1::3], parts[2::3], parts[3::3], strict=True):
        number = int(number)
        paragraphs = [p.strip() for p in re.split(r"\n\s*\n", body) if p.strip()]
        engagements[number] = (title.strip(), paragraphs[0])
        for line in body.splitlines():
            if line.strip().startswith("•"):
                bullet = line.strip()[1:].strip()
                projects.append((number, carrier(bullet), bullet))

    return {"pillars": pillars, "engagements": engagements, "projects": projects}


@pytest.fixture
def loaded(db):
    try:
        call_command("loaddata", "reference", "cooperatives", "campaign_2024", verbosity=0)
    except CommandError as exc:
        pytest.fail(f"loaddata failed: {exc} (is fixtures/ in settings.FIXTURE_DIRS?)")


def report(problems):
    return f"{len(problems)} problem(s):\n  " + "\n  ".join(problems)


def test_the_seed_is_read_as_a_person_reads_it(seed):
    projects = seed["projects"]
    assert len(seed["pillars"]) == 3, sorted(seed["pillars"])
    assert sorted(seed["engagements"]) == list(range(1, 13)), sorted(seed["engagements"])
    assert len(projects) == SEED_PROJECTS, f"{len(projects)} project bullets on the page"
    unattributed = [text[:80] for _, slug, text in projects if slug is None]
    assert not unattributed, report([f"no cooperative named in: {t}…" for t in unattributed])
    coverage = defaultdict(set)
    for number, slug, _ in projects:
        coverage[slug].add(number)
    assert dict(coverage) == EXPECTED_COVERAGE


def test_pillars_match_the_seed(seed, loaded):
    problems = []
    for number, (name, tagline) in sorted(seed["pillars"].items()):
        pillar = Pillar.objects.filter(number=number).first()
        if pillar is None:
            problems.append(f"pillar {number} missing")
            continue
        if pillar.name != name:
            problems.append(f"pillar {number} name: {pillar.name!r} != seed {name!r}")
        if pillar.tagline != tagline:
            problems.append(f"pillar {number} tagline: {pillar.tagline!r} != seed {tagline!r}")
    assert Pillar.objects.count() == 3
    assert not problems, report(problems)


def test_engagements_match_the_seed(seed, loaded):
    problems = []
    for number, (title, description) in sorted(seed["engagements"].items()):
        engagement = Engagement.objects.select_related("pillar").filter(number=number).first()
        if engagement is None:
            problems.append(f"engagement {number} missing")
            continue
        if engagement.title != title:
            problems.append(f"engagement {number} title: {engagement.title!r} != seed {title!r}")
        if engagement.description != description:
            problems.append(f"engagement {number} description differs from the seed")
        expected_pillar = (number - 1) // 4 + 1
        if engagement.pillar.number != expected_pillar:
            problems.append(
                f"engagement {number} under pillar {engagement.pillar.number}, "
                f"expected {expected_pillar}"
            )
    assert Engagement.objects.count() == 12
    assert not problems, report(problems)


def test_every_seed_project_is_loaded_once_under_its_engagement_and_cooperative(seed, loaded):
    problems = []
    for number, slug, text in seed["projects"]:
        matches = list(
            Project.objects.filter(description=text).values_list(
                "choice__engagement__number", "choice__selection__cooperative__slug"
            )
        )
        if len(matches) != 1:
            problems.append(f"{len(matches)} projects (expected 1) with text {text[:70]!r}…")
        elif matches[0] != (number, slug):
            problems.append(
                f"project {text[:60]!r}… is under engagement {matches[0][0]} of "
                f"{matches[0][1]}, expected engagement {number} of {slug}"
            )
    assert not problems, report(problems)
    assert Project.objects.count() == SEED_PROJECTS, "the fixtures hold projects not on the page"


def test_projects_keep_the_page_order_and_have_titles(seed, loaded):
    expected = defaultdict(list)
    for number, slug, text in seed["projects"]:
        expected[(slug, number)].append(text)
    problems = []
    for choice in Choice.objects.select_related("selection__cooperative", "engagement"):
        key = (choice.selection.cooperative.slug, choice.engagement.number)
        projects = list(choice.projects.order_by("position"))
        if [p.description for p in projects] != expected.get(key):
            problems.append(f"projects of {key} not in page order (or not the page's)")
        if [p.position for p in projects] != list(range(len(projects))):
            problems.append(f"positions of {key}: {[p.position for p in projects]}")
        problems += [f"project {p.pk} has no title" for p in projects if not p.title.strip()]
    assert Choice.objects.count() == len(expected), "one choice per (cooperative, engagement)"
    assert not problems, report(problems)


def test_each_cooperative_covers_at_least_the_minimum(loaded):
    campaign = Campaign.objects.get(slug="qualicoop-2024")
    assert campaign.min_engagements == 8
    chosen = defaultdict(set)
    for slug, number in Choice.objects.values_list(
        "selection__cooperative__slug", "engagement__number"
    ):
        chosen[slug].add(number)
    problems = [
        f"{coop.slug} covers {sorted(chosen[coop.slug])}, fewer than 8 engagements"
        for coop in Cooperative.objects.all()
        if len(chosen[coop.slug]) < campaign.min_engagements
    ]
    assert Cooperative.objects.count() == 8
    assert not problems, report(problems)
    assert dict(chosen) == EXPECTED_COVERAGE


def test_grand_delta_habitat_has_two_projects_under_engagement_9(loaded):
    per_engagement = Counter(
        Project.objects.filter(
            choice__selection__cooperative__slug="grand-delta-habitat"
        ).values_list("choice__engagement__number", flat=True)
    )
    assert per_engagement[9] == 2, f"Grand Delta Habitat projects per engagement: {per_engagement}"


def test_all_selections_are_validated_and_published(loaded):
    selections = Selection.objects.select_related("cooperative", "campaign")
    assert selections.count() == 8
    problems = [
        f"{s.cooperative.slug}: status={s.status!r} is_published={s.is_published}"
        for s in selections
        if s.status != Selection.Status.VALIDATED or not s.is_published
    ]
    problems += [
        f"{s.cooperative.slug}: decided {s.decided_at} outside the campaign"
        for s in selections
        if not (s.campaign.opens_on <= s.decided_at.date() <= s.campaign.closes_on)
    ]
    problems += [
        f"{s.cooperative.slug}: {s.transitions.count()} transitions, expected 1 to validated"
        for s in selections
        if list(s.transitions.values_list("to_status", flat=True)) != ["validated"]
    ]
    assert not problems, report(problems)


def test_slugs_are_slugify_of_name(loaded):
    rows = [(c.name, c.slug) for c in Cooperative.objects.all()]
    rows += [(c.name, c.slug) for c in Campaign.objects.all()]
    problems = [
        f"{name!r}: slug {slug!r} != {slugify(name)!r}"
        for name, slug in rows
        if slug != slugify(name)
    ]
    assert not problems, report(problems)
