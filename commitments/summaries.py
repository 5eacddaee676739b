"""The summaries: the figures of the public pages and the dashboard, kept as content moves.

The home page, the statistics, the engagement pages, "Le réseau en chiffres"
and the federation's dashboard show figures over every cooperative. Counting
them at each render grew with the federation (seconds at 20,000
cooperatives); they are read here from a few ``Summary`` lines instead, whose
number depends on the engagements, the catalogue and the days, never on the
cooperatives.

Each line is the sum of the cooperatives' shares (``CooperativeSummary``).
A saved or deleted row marks its cooperative (``mark``, from the receivers of
``publication``: every public row, and every selection and choice for the
dashboard); the moves (``workflow.py``, ``progress.py``, ``editing.py``'s
choice of engagements, ``bulk_load.py``) end with ``flush``, which works out
the marked cooperatives' shares again from their own rows and moves the lines
by the difference, in the move's own transaction: a move that chose eight
engagements refreshes its cooperative once, not eight times. A row written
outside a move (the admin, a script) is refreshed as its transaction commits,
and a read of the lines first takes what its own transaction marked.
``rebuild`` works out every share from scratch (``manage.py
rebuild_summaries``, and the migration that made them); both call the same
``_shares``, and a test holds that the kept lines always equal the rebuilt
ones.

The kinds of line and their keys (engagements and pillars by number):

* ``cooperatives`` ("") and ``projects`` (""): the published selections and their projects;
* ``engagement.cooperatives`` and ``engagement.projects`` (engagement): who chose it, and
  their projects under it; ``pillar.cooperatives`` (pillar): who chose any of its engagements;
* ``engagement.stage`` ("engagement:stage"), ``engagement.indicators`` and
  ``engagement.reached`` (engagement): the progress roll-ups (``rollups``);
* ``updates`` ("day:engagement"): updates published that day, for the last 12 months;
* ``network`` ("catalogue indicator:year:group", the group ``all``, ``engagement-N``,
  ``pillar-N`` or ``region-NAME``): the sums of ``network.Sums``;
* ``campaign.status`` ("campaign:status") and ``campaign.engagement`` ("campaign:engagement
  pk"): each cooperative's latest version in the campaign, the dashboard's counts.
"""

import datetime
import functools
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import BooleanField, Count, Exists, ExpressionWrapper, OuterRef, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from coops.models import Cooperative

from . import network, rollups
from .models import (
    CatalogueIndicator,
    Choice,
    CooperativeSummary,
    Engagement,
    Pillar,
    Project,
    Selection,
    Summary,
    published,
)

COOPERATIVES = "cooperatives"
PROJECTS = "projects"
ENGAGEMENT_COOPERATIVES = "engagement.cooperatives"
ENGAGEMENT_PROJECTS = "engagement.projects"
PILLAR_COOPERATIVES = "pillar.cooperatives"
STAGE = "engagement.stage"
INDICATORS = "engagement.indicators"
REACHED = "engagement.reached"
UPDATES = "updates"
NETWORK = "network"
CAMPAIGN_STATUS = "campaign.status"
CAMPAIGN_ENGAGEMENT = "campaign.engagement"

# The published counts and roll-ups, read together by the public pages.
PUBLIC_KINDS = (
    COOPERATIVES,
    PROJECTS,
    ENGAGEMENT_COOPERATIVES,
    ENGAGEMENT_PROJECTS,
    PILLAR_COOPERATIVES,
    STAGE,
    INDICATORS,
    REACHED,
)

# (count, amount, weighted, weight), as on the lines.
Measures = tuple[int, Decimal, Decimal, int]
ZERO: Measures = (0, Decimal(0), Decimal(0), 0)
# A cooperative's shares: (cooperative id, kind, key) -> measures.
Shares = dict[tuple[int, str, str], Measures]

# Cooperatives worked out together (a bulk load, ``rebuild``): a few queries
# each time, and bounded rows and parameters.
BATCH = 500


def _add(a: Measures, b: Measures, sign: int = 1) -> Measures:
    return (
        a[0] + sign * b[0],
        a[1] + sign * b[1],
        a[2] + sign * b[2],
        a[3] + sign * b[3],
    )


class _Tally(defaultdict[tuple[int, str, str], Measures]):
    """Shares being added up, slot by slot."""

    def __init__(self) -> None:
        super().__init__(lambda: ZERO)

    def add(self, cooperative_id: int, kind: str, key: object, measures: Measures) -> None:
        slot = (cooperative_id, kind, str(key))
        self[slot] = _add(self[slot], measures)

    def count(self, cooperative_id: int, kind: str, key: object, n: int = 1) -> None:
        if n:
            self.add(cooperative_id, kind, key, (n, Decimal(0), Decimal(0), 0))


def _shares(cooperative_ids: list[int]) -> Shares:
    """What ``cooperative_ids`` add to each line, from their rows, in two to seven queries."""
    tally = _Tally()
    # The cooperatives' versions are read once: which one is public, and which
    # is the latest of each campaign for the dashboard.
    versions = list(
        Selection.objects.filter(cooperative_id__in=cooperative_ids)
        .annotate(public=ExpressionWrapper(published(), output_field=BooleanField()))
        .order_by()
        .values_list("pk", "cooperative_id", "campaign_id", "revision", "status", "public")
    )
    publishing = [cooperative_id for _pk, cooperative_id, *_rest, public in versions if public]
    for cooperative_id in publishing:
        tally.count(cooperative_id, COOPERATIVES, "")
    if publishing:
        _public_shares(publishing, tally)
    _dashboard_shares(versions, tally)
    return {slot: measures for slot, measures in tally.items() if measures != ZERO}


def _public_shares(cooperative_ids: list[int], tally: _Tally) -> None:
    """The published selections' part: counts, roll-ups and network sums (five queries)."""
    for cooperative_id, engagement, pillar, project_count in (
        Choice.objects.published()
        .filter(selection__cooperative_id__in=cooperative_ids)
        .annotate(project_count=Count("projects"))
        .values_list(
            "selection__cooperative_id",
            "engagement__number",
            "engagement__pillar__number",
            "project_count",
        )
    ):
        tally.count(cooperative_id, ENGAGEMENT_COOPERATIVES, engagement)
        tally.count(cooperative_id, ENGAGEMENT_PROJECTS, engagement, project_count)
        tally.count(cooperative_id, PROJECTS, "", project_count)
        # Once per cooperative, however many of the pillar's engagements it chose.
        tally[(cooperative_id, PILLAR_COOPERATIVES, str(pillar))] = (1, Decimal(0), Decimal(0), 0)

    published_projects = Project.objects.published().filter(
        choice__selection__cooperative_id__in=cooperative_ids
    )
    coop, engagement_number = "choice__selection__cooperative_id", "choice__engagement__number"
    for cooperative_id, engagement, stage, n in rollups.stage_counts(
        published_projects, coop, engagement_number
    ):
        tally.count(cooperative_id, STAGE, f"{engagement}:{stage}", n)
    for cooperative_id, engagement, total, reached in rollups.indicator_counts(
        published_projects, coop, engagement_number
    ):
        tally.count(cooperative_id, INDICATORS, engagement, total)
        tally.count(cooperative_id, REACHED, engagement, reached)
    for cooperative_id, engagement, day, n in (
        rollups.published_updates(published_projects)
        .filter(published_at__isnull=False)
        .annotate(day=TruncDate("published_at"))
        .order_by()
        .values_list(f"project__{coop}", f"project__{engagement_number}", "day")
        .annotate(n=Count("pk"))
    ):
        tally.count(cooperative_id, UPDATES, f"{day.isoformat()}:{engagement}", n)

    for (catalogue_id, year), contributions in network.contributions(
        cooperative_ids=cooperative_ids
    ).items():
        for contribution in contributions:
            of = network.sums([contribution])
            measures = (of.count, of.amount, of.weighted, of.weight)
            for group in (
                "all",
                f"engagement-{contribution.engagement}",
                f"pillar-{contribution.pillar}",
                f"region-{contribution.region}",
            ):
                tally.add(
                    contribution.cooperative_id, NETWORK, f"{catalogue_id}:{year}:{group}", measures
                )


def _dashboard_shares(versions: list[tuple[int, int, int, int, str, bool]], tally: _Tally) -> None:
    """The dashboard's part: each cooperative's latest version in each campaign (one query)."""
    latest: dict[tuple[int, int], tuple[int, int, str]] = {}
    for pk, cooperative_id, campaign_id, revision, status, _public in versions:
        if revision > latest.get((cooperative_id, campaign_id), (0, 0, ""))[1]:
            latest[(cooperative_id, campaign_id)] = (pk, revision, status)
    of_version = {}
    for (cooperative_id, campaign_id), (pk, _revision, status) in latest.items():
        tally.count(cooperative_id, CAMPAIGN_STATUS, f"{campaign_id}:{status}")
        of_version[pk] = (cooperative_id, campaign_id)
    for selection_id, engagement_id in Choice.objects.filter(
        selection_id__in=list(of_version)
    ).values_list("selection_id", "engagement_id"):
        cooperative_id, campaign_id = of_version[selection_id]
        tally.count(cooperative_id, CAMPAIGN_ENGAGEMENT, f"{campaign_id}:{engagement_id}")


def _deleted() -> set[int]:
    """The cooperatives being deleted in this transaction: their rows go, nothing is refreshed."""
    deleting: set[int] | None = getattr(connection, "_summaries_deleting", None)
    if deleting is None:
        deleting = set()
        connection._summaries_deleting = deleting  # type: ignore[attr-defined]
    return deleting


class _Pending(set[int]):
    """The cooperatives marked in the current transaction, not yet refreshed.

    It belongs to the transaction that marked them: a callback of that
    transaction's commit tells whether it is still the current one (as the
    publication's memo does). ``everything``: a rebuild is due instead.
    """

    everything = False


def _flush_after_commit(pending: _Pending) -> None:
    """What the committed transaction marked and no move refreshed: done now.

    Django empties the connection's list of callbacks before running them, so
    the pending set is handed to this callback rather than looked up.
    """
    if getattr(connection, "_summaries_pending", None) is pending:
        connection._summaries_pending = None  # type: ignore[attr-defined]
    _apply(pending)


def _flushes(callback: object, pending: _Pending) -> bool:
    return (
        isinstance(callback, functools.partial)
        and callback.func is _flush_after_commit
        and callback.args[0] is pending
    )


def _pending(create: bool) -> _Pending | None:
    pending: _Pending | None = getattr(connection, "_summaries_pending", None)
    if pending is not None and any(
        _flushes(entry[1], pending) for entry in connection.run_on_commit
    ):
        return pending
    connection._summaries_pending = None  # type: ignore[attr-defined]
    if not create:
        return None
    pending = _Pending()
    connection._summaries_pending = pending  # type: ignore[attr-defined]
    # Rows written outside a move: their cooperatives are refreshed as it commits.
    transaction.on_commit(functools.partial(_flush_after_commit, pending))
    return pending


def mark(cooperative_ids: Iterable[int]) -> None:
    """Note that the shares of ``cooperative_ids`` changed: refreshed by the move's ``flush``.

    Outside a transaction, at once.
    """
    ids = set(cooperative_ids) - _deleted()
    if not ids:
        return
    if not connection.in_atomic_block:
        refresh(ids)
        return
    pending = _pending(create=True)
    assert pending is not None
    pending.update(ids)


def mark_everything() -> None:
    """Rows written past the domain (a fixture being loaded): everything is worked out
    again at the next ``flush``, or as the transaction commits."""
    if not connection.in_atomic_block:
        rebuild()
        return
    pending = _pending(create=True)
    assert pending is not None
    pending.everything = True


def mark_selections(selection_ids: Iterable[int]) -> None:
    """Mark the cooperatives of ``selection_ids`` (one query to find them)."""
    selection_ids = list(selection_ids)
    if selection_ids:
        mark(
            Selection.objects.filter(pk__in=selection_ids).values_list("cooperative_id", flat=True)
        )


def flush() -> None:
    """Refresh the cooperatives marked in this transaction (nothing to read when none)."""
    pending = _pending(create=False)
    if pending is not None:
        _apply(pending)


def _apply(pending: _Pending) -> None:
    """Refresh what ``pending`` holds, then empty it: nothing is worked out twice."""
    if pending.everything:
        pending.everything = False
        pending.clear()
        rebuild()
    elif pending:
        ids = set(pending)
        pending.clear()
        refresh(ids)


def refresh(cooperative_ids: Iterable[int]) -> None:
    """Work out the shares of ``cooperative_ids`` again and move the lines by the difference.

    Bounded by those cooperatives' rows, whatever the size of the federation.
    Called in the transaction of the change; it opens one if there is none.
    """
    ids = sorted(set(cooperative_ids) - _deleted())
    if not ids:
        return
    # Within the change's transaction: no savepoint of its own (a failure fails the change).
    with transaction.atomic(savepoint=False):
        for start in range(0, len(ids), BATCH):
            batch = ids[start : start + BATCH]
            # Two changes of one cooperative at once: the second waits, then reads
            # the shares the first one wrote (PostgreSQL; SQLite has one writer).
            list(Cooperative.objects.select_for_update().filter(pk__in=batch).values_list("pk"))
            _replace(batch, _shares(batch))


def _replace(ids: list[int], new: Shares) -> None:
    old: Shares = {
        (row.cooperative_id, row.kind, row.key): row.measures()
        for row in CooperativeSummary.objects.filter(cooperative_id__in=ids)
    }
    if old == new:
        return
    difference: dict[tuple[str, str], Measures] = defaultdict(lambda: ZERO)
    for slot in old.keys() | new.keys():
        change = _add(new.get(slot, ZERO), old.get(slot, ZERO), -1)
        if change != ZERO:
            line = (slot[1], slot[2])
            difference[line] = _add(difference[line], change)
    if old:
        CooperativeSummary.objects.filter(cooperative_id__in=ids).delete()
    CooperativeSummary.objects.bulk_create(_share(slot, measures) for slot, measures in new.items())
    _move_lines({line: change for line, change in difference.items() if change != ZERO})


def _move_lines(difference: dict[tuple[str, str], Measures]) -> None:
    """Add ``difference`` to the lines, each locked while it is added to."""
    if not difference:
        return
    # The missing lines are made first, so that every line is locked before it moves.
    Summary.objects.bulk_create(
        (Summary(kind=kind, key=key) for kind, key in difference), ignore_conflicts=True
    )
    by_kind: dict[str, list[str]] = defaultdict(list)
    for kind, key in difference:
        by_kind[kind].append(key)
    which = Q()
    for kind, keys in by_kind.items():
        which |= Q(kind=kind, key__in=keys)
    lines = list(Summary.objects.select_for_update().filter(which).order_by("kind", "key"))
    for line in lines:
        line.count, line.amount, line.weighted, line.weight = _add(
            line.measures(), difference[(line.kind, line.key)]
        )
    Summary.objects.bulk_update(lines, ["count", "amount", "weighted", "weight"])


def cooperative_deleting(cooperative_id: int) -> None:
    """Before a cooperative goes: its shares leave the lines, and its rows, as they go, are
    not counted again."""
    with transaction.atomic(savepoint=False):
        _replace([cooperative_id], {})
    _deleted().add(cooperative_id)
    pending = _pending(create=False)
    if pending:
        pending.discard(cooperative_id)


def cooperative_deleted(cooperative_id: int) -> None:
    _deleted().discard(cooperative_id)


def rebuild() -> int:
    """Every share and line worked out from scratch; returns the number of lines.

    Run by ``manage.py rebuild_summaries`` and by the migration that made the
    summaries; also after loaded fixtures, a restore, and when reference data
    that the keys name changes (an engagement's number or pillar, a catalogue
    indicator deleted), which is rare. Rows that were right are left as they
    are: run twice, or over a restored backup, it writes nothing.
    """
    pending = _pending(create=False)
    if pending is not None:
        pending.clear()
        pending.everything = False
    with transaction.atomic():
        CooperativeSummary.objects.exclude(
            Exists(Selection.objects.filter(cooperative=OuterRef("cooperative")))
        ).delete()
        totals: dict[tuple[str, str], Measures] = defaultdict(lambda: ZERO)
        ids = sorted(set(Selection.objects.values_list("cooperative_id", flat=True)))
        for start in range(0, len(ids), BATCH):
            batch = ids[start : start + BATCH]
            new = _shares(batch)
            old = {
                (row.cooperative_id, row.kind, row.key): row
                for row in CooperativeSummary.objects.filter(cooperative_id__in=batch)
            }
            CooperativeSummary.objects.filter(
                pk__in=[row.pk for slot, row in old.items() if new.get(slot) != row.measures()]
            ).delete()
            CooperativeSummary.objects.bulk_create(
                _share(slot, measures)
                for slot, measures in new.items()
                if slot not in old or old[slot].measures() != measures
            )
            for (_cooperative, kind, key), measures in new.items():
                totals[(kind, key)] = _add(totals[(kind, key)], measures)
        lines = {(line.kind, line.key): line for line in Summary.objects.all()}
        changed = []
        for line_key, line in lines.items():
            measures = totals.get(line_key, ZERO)
            if line.measures() != measures:
                line.count, line.amount, line.weighted, line.weight = measures
                changed.append(line)
        Summary.objects.bulk_update(changed, ["count", "amount", "weighted", "weight"])
        Summary.objects.bulk_create(
            Summary(kind=kind, key=key, count=m[0], amount=m[1], weighted=m[2], weight=m[3])
            for (kind, key), m in totals.items()
            if (kind, key) not in lines
        )
        return len(totals)


def _share(slot: tuple[int, str, str], measures: Measures) -> CooperativeSummary:
    cooperative_id, kind, key = slot
    return CooperativeSummary(
        cooperative_id=cooperative_id,
        kind=kind,
        key=key,
        count=measures[0],
        amount=measures[1],
        weighted=measures[2],
        weight=measures[3],
    )


def lines() -> dict[tuple[str, str], Measures]:
    """Every line that counts something: what the test compares with a rebuild."""
    flush()
    return {
        (line.kind, line.key): line.measures()
        for line in Summary.objects.all()
        if line.measures() != ZERO
    }


# --- Reading ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PublicFigures:
    """The published counts and roll-ups, for every engagement and pillar (two queries)."""

    counts: dict[tuple[str, str], int]
    # Engagement number -> updates published in the last 12 months.
    recent_updates: dict[int, int]

    def get(self, kind: str, key: object = "") -> int:
        return self.counts.get((kind, str(key)), 0)

    @property
    def cooperative_count(self) -> int:
        return self.get(COOPERATIVES)

    @property
    def project_count(self) -> int:
        return self.get(PROJECTS)

    def count_engagements(self, engagements: Iterable[Engagement]) -> None:
        """Each engagement gets ``cooperative_count`` and ``project_count``."""
        for engagement in engagements:
            engagement.cooperative_count = self.get(  # type: ignore[attr-defined]
                ENGAGEMENT_COOPERATIVES, engagement.number
            )
            engagement.project_count = self.get(  # type: ignore[attr-defined]
                ENGAGEMENT_PROJECTS, engagement.number
            )

    def count_pillars(self, pillars: Iterable[Pillar], engagements: Iterable[Engagement]) -> None:
        """Each pillar gets ``cooperative_count`` and ``choice_count`` (its engagements chosen)."""
        choices: dict[int, int] = defaultdict(int)
        for engagement in engagements:
            choices[engagement.pillar_id] += self.get(ENGAGEMENT_COOPERATIVES, engagement.number)
        for pillar in pillars:
            pillar.cooperative_count = self.get(  # type: ignore[attr-defined]
                PILLAR_COOPERATIVES, pillar.number
            )
            pillar.choice_count = choices[pillar.pk]  # type: ignore[attr-defined]

    def rollup(self, number: int) -> rollups.Rollup:
        """The progress roll-up of engagement ``number`` (``rollups.EMPTY`` without projects)."""
        stages = [
            rollups.StageCount(stage, self.get(STAGE, f"{number}:{stage}"))
            for stage in rollups.STAGE_ORDER
        ]
        if not any(stage.count for stage in stages):
            return rollups.EMPTY
        return rollups.Rollup(
            project_count=sum(stage.count for stage in stages),
            stages=stages,
            indicator_count=self.get(INDICATORS, number),
            indicators_reached=self.get(REACHED, number),
            recent_updates=self.recent_updates.get(number, 0),
        )

    def pillar_rollups(self, engagements: Iterable[Engagement]) -> dict[int, rollups.Rollup]:
        """Pillar number -> the roll-up of its engagements, for the pillars with projects."""
        by_pillar: dict[int, list[rollups.Rollup]] = defaultdict(list)
        for engagement in engagements:
            rollup = self.rollup(engagement.number)
            if rollup is not rollups.EMPTY:
                by_pillar[engagement.pillar.number].append(rollup)
        return {number: rollups.total(group) for number, group in by_pillar.items()}


def public_figures(today: datetime.date | None = None) -> PublicFigures:
    """The published counts and roll-ups, in two queries over the lines."""
    flush()
    counts = {
        (kind, key): count
        for kind, key, count in Summary.objects.filter(kind__in=PUBLIC_KINDS).values_list(
            "kind", "key", "count"
        )
    }
    # The roll-ups count the updates of the last 365 days, by the day of publication.
    since = (today or timezone.localdate()) - datetime.timedelta(days=365)
    recent: dict[int, int] = defaultdict(int)
    for key, count in Summary.objects.filter(kind=UPDATES, key__gte=since.isoformat()).values_list(
        "key", "count"
    ):
        recent[int(key.rsplit(":", 1)[1])] += count
    return PublicFigures(counts=counts, recent_updates=dict(recent))


def network_totals() -> list[network.IndicatorTotals]:
    """``network.totals()``, from the lines: three queries, whatever the number of values."""
    flush()
    found: dict[tuple[int, int], dict[str, network.Sums]] = defaultdict(dict)
    for key, count, amount, weighted, weight in Summary.objects.filter(
        kind=NETWORK, count__gt=0
    ).values_list("key", "count", "amount", "weighted", "weight"):
        catalogue_id, year_text, group = key.split(":", 2)
        found[(int(catalogue_id), int(year_text))][group] = network.Sums(
            count, amount, weighted, weight
        )
    result = []
    for indicator in CatalogueIndicator.objects.prefetch_related(network.engagements_prefetch()):
        years = sorted(year for (pk, year) in found if pk == indicator.pk)
        if not years:
            continue
        rule = indicator.aggregation
        totals = []
        for year in years:
            groups = found[(indicator.pk, year)]

            def breakdown(prefix: str, key_type: type, groups=groups, rule=rule) -> dict:
                return {
                    key_type(group.removeprefix(prefix)): network.figure_of_sums(rule, of)
                    for group, of in sorted(
                        ((group, of) for group, of in groups.items() if group.startswith(prefix)),
                        key=lambda item: key_type(item[0].removeprefix(prefix)),
                    )
                }

            totals.append(
                network.YearTotals(
                    year=year,
                    figure=network.figure_of_sums(rule, groups["all"]),
                    by_engagement=breakdown("engagement-", int),
                    by_pillar=breakdown("pillar-", int),
                    by_region=breakdown("region-", str),
                )
            )
        result.append(network.IndicatorTotals(indicator=indicator, years=totals))
    return result


def campaign_counts(campaign_id: int) -> tuple[dict[str, int], dict[int, int]]:
    """A campaign's dashboard counts: cooperatives per status of their latest version, and
    per engagement (pk) it chose; one query."""
    flush()
    statuses: dict[str, int] = {}
    engagements: dict[int, int] = {}
    prefix = f"{campaign_id}:"
    for kind, key, count in Summary.objects.filter(
        kind__in=(CAMPAIGN_STATUS, CAMPAIGN_ENGAGEMENT), key__startswith=prefix
    ).values_list("kind", "key", "count"):
        value = key.removeprefix(prefix)
        if kind == CAMPAIGN_STATUS:
            statuses[value] = count
        else:
            engagements[int(value)] = count
    return statuses, engagements
