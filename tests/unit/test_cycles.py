"""The commitment cycle: standing, cycles, carry-forward (commitments.cycles)."""

import datetime
import io

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from commitments import cycles, editing, workflow
from commitments.models import (
    Campaign,
    Carry,
    DroppedProject,
    Engagement,
    Project,
    Selection,
)
from commitments.workflow import WorkflowError
from coops.models import Cooperative
from tests import cycles_support, factories

pytestmark = pytest.mark.django_db

D = datetime.date


def _selection(valid_until, renewal_months=6):
    campaign = Campaign(renewal_months=renewal_months)
    return Selection(valid_until=valid_until, campaign=campaign)


# --- Standing at each boundary -------------------------------------------------------


@pytest.mark.parametrize(
    "today,key",
    [
        (D(2027, 3, 31), cycles.ENGAGED),
        # 30 September + 6 months = 30 March: still more than six months to run.
        (D(2029, 9, 30), cycles.ENGAGED),
        # From 1 October, 31 March is within six months.
        (D(2029, 10, 1), cycles.RENEWAL),
        (D(2030, 3, 31), cycles.RENEWAL),  # its last valid day
        (D(2030, 4, 1), cycles.EXPIRED),
    ],
)
def test_standing_moves_at_each_boundary(today, key):
    assert cycles.standing(_selection(D(2030, 3, 31)), today).key == key


def test_standing_labels_say_the_date_in_french():
    selection = _selection(D(2030, 3, 31))

    assert str(cycles.standing(selection, D(2028, 1, 1)).label) == "Engagée jusqu'au 31 mars 2030"
    assert "31 mars 2030" in str(cycles.standing(selection, D(2030, 1, 1)).label)
    assert str(cycles.standing(selection, D(2030, 1, 1)).label).startswith("À renouveler")
    assert str(cycles.standing(selection, D(2031, 1, 1)).label).startswith("Expirée")
    assert str(cycles.standing(None, D(2031, 1, 1)).label) == "Jamais engagée"


def test_the_renewal_window_follows_the_campaign():
    selection = _selection(D(2030, 3, 31), renewal_months=1)

    assert cycles.standing(selection, D(2030, 2, 27)).key == cycles.ENGAGED
    assert cycles.standing(selection, D(2030, 3, 1)).key == cycles.RENEWAL


def test_a_selection_without_an_end_date_is_engaged():
    assert cycles.standing(_selection(None), D(2040, 1, 1)).key == cycles.ENGAGED
    assert str(cycles.standing(_selection(None), D(2040, 1, 1)).label) == "Engagée"


def test_add_months_keeps_the_end_of_month():
    assert cycles.add_months(D(2030, 3, 31), -1) == D(2030, 2, 28)
    assert cycles.add_months(D(2029, 12, 31), 2) == D(2030, 2, 28)
    assert cycles.add_months(D(2029, 1, 15), -13) == D(2027, 12, 15)


# --- Two full cycles ------------------------------------------------------------------


@pytest.fixture
def two_cycles(reference):
    return cycles_support.build()


def test_two_cycles_make_a_timeline_oldest_first(two_cycles):
    timeline = cycles.timeline(two_cycles["coop"])

    assert [cycle.pk for cycle in timeline] == [two_cycles["first"].pk, two_cycles["second"].pk]
    assert [cycle.is_published for cycle in timeline] == [False, True]


def test_only_the_last_validated_revision_of_a_campaign_is_a_cycle(two_cycles, reference):
    reviewer = factories.make_reviewer("rene")
    reopened = workflow.reopen_selection(selection=two_cycles["second"], by=reviewer)
    # The reopened draft is no cycle; the validated one still is.
    assert [c.pk for c in cycles.timeline(two_cycles["coop"])][-1] == two_cycles["second"].pk
    again = cycles_support.submit_and_validate(reopened, reopened.campaign, reviewer)
    assert [c.pk for c in cycles.timeline(two_cycles["coop"])] == [
        two_cycles["first"].pk,
        again.pk,
    ]


def test_the_copy_keeps_the_lineage_and_the_measured_history(two_cycles):
    renewed = Project.objects.get(pk=two_cycles["renewed"].pk)
    assert renewed.lineage == two_cycles["followed"].lineage
    indicator = renewed.indicator_set.get()
    assert [m.value for m in indicator.measurements.all()] == [12]


def test_carry_marks_and_the_drop_are_recorded(two_cycles):
    assert Project.objects.get(pk=two_cycles["renewed"].pk).carry == Carry.RENEWED
    # Edited without being marked: modified on its own.
    assert Project.objects.get(pk=two_cycles["modified"].pk).carry == Carry.MODIFIED
    assert not Project.objects.filter(pk=two_cycles["dropped"].pk).exists()
    dropped = DroppedProject.objects.get()
    assert dropped.reason == "Le terrain n'est plus disponible."
    assert dropped.lineage == two_cycles["dropped"].lineage
    assert dropped.dropped_by == two_cycles["alice"]
    # A new project is not carried.
    assert Project.objects.get(pk=two_cycles["added"].pk).carry == ""


def test_carry_summary_tells_renewed_changed_dropped_and_added(two_cycles):
    summary = cycles.carry_summary(two_cycles["second"])

    assert summary.previous == two_cycles["first"]
    one = summary.for_engagement(Engagement.objects.get(number=1).pk)
    two = summary.for_engagement(Engagement.objects.get(number=2).pk)
    assert [p.pk for p in one.renewed] == [two_cycles["renewed"].pk]
    assert [p.pk for p in one.modified] == [two_cycles["modified"].pk]
    assert [d.title for d in two.dropped] == [two_cycles["dropped"].title]
    assert [p.pk for p in two.added] == [two_cycles["added"].pk]
    assert not one.missing and not two.missing and not one.unmarked


def test_a_first_cycle_has_no_carry_summary(two_cycles):
    assert cycles.carry_summary(two_cycles["first"]) is None


def test_the_standing_moves_with_the_clock(two_cycles):
    second = two_cycles["second"]
    until = second.valid_until
    assert until == workflow.valid_until(timezone.localdate(), 3)

    assert cycles.standing(second, until - datetime.timedelta(days=400)).key == cycles.ENGAGED
    assert cycles.standing(second, until - datetime.timedelta(days=30)).key == cycles.RENEWAL
    assert cycles.standing(second, until + datetime.timedelta(days=1)).key == cycles.EXPIRED


@pytest.mark.parametrize("days,key", [(-400, "engagee"), (-30, "a-renouveler"), (1, "expiree")])
def test_the_annotation_agrees_with_the_function(two_cycles, days, key):
    today = two_cycles["second"].valid_until + datetime.timedelta(days=days)
    factories.make_coop("Coopérative Jamais")

    rows = {c.slug: c.standing_key for c in cycles.with_standing(Cooperative.objects.all(), today)}

    assert rows == {"cooperative-alpha": key, "cooperative-jamais": cycles.NEVER}
    assert cycles.standing(two_cycles["second"], today).key == key


# --- The services refuse what they must -----------------------------------------------


def test_a_project_that_is_not_carried_cannot_be_marked_or_dropped(two_cycles):
    draft = workflow.reopen_selection(selection=two_cycles["second"], by=None)
    # The reopened copy of campaign 2 carries from campaign 1; the added project does not.
    added = Project.objects.get(choice__selection=draft, lineage=two_cycles["added"].lineage)

    with pytest.raises(WorkflowError):
        editing.mark_carry(added, Carry.RENEWED)
    with pytest.raises(WorkflowError):
        editing.drop_project(added, "Plus utile.", by=None)
    assert Project.objects.filter(pk=added.pk).exists()


def test_dropping_needs_a_reason_and_loses_nothing_without_one(two_cycles):
    draft = workflow.reopen_selection(selection=two_cycles["second"], by=None)
    carried = Project.objects.get(choice__selection=draft, lineage=two_cycles["renewed"].lineage)

    with pytest.raises(WorkflowError):
        editing.drop_project(carried, "   ", by=None)

    assert Project.objects.filter(pk=carried.pk).exists()
    assert DroppedProject.objects.filter(selection=draft).count() == 0


def test_a_validated_selection_cannot_be_marked(two_cycles):
    validated = Project.objects.get(pk=two_cycles["renewed"].pk)
    # The validated selection's own project (campaign 2), read-only.
    project = Project.objects.get(choice__selection=two_cycles["second"], lineage=validated.lineage)

    with pytest.raises(WorkflowError):
        editing.mark_carry(project, Carry.MODIFIED)
    with pytest.raises(WorkflowError):
        editing.drop_project(project, "Plus utile.", by=None)


# --- Reminders ------------------------------------------------------------------------


def test_renewal_reminders_go_to_the_members_of_cooperatives_due(two_cycles):
    until = two_cycles["second"].valid_until
    factories.make_user("bernard", coop=factories.make_coop("Coopérative Jamais"))

    assert cycles.send_renewal_reminders(today=until - datetime.timedelta(days=400)).sent == 0
    run = cycles.send_renewal_reminders(today=until - datetime.timedelta(days=30))

    assert run.sent == 1
    assert [m.to for m in mail.outbox] == [["alice@example.org"]]
    body = mail.outbox[0].body
    assert "/espace/cooperative-alpha/" in body
    assert "Coopérative Alpha" in mail.outbox[0].subject
    assert "à renouveler" in run.explanation.lower() or "Renouvellement" in run.explanation


def test_a_reopened_selection_keeps_its_drops_in_the_summary(two_cycles):
    draft = workflow.reopen_selection(selection=two_cycles["second"], by=None)

    summary = cycles.carry_summary(draft)

    two = summary.for_engagement(two_cycles["dropped"].choice.engagement_id)
    one = summary.for_engagement(Engagement.objects.get(number=1).pk)
    assert [d.title for d in (one.dropped + two.dropped)] == [two_cycles["dropped"].title]
    assert not one.missing and not two.missing


def test_the_reminder_command_also_reminds_renewals(two_cycles):
    out = io.StringIO()

    call_command("send_reminders", "--days", "7", stdout=out)

    assert "Renouvellement : 0 rappel mis en file d'envoi." in out.getvalue()


def test_a_cooperative_already_renewing_is_not_reminded(two_cycles, reference):
    until = two_cycles["second"].valid_until
    third = factories.make_campaign("Campagne 2030", minimum=2)
    third.opens_on = two_cycles["second"].campaign.opens_on + datetime.timedelta(days=1)
    third.save()
    workflow.start_selection(
        cooperative=two_cycles["coop"], campaign=third, by=None, copy_from=two_cycles["second"]
    )

    run = cycles.send_renewal_reminders(today=until - datetime.timedelta(days=30))

    assert run.sent == 0
    assert mail.outbox == []
