"""commitments.evidence: the rules of evidence files, on either file store."""

import pytest
from django.core.files.storage import default_storage

from commitments import evidence, workflow
from commitments.models import Evidence, Project
from tests import factories
from tests.evidence_support import ALLOWED

pytestmark = pytest.mark.django_db

PDF = ALLOWED[0][1]


@pytest.fixture
def validated(coop_a, reviewer, reference):
    campaign = factories.make_campaign(minimum=1)
    selection = factories.make_selection(coop_a, campaign, numbers=[1])
    project = Project.objects.get(choice__selection=selection)
    indicator = factories.make_indicator(project, name="Logements", target=10, unit="")
    measurement = factories.make_measurement(indicator, 4, measured_on="2026-01-01")
    evidence.attach(target=project, upload=evidence.Upload("a.pdf", PDF), title="A", by=None)
    evidence.attach(
        target=measurement,
        upload=evidence.Upload("b.txt", b"Releve"),
        title="B",
        by=None,
        public=True,
    )
    workflow.submit_selection(selection=selection, by=None)
    workflow.validate_selection(selection=selection, by=reviewer)
    return selection


def test_a_name_holding_a_path_is_refused(file_store, coop_a, campaign):
    project = Project.objects.get(
        choice__selection=factories.make_selection(coop_a, campaign, numbers=[1])
    )
    for name in ("../rapport.pdf", "..\\rapport.pdf", "a/b.pdf", ".."):
        with pytest.raises(evidence.EvidenceError, match="nom de fichier n'est pas accepté"):
            evidence.attach(target=project, upload=evidence.Upload(name, PDF), title="T", by=None)
    assert Evidence.objects.count() == 0
    assert evidence.stored_keys() == set()


def test_a_new_version_shares_the_files_and_deleting_keeps_them_while_named(
    file_store, validated, reviewer, django_capture_on_commit_callbacks
):
    draft = workflow.reopen_selection(selection=validated, by=reviewer)
    old = Evidence.objects.filter(project__choice__selection=validated) | Evidence.objects.filter(
        measurement__indicator__project__choice__selection=validated
    )
    new = Evidence.objects.filter(project__choice__selection=draft) | Evidence.objects.filter(
        measurement__indicator__project__choice__selection=draft
    )
    assert sorted(old.values_list("key", flat=True)) == sorted(new.values_list("key", flat=True))
    assert len(evidence.stored_keys()) == 2  # no bytes copied

    # The draft's copy goes; the validated version still names the file: it stays.
    copy = new.get(project__isnull=False)
    with django_capture_on_commit_callbacks(execute=True):
        evidence.remove(evidence=copy)
    assert default_storage.exists(copy.key)

    # The validated version's own row is locked.
    with pytest.raises(evidence.EvidenceError, match="conservée"):
        evidence.remove(evidence=old.get(project__isnull=False))


def test_the_last_row_takes_its_file_with_it(
    coop_a, campaign, file_store, django_capture_on_commit_callbacks
):
    project = Project.objects.get(
        choice__selection=factories.make_selection(coop_a, campaign, numbers=[1])
    )
    piece = evidence.attach(
        target=project, upload=evidence.Upload("a.pdf", PDF), title="A", by=None
    )

    with django_capture_on_commit_callbacks(execute=True):
        evidence.remove(evidence=piece)

    assert evidence.stored_keys() == set()


def test_reviewers_accept_or_ask_for_another_with_a_remark(validated, reviewer):
    piece = Evidence.objects.filter(project__isnull=False).first()

    with pytest.raises(evidence.EvidenceError, match="Dites quelle pièce"):
        evidence.request_another(evidence=piece, by=reviewer, remark=" ")
    asked = evidence.request_another(evidence=piece, by=reviewer, remark="Signée, svp.")
    assert (asked.status, asked.remark, asked.reviewed_by) == (
        "another_requested",
        "Signée, svp.",
        reviewer,
    )
    accepted = evidence.accept(evidence=piece, by=reviewer)
    assert accepted.status == "accepted" and accepted.reviewed_at is not None


def test_only_public_files_of_published_versions_are_public(validated, reviewer):
    assert list(Evidence.objects.public().values_list("title", flat=True)) == ["B"]
    Evidence.objects.update(public=True)
    assert Evidence.objects.public().count() == 2
    # A draft's copy is not public, even marked so.
    workflow.reopen_selection(selection=validated, by=reviewer)
    assert Evidence.objects.count() == 4
    assert Evidence.objects.public().count() == 2
