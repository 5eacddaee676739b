"""What changed between two submissions (commitments.diff)."""

import pytest

from commitments import workflow
from commitments.diff import diff_snapshots, published_diff, since_decision_diff, word_diff
from commitments.models import Choice, Engagement, Project
from tests import factories

pytestmark = pytest.mark.django_db


def _project(id_, title, description="Une description.", **fields):
    return {
        "id": id_,
        "title": title,
        "description": description,
        "objectives": "",
        "indicators": "",
        "target_date": "",
        "progress": "planned",
        **fields,
    }


def _snapshot(**engagements):
    """_snapshot(e1=[projects], e5=[projects]) -> a snapshot as workflow writes it."""
    return {
        "engagements": {
            name[1:]: {"title": f"Titre {name[1:]}", "projects": projects}
            for name, projects in engagements.items()
        }
    }


def test_it_marks_changed_words_only():
    html = word_diff(
        "Des ateliers mensuels avec les locataires.",
        "Des ateliers trimestriels avec les locataires et les élus.",
    )

    assert html == (
        'Des ateliers <del class="diff-removed">mensuels </del>'
        '<ins class="diff-added">trimestriels </ins>avec les '
        '<del class="diff-removed">locataires.</del>'
        '<ins class="diff-added">locataires et les élus.</ins>'
    )


def test_it_escapes_html_in_every_part():
    html = word_diff("<b>gras</b> & co", "<script>alert(1)</script> & co")

    assert "<script>" not in html and "<b>" not in html
    assert '<del class="diff-removed">&lt;b&gt;gras&lt;/b&gt; </del>' in html
    assert '<ins class="diff-added">&lt;script&gt;alert(1)&lt;/script&gt; </ins>' in html
    assert html.endswith("&amp; co")


def test_it_finds_engagements_added_and_removed(reference):
    old = _snapshot(e1=[_project(1, "A")], e2=[_project(2, "B")])
    new = _snapshot(e1=[_project(1, "A")], e9=[_project(3, "C")])

    diff = diff_snapshots(old, new)

    assert diff.added_engagements == [(9, "Titre 9", 3)]
    assert diff.removed_engagements == [(2, "Titre 2", 1)]


def test_it_finds_projects_added_removed_and_edited_by_id(reference):
    old = _snapshot(
        e1=[
            _project(1, "Garde", "Inchangé."),
            _project(2, "Retiré"),
            _project(3, "Ancien titre", "Texte"),
        ]
    )
    new = _snapshot(
        e1=[
            _project(1, "Garde", "Inchangé."),
            _project(3, "Nouveau titre", "Texte", progress="done", target_date="2027-03-31"),
            _project(4, "Ajouté", "Neuf.", objectives="Tout."),
        ]
    )

    diff = diff_snapshots(old, new)

    assert diff.has_changes
    [engagement] = diff.engagements
    assert (engagement.number, engagement.pillar) == (1, 1)
    assert [p.title for p in engagement.added] == ["Ajouté"]
    assert engagement.added[0].fields == [
        ("titre", "Ajouté"),
        ("description", "Neuf."),
        ("objectifs", "Tout."),
        ("avancement", "Prévu"),
    ]
    assert [p.title for p in engagement.removed] == ["Retiré"]
    [edited] = engagement.edited
    assert edited.id == 3
    changes = {str(change.label): change.html for change in edited.fields}
    assert set(changes) == {"titre", "échéance visée", "avancement"}
    assert changes["titre"] == (
        '<del class="diff-removed">Ancien </del><ins class="diff-added">Nouveau </ins>titre'
    )
    assert changes["échéance visée"] == '<ins class="diff-added">31 mars 2027</ins>'
    assert changes["avancement"] == (
        '<del class="diff-removed">Prévu</del><ins class="diff-added">Réalisé</ins>'
    )


def test_it_reports_nothing_when_nothing_changed(reference):
    snapshot = _snapshot(e1=[_project(1, "A")])

    diff = diff_snapshots(snapshot, snapshot)

    assert not diff.has_changes
    assert diff.engagements == []


def test_it_compares_the_two_latest_submissions(reviewer, campaign, coop_a):
    selection = factories.make_selection(coop_a, campaign, numbers=range(1, 9))
    workflow.submit_selection(selection=selection, by=None)
    assert since_decision_diff(selection) is None

    workflow.request_changes(selection=selection, by=reviewer, message="Non.")
    Project.objects.filter(choice__selection=selection, choice__engagement__number=8).delete()
    Choice.objects.filter(selection=selection, engagement__number=8).delete()
    choice = Choice.objects.create(
        selection=selection, engagement=Engagement.objects.get(number=12)
    )
    Project.objects.create(choice=choice, title="Nouveau projet", description="Neuf.")
    first = workflow.submit_selection(selection=selection, by=None)
    workflow.request_changes(selection=selection, by=reviewer, message="Encore.")
    Project.objects.filter(choice__selection=selection, choice__engagement__number=1).update(
        title="Titre corrigé"
    )
    second = workflow.submit_selection(selection=selection, by=None)

    diff = since_decision_diff(selection)

    # Only the last two submissions are compared: the engagement 12 is old news.
    assert (diff.previous, diff.latest) == (first, second)
    assert diff.added_engagements == [] and diff.removed_engagements == []
    [engagement] = diff.engagements
    assert engagement.number == 1
    assert [str(change.label) for change in engagement.edited[0].fields] == ["titre"]


def _retitle(selection, number, title):
    Project.objects.filter(choice__selection=selection, choice__engagement__number=number).update(
        title=title
    )


def test_after_a_withdrawal_the_diff_starts_from_the_submission_sent_back(
    reviewer, campaign, coop_a
):
    selection = factories.make_selection(coop_a, campaign, numbers=range(1, 9))
    sent_back = workflow.submit_selection(selection=selection, by=None)
    workflow.request_changes(selection=selection, by=reviewer, message="À préciser.")
    _retitle(selection, 1, "Corrigé avant le retrait")
    withdrawn = workflow.submit_selection(selection=selection, by=None)
    workflow.withdraw_selection(selection=selection, by=None)
    _retitle(selection, 2, "Corrigé après le retrait")
    latest = workflow.submit_selection(selection=selection, by=None)

    diff = since_decision_diff(selection)

    assert withdrawn not in (diff.previous, diff.latest)
    assert (diff.previous, diff.latest) == (sent_back, latest)
    assert diff.decision.to_status == "changes_requested"
    assert [engagement.number for engagement in diff.engagements] == [1, 2]


def test_without_a_request_for_changes_there_is_no_decision_to_compare_with(
    reviewer, campaign, coop_a
):
    selection = factories.make_selection(coop_a, campaign, numbers=range(1, 9))
    workflow.submit_selection(selection=selection, by=None)
    workflow.withdraw_selection(selection=selection, by=None)
    _retitle(selection, 1, "Corrigé")
    workflow.submit_selection(selection=selection, by=None)

    assert since_decision_diff(selection) is None


def test_a_reopened_version_resubmitted_is_still_compared_with_the_validated_one(
    reviewer, campaign, coop_a
):
    validated = factories.make_published(coop_a, campaign, reviewer)
    draft = workflow.reopen_selection(selection=validated, by=reviewer)
    _retitle(draft, 1, "Changé avant la première soumission")
    workflow.submit_selection(selection=draft, by=None)
    workflow.withdraw_selection(selection=draft, by=None)
    _retitle(draft, 2, "Changé après le retrait")
    workflow.submit_selection(selection=draft, by=None)

    changes = published_diff(draft)

    # Not the withdrawn submission: what the reviewers validated.
    assert since_decision_diff(draft) is None
    assert changes.published == validated
    assert [engagement.number for engagement in changes.engagements] == [1, 2]
    assert all(engagement.edited and not engagement.added for engagement in changes.engagements)
