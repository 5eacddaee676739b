"""One domain event for published content: sent once per change, acted on by each subscriber.

The page cache (through the public version), the cooperatives' PDFs and the
open-data files all follow ``commitments.publication.published_content_changed``.
"""

import pytest
from django.db import transaction
from django.utils import timezone

from commitments import bulk_load, progress, publication
from commitments.models import Choice, Engagement, Project, Selection
from qualicoop.documents.models import CooperativeDocument
from qualicoop.lib import file_store
from qualicoop.lib.public_cache import public_version
from qualicoop.public import opendata_files
from tests import factories
from tests.unit.test_documents import flat, pdf_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def events():
    """Each event sent: (selection ids, reference)."""
    sent = []

    def record(sender, *, selection_ids, reference, **kwargs):
        sent.append((set(selection_ids), reference))

    publication.published_content_changed.connect(record, dispatch_uid="test-events")
    yield sent
    publication.published_content_changed.disconnect(dispatch_uid="test-events")


@pytest.fixture
def world(campaign, coop_a, staff_a, reviewer):
    """Alpha's published selection, with an indicator, a value and a published update."""
    selection = factories.make_published(coop_a, campaign, reviewer)
    project = Project.objects.filter(choice__selection=selection).order_by("pk").first()
    indicator = factories.make_indicator(
        project, name="Familles relogées", unit="familles", target=100
    )
    measurement = factories.make_measurement(indicator, 12, measured_on=timezone.localdate())
    update = progress.create_update(
        project=project,
        data={
            "status": "in_progress",
            "reason": "",
            "text": "Les travaux ont commencé.",
            "happened_on": timezone.localdate(),
        },
        by=staff_a,
        submit=True,
    )
    update = progress.publish_update(update=update, by=reviewer)
    return {
        "selection": selection,
        "coop": coop_a,
        "choice": project.choice,
        "project": project,
        "indicator": indicator,
        "measurement": measurement,
        "update": update,
    }


def _rename(obj, field, value):
    setattr(obj, field, value)
    obj.save()


CHANGES = {
    "cooperative name": lambda w: _rename(w["coop"], "name", "Coopérative Alpha Renommée"),
    "choice": lambda w: w["choice"].save(),
    "project": lambda w: _rename(w["project"], "title", "Un titre corrigé"),
    "indicator": lambda w: _rename(w["indicator"], "target_value", 120),
    "measurement": lambda w: _rename(w["measurement"], "value", 14),
    "progress update": lambda w: _rename(w["update"], "text", "Texte corrigé."),
}


@pytest.mark.parametrize("kind", CHANGES)
def test_each_kind_of_published_change_fires_the_event_once(
    kind, world, events, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        CHANGES[kind](world)

    assert events == [({world["selection"].pk}, kind == "cooperative name")]


def test_a_deleted_project_names_its_selection_alone(
    world, events, django_capture_on_commit_callbacks
):
    # The deletion cascades to its indicator, value and update: each row says
    # which selection it leaves, the same one.
    with django_capture_on_commit_callbacks(execute=True):
        world["project"].delete()

    assert events
    assert {frozenset(ids) for ids, _reference in events} == {frozenset({world["selection"].pk})}


def test_reference_data_fires_it_once_for_every_page(
    world, events, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _rename(Engagement.objects.get(number=1), "title", "Un engagement reformulé")

    assert events == [(set(), True)]


def test_a_draft_change_fires_nothing(campaign, coop_b, events, django_capture_on_commit_callbacks):
    draft = factories.make_selection(coop_b, campaign, numbers=[1, 2])
    with django_capture_on_commit_callbacks(execute=True):
        project = Project.objects.filter(choice__selection=draft).first()
        _rename(project, "title", "Brouillon retouché")
        Choice.objects.filter(selection=draft).first().save()

    assert events == []


def test_a_rolled_back_change_fires_nothing(world, events, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                _rename(world["project"], "title", "Jamais enregistré")
                raise RuntimeError
        except RuntimeError:
            pass

    assert events == []


def test_the_bulk_loader_fires_it_once(
    campaign, coop_a, coop_b, events, django_capture_on_commit_callbacks
):
    drafts = [
        factories.make_selection(coop, campaign, numbers=range(1, 9)) for coop in (coop_a, coop_b)
    ]
    with django_capture_on_commit_callbacks(execute=True):
        bulk_load.load_in_bulk(drafts, validated=True, submitted_on=timezone.localdate())

    assert events == [(set(), True)]


def test_a_change_refreshes_the_page_cache_the_pdf_and_the_open_data_files(
    world, django_capture_on_commit_callbacks
):
    opendata_files.refresh_files.call(opendata_files.current_stamp())
    version = public_version()

    with django_capture_on_commit_callbacks(execute=True):
        _rename(world["project"], "title", "Un titre revu pour la fédération")

    assert public_version() != version
    document = CooperativeDocument.objects.get(selection=world["selection"])
    assert "Un titre revu pour la fédération" in flat(pdf_text(file_store.read(document.key)))
    stamp = opendata_files.current_stamp()
    assert {opendata_files.written_stamp(name) for name in opendata_files.SETS} == {stamp}


def test_a_published_cooperative_costs_a_bounded_number_of_queries(
    campaign, coop_a, reviewer, django_assert_max_num_queries
):
    # 99 queries with receivers of their own for each consumer; 67 with the one
    # event (which asks nothing more here), 60 with the engagements read at once;
    # 68 once each first version also takes its public id, 65 once the moves
    # hand the saved row back instead of reading it again; 106 once each step
    # (started, engagements chosen, submitted, validated) refreshes the
    # cooperative's share of the summaries, which the pages then read instead
    # of counting the whole federation (9 to 14 queries a step, bounded by
    # the cooperative), and the validation asks once whether any webhook listens.
    with django_assert_max_num_queries(106):
        factories.make_published(coop_a, campaign, reviewer)
    assert Selection.objects.published().filter(cooperative=coop_a).exists()
