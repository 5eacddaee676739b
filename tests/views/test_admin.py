"""The Django admin: every model of coops and commitments, with the workflow's fields locked."""

import re

import pytest
from django.urls import reverse
from django.utils.html import escape

from commitments import workflow
from commitments.models import (
    Campaign,
    Choice,
    Engagement,
    Pillar,
    Project,
    Remark,
    Selection,
    Status,
    Transition,
)
from coops.models import Cooperative, Membership
from tests import factories

pytestmark = pytest.mark.django_db

MODELS = [Pillar, Engagement, Campaign, Selection, Choice, Project, Transition, Remark]
MODELS += [Cooperative, Membership]


@pytest.fixture
def every_kind_of_row(seed, campaign, staff_a, coop_a):
    """The seed plus a membership and a decision with a remark."""
    reviewer = factories.make_reviewer()
    selection = factories.make_selection(coop_a, campaign, numbers=range(1, 9))
    workflow.submit_selection(selection=selection, by=staff_a)
    workflow.request_changes(
        selection=selection,
        by=reviewer,
        message="Précisez vos indicateurs.",
        remarks={Engagement.objects.get(number=2): "Quel calendrier ?"},
    )


def admin_url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.__name__)
def test_it_opens_the_list_and_a_row_of_every_model(admin_client, every_kind_of_row, model):
    row = model.objects.first()

    changelist = admin_client.get(admin_url(model, "changelist"))
    change = admin_client.get(admin_url(model, "change", row.pk))

    assert changelist.status_code == 200
    assert change.status_code == 200
    assert escape(str(row)) in change.content.decode()


@pytest.mark.parametrize("model", [Project, Choice], ids=lambda model: model.__name__)
def test_it_shows_the_history_of_projects_and_choices(admin_client, every_kind_of_row, model):
    response = admin_client.get(admin_url(model, "history", model.objects.first().pk))

    assert response.status_code == 200


def test_it_searches_projects(admin_client, seed):
    response = admin_client.get(admin_url(Project, "changelist"), {"q": "PSLA"})

    html = response.content.decode()
    assert "Offre en PSLA et locatif intermédiaire" in html
    assert "Visites de courtoisie chez les locataires" not in html


@pytest.mark.parametrize("model", [Selection, Transition, Remark], ids=lambda m: m.__name__)
def test_it_refuses_to_add_what_only_the_workflow_creates(admin_client, seed, model):
    assert admin_client.get(admin_url(model, "add")).status_code == 403


def test_it_keeps_the_status_of_a_selection_read_only(admin_client, seed):
    selection = Selection.objects.get(cooperative__slug="la-caps")
    choices = selection.choices.count()
    transitions = selection.transitions.count()

    response = admin_client.post(
        admin_url(Selection, "change", selection.pk),
        {
            "status": Status.DRAFT,
            "is_published": "",
            "revision": "7",
            "submitted_at_0": "",
            "decided_at_0": "",
            "choices-TOTAL_FORMS": str(choices),
            "choices-INITIAL_FORMS": str(choices),
            "transitions-TOTAL_FORMS": str(transitions),
            "transitions-INITIAL_FORMS": str(transitions),
            "_save": "Enregistrer",
        },
    )

    assert response.status_code == 302  # the form was accepted, the fields ignored
    selection.refresh_from_db()
    assert selection.status == Status.VALIDATED
    assert selection.is_published is True
    assert selection.revision == 1
    assert selection.submitted_at is not None and selection.decided_at is not None


def test_it_bumps_the_version_of_a_project_edited_in_the_admin(admin_client, seed):
    project = Project.objects.get(title="Offre en PSLA et locatif intermédiaire")

    response = admin_client.post(
        admin_url(Project, "change", project.pk),
        {
            "choice": project.choice_id,
            "title": project.title,
            "description": "Description corrigée par la fédération.",
            "objectives": "",
            "indicators": "",
            "target_date": "",
            "progress": project.progress,
            "position": project.position,
            # The indicators' inline, as the page sends it: none added.
            "indicator_set-TOTAL_FORMS": "0",
            "indicator_set-INITIAL_FORMS": "0",
            "_save": "Enregistrer",
        },
    )

    assert response.status_code == 302
    project.refresh_from_db()
    assert project.description == "Description corrigée par la fédération."
    assert project.version == 2


def test_it_is_closed_to_staff_without_admin_rights(client, staff_a):
    client.force_login(staff_a)

    response = client.get(admin_url(Project, "changelist"))

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_the_second_factor_devices_search_is_labelled_in_french(admin_client):
    html = admin_client.get(reverse("admin:otp_totp_totpdevice_changelist")).content.decode()

    label = re.search(r'<label for="searchbar">(.*?)</label>', html, re.S)
    assert label is not None
    assert 'alt=""' in label.group(1)
    assert "Rechercher dans la liste" in label.group(1)
    assert 'alt="Search"' not in html
