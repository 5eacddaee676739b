"""/projets/<pk>/pieces/<id>/: public files, only while their version is published."""

import pytest
from django.urls import reverse

from commitments import evidence, workflow
from commitments.models import Project
from tests import factories
from tests.evidence_support import ALLOWED

pytestmark = pytest.mark.django_db


def test_the_public_page_shows_public_files_of_the_published_version_only(
    client, coop_a, reviewer, reference
):
    campaign = factories.make_campaign(minimum=1)
    selection = factories.make_selection(coop_a, campaign, numbers=[1])
    project = Project.objects.get(choice__selection=selection)
    photo = evidence.attach(
        target=project,
        upload=evidence.Upload("photo.png", ALLOWED[1][1]),
        title="Photo du chantier",
        by=None,
        public=True,
    )
    private = evidence.attach(
        target=project,
        upload=evidence.Upload("ca.pdf", ALLOWED[0][1]),
        title="PV du conseil",
        by=None,
    )
    page = reverse("public:project", args=[project.pk])

    def file_url(piece):
        return reverse("public:project_evidence", args=[project.pk, piece.pk])

    # Not published yet: nothing.
    assert client.get(file_url(photo)).status_code == 404

    workflow.submit_selection(selection=selection, by=None)
    workflow.validate_selection(selection=selection, by=reviewer)

    content = client.get(page).content.decode()
    assert "Photo du chantier" in content and "PV du conseil" not in content
    assert client.get(file_url(photo)).status_code == 200
    assert client.get(file_url(private)).status_code == 404
