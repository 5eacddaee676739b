"""The progress journal through its pages: workspace, federation queue and dashboard, public."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from commitments import progress
from commitments.models import (
    ProgressUpdate,
    Project,
    ProjectStatus,
    UpdateState,
)
from tests import factories

pytestmark = pytest.mark.django_db

# The site's day (Europe/Paris), which the forms compare with, not the machine's.
TODAY = timezone.localdate()
FORM = {
    "status": "in_progress",
    "reason": "",
    "text": "Les premiers logements sont livrés.",
    "happened_on": TODAY.isoformat(),
}


@pytest.fixture
def published(reference, campaign, coop_a, reviewer):
    return factories.make_published(coop_a, campaign, reviewer)


@pytest.fixture
def project(published):
    return Project.objects.filter(choice__selection=published).order_by("pk").first()


@pytest.fixture
def indicator(project):
    return factories.make_indicator(project, target=120)


def _update(project, *, state, reviewer=None, text="Point publié", by=None):
    data = {"status": ProjectStatus.IN_PROGRESS, "reason": "", "text": text, "happened_on": TODAY}
    update = progress.create_update(
        project=project, data=data, by=by, submit=state != UpdateState.DRAFT
    )
    if state == UpdateState.PUBLISHED:
        update = progress.publish_update(update=update, by=reviewer)
    return update


# --- Workspace -----------------------------------------------------------------


def test_the_follow_up_page_lists_the_validated_projects(client, staff_a, project, coop_a):
    client.force_login(staff_a)

    response = client.get(reverse("workspace:follow_up", args=[coop_a.slug]))

    assert response.status_code == 200
    html = response.content.decode()
    assert project.title in html
    assert reverse("workspace:update_create", args=[coop_a.slug, project.pk]) in html
    assert "Aucun point d'étape pour l'instant." in html


def test_without_a_validated_selection_the_page_says_when_it_starts(
    client, reference, campaign, coop_b, staff_b
):
    factories.make_selection(coop_b, campaign, numbers=[1])
    client.force_login(staff_b)

    html = client.get(reverse("workspace:follow_up", args=[coop_b.slug])).content.decode()

    assert "le suivi des projets commence une fois la sélection validée" in html


def test_a_member_sends_an_update_with_a_value_in_french_notation(
    client, contributor_a, coop_a, project, indicator
):
    client.force_login(contributor_a)
    url = reverse("workspace:update_create", args=[coop_a.slug, project.pk])

    response = client.post(
        url,
        {
            **FORM,
            f"value_{indicator.pk}": "1 250,5",
            f"comment_{indicator.pk}": "Bilan",
            "send": "",
        },
    )

    assert response.status_code == 302
    update = ProgressUpdate.objects.get()
    assert update.state == UpdateState.SUBMITTED
    assert update.author == contributor_a
    assert list(update.measurements.values_list("value", "comment", "measured_on")) == [
        (Decimal("1250.50"), "Bilan", TODAY)
    ]


def test_a_bad_number_is_refused_next_to_its_field_and_nothing_typed_is_lost(
    client, staff_a, coop_a, project, indicator
):
    client.force_login(staff_a)
    url = reverse("workspace:update_create", args=[coop_a.slug, project.pk])

    response = client.post(
        url,
        {**FORM, "happened_on": "31/02/2026", f"value_{indicator.pk}": "douze", "send": ""},
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert "Saisissez un nombre, par exemple 1 250,5." in html
    assert "Saisissez une date valide, par exemple 31/12/2027." in html
    assert f'href="#id_value_{indicator.pk}"' in html  # the summary links to the field
    assert "Les premiers logements sont livrés." in html
    assert 'value="douze"' in html
    assert not ProgressUpdate.objects.exists()


def test_an_abandoned_project_needs_a_reason(client, staff_a, coop_a, project):
    client.force_login(staff_a)
    url = reverse("workspace:update_create", args=[coop_a.slug, project.pk])

    response = client.post(url, {**FORM, "status": "abandoned", "send": ""})

    assert response.status_code == 400
    assert "Indiquez pourquoi le projet est reporté ou abandonné." in response.content.decode()
    assert not ProgressUpdate.objects.exists()


def test_a_future_date_is_refused(client, staff_a, coop_a, project):
    client.force_login(staff_a)
    url = reverse("workspace:update_create", args=[coop_a.slug, project.pk])
    tomorrow = (TODAY + datetime.timedelta(days=1)).isoformat()

    response = client.post(url, {**FORM, "happened_on": tomorrow, "save": ""})

    assert response.status_code == 400
    assert "ne peut pas être daté dans le futur" in response.content.decode()


def test_a_draft_is_saved_edited_then_sent(client, staff_a, coop_a, project):
    client.force_login(staff_a)
    client.post(
        reverse("workspace:update_create", args=[coop_a.slug, project.pk]), {**FORM, "save": ""}
    )
    update = ProgressUpdate.objects.get()
    assert update.state == UpdateState.DRAFT

    edit = reverse("workspace:update_edit", args=[coop_a.slug, update.pk])
    assert FORM["text"] in client.get(edit).content.decode()
    client.post(edit, {**FORM, "text": "Texte revu.", "save": ""})
    client.post(reverse("workspace:update_submit", args=[coop_a.slug, update.pk]))

    update.refresh_from_db()
    assert (update.text, update.state) == ("Texte revu.", UpdateState.SUBMITTED)


def test_deleting_asks_for_confirmation_first(client, staff_a, coop_a, project):
    update = _update(project, state=UpdateState.DRAFT)
    client.force_login(staff_a)
    url = reverse("workspace:update_delete", args=[coop_a.slug, update.pk])

    assert "Supprimer le point d'étape du" in client.get(url).content.decode()
    assert ProgressUpdate.objects.exists()
    client.post(url)
    assert not ProgressUpdate.objects.exists()


def test_an_update_under_review_is_not_edited(client, staff_a, coop_a, project):
    update = _update(project, state=UpdateState.SUBMITTED)
    client.force_login(staff_a)

    response = client.post(
        reverse("workspace:update_edit", args=[coop_a.slug, update.pk]), {**FORM, "save": ""}
    )

    assert response.status_code == 400
    assert "en cours de relecture" in response.content.decode()


def test_another_cooperatives_update_is_not_found(client, staff_b, coop_b, project):
    update = _update(project, state=UpdateState.DRAFT)
    client.force_login(staff_b)

    assert (
        client.get(reverse("workspace:update_edit", args=[coop_b.slug, update.pk])).status_code
        == 404
    )
    create = reverse("workspace:update_create", args=[coop_b.slug, project.pk])
    assert client.get(create).status_code == 404


def test_the_follow_up_campaign_names_the_projects_without_news(
    client, staff_a, coop_a, published, project, campaign
):
    factories.make_follow_up(campaign, today=TODAY)
    _update(project, state=UpdateState.SUBMITTED)
    client.force_login(staff_a)

    html = client.get(reverse("workspace:follow_up", args=[coop_a.slug])).content.decode()

    assert "Suivi 2026" in html
    assert "Il manque encore le point d'étape de 7 projets" in html


# --- Federation ----------------------------------------------------------------


def test_the_queue_lists_the_updates_waiting(client, reviewer, project):
    _update(project, state=UpdateState.SUBMITTED, text="À relire, s'il vous plaît")
    _update(project, state=UpdateState.DRAFT, text="Brouillon caché")
    client.force_login(reviewer)

    html = client.get(reverse("federation:updates_queue")).content.decode()

    assert "À relire, s&#x27;il vous plaît" in html
    assert "Brouillon caché" not in html
    assert "1 point d'étape attend votre relecture" in html


def test_an_empty_queue_says_so_once_without_a_count_of_zero(client, reviewer, project):
    _update(project, state=UpdateState.DRAFT, text="Brouillon caché")
    client.force_login(reviewer)

    html = client.get(reverse("federation:updates_queue")).content.decode()

    assert "Aucun point d'étape n'attend de relecture." in html
    assert "0 point" not in html


def test_a_reviewer_publishes_an_update(client, reviewer, project):
    update = _update(project, state=UpdateState.SUBMITTED)
    client.force_login(reviewer)

    response = client.post(reverse("federation:update_review", args=[update.pk]), {"publish": ""})

    assert response.status_code == 302
    update.refresh_from_db()
    assert (update.state, update.reviewer) == (UpdateState.PUBLISHED, reviewer)


def test_sending_back_without_a_remark_keeps_the_page_with_the_error_on_top(
    client, reviewer, project
):
    update = _update(project, state=UpdateState.SUBMITTED)
    client.force_login(reviewer)

    response = client.post(
        reverse("federation:update_review", args=[update.pk]), {"send_back": "", "remark": " "}
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="resume-erreurs"' in html
    assert "Dites à la coopérative ce qu&#x27;il faut reprendre." in html
    update.refresh_from_db()
    assert update.state == UpdateState.SUBMITTED


def test_the_follow_up_dashboard_names_the_quiet_and_the_late(
    client, reviewer, project, published, coop_a
):
    Project.objects.filter(pk=project.pk).update(target_date=TODAY - datetime.timedelta(days=30))
    client.force_login(reviewer)

    html = client.get(reverse("federation:follow_up")).content.decode()

    assert coop_a.name in html.split('id="titre-silencieuses"')[1].split('id="titre-retards"')[0]
    assert project.title in html.split('id="titre-retards"')[1]

    _update(project, state=UpdateState.PUBLISHED, reviewer=reviewer)
    html = client.get(reverse("federation:follow_up")).content.decode()
    assert "Chaque coopérative engagée a publié un point d'étape" in html


def test_the_follow_up_dashboard_counts_the_projects_that_reported(
    client, reviewer, published, project, campaign
):
    factories.make_follow_up(campaign, today=TODAY)
    # Sent (reviewed or not) within the follow-up: a report; a draft is not one.
    _update(project, state=UpdateState.SUBMITTED)
    other = Project.objects.filter(choice__selection=published).exclude(pk=project.pk).first()
    _update(other, state=UpdateState.DRAFT)
    client.force_login(reviewer)

    html = client.get(reverse("federation:follow_up")).content.decode()

    assert "1 projet validé sur 8 a reçu un point d'étape depuis l'ouverture" in html


def test_a_bad_period_is_reported_not_a_crash(client, reviewer):
    client.force_login(reviewer)

    response = client.get(reverse("federation:follow_up") + "?mois=treize")

    assert response.status_code == 400


def test_a_reviewer_marks_a_project_exemplary(client, reviewer, project):
    client.force_login(reviewer)

    client.post(reverse("federation:project_exemplary", args=[project.pk]), {"exemplaire": "1"})

    project.refresh_from_db()
    assert project.is_exemplary
    html = client.get(reverse("public:project", args=[project.pk])).content.decode()
    assert "exemplary-badge" in html


# --- Public --------------------------------------------------------------------


def test_only_published_updates_and_their_values_reach_the_public_page(
    client, project, indicator, reviewer
):
    draft = _update(project, state=UpdateState.DRAFT, text="Texte du brouillon secret")
    waiting = _update(project, state=UpdateState.SUBMITTED, text="Texte en relecture secret")
    factories.make_measurement(indicator, 77, measured_on=TODAY, update=draft)
    factories.make_measurement(indicator, 88, measured_on=TODAY, update=waiting)
    url = reverse("public:project", args=[project.pk])

    html = client.get(url).content.decode()
    assert "secret" not in html
    assert ">77 " not in html and ">88 " not in html
    assert "Ce projet est une intention de la coopérative" in html

    published = _update(
        project, state=UpdateState.PUBLISHED, reviewer=reviewer, text="Chantier ouvert"
    )
    factories.make_measurement(indicator, 30, measured_on=TODAY, update=published)
    html = client.get(url).content.decode()
    assert "Chantier ouvert" in html
    assert "<td>30 logements</td>" in html
    assert 'stage-in-progress">' in html
    assert "secret" not in html


def test_the_engagement_page_rolls_up_the_progress(client, project, reviewer):
    _update(project, state=UpdateState.PUBLISHED, reviewer=reviewer)
    engagement = project.choice.engagement.number

    html = client.get(reverse("public:engagement", args=[engagement])).content.decode()

    assert "Où en sont les projets" in html
    assert "1 projet sur 1 est engagé au-delà de l'intention" in html
    assert "1 point d'étape publié ces 12 derniers mois" in html


def test_statistics_roll_up_every_pillar(client, project, reviewer):
    _update(project, state=UpdateState.PUBLISHED, reviewer=reviewer)

    html = client.get(reverse("discovery:statistics")).content.decode()

    assert "1 projet sur 8 est engagé au-delà de l'intention" in html
    assert 'id="titre-avancement-pilier-1"' in html


@pytest.mark.parametrize("size", [1, 10])
def test_the_project_page_reads_its_journal_in_constant_queries(
    client, project, indicator, reviewer, size, django_assert_max_num_queries
):
    for index in range(size):
        update = _update(
            project, state=UpdateState.PUBLISHED, reviewer=reviewer, text=f"Point {index}"
        )
        factories.make_measurement(indicator, index, measured_on=TODAY, update=update)

    # The project, its indicators, their values, its journal, its public evidence.
    with django_assert_max_num_queries(5):
        response = client.get(reverse("public:project", args=[project.pk]))

    assert response.content.decode().count("Point ") >= size


@pytest.mark.parametrize("size", [1, 10])
def test_the_follow_up_pages_run_constant_queries(
    client, reviewer, staff_a, coop_a, project, size, django_assert_max_num_queries
):
    for index in range(size):
        _update(project, state=UpdateState.SUBMITTED, text=f"Point {index}")
    client.force_login(reviewer)
    pages = [reverse("federation:updates_queue"), reverse("federation:follow_up")]
    pages.append(reverse("federation:update_review", args=[ProgressUpdate.objects.first().pk]))
    for url in pages:
        client.get(url)  # warm-up
        with django_assert_max_num_queries(14):
            assert client.get(url).status_code == 200
    client.force_login(staff_a)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("workspace:follow_up", args=[coop_a.slug])).status_code == 200


def test_the_review_page_of_a_published_selection_offers_the_exemplary_mark(
    client, reviewer, published, project
):
    client.force_login(reviewer)
    review = reverse("federation:review", args=[published.pk])

    assert "Marquer exemplaire" in client.get(review).content.decode()
    response = client.post(
        reverse("federation:project_exemplary", args=[project.pk]),
        {"exemplaire": "1", "next": review},
    )

    assert response.url == review
    assert "Retirer la mention exemplaire" in client.get(review).content.decode()


def test_the_projects_page_filters_the_exemplary_and_by_stage(client, project, published, reviewer):
    _update(project, state=UpdateState.PUBLISHED, reviewer=reviewer)
    progress.mark_exemplary(project=project, exemplary=True, by=reviewer)
    other = Project.objects.filter(choice__selection=published).exclude(pk=project.pk).first()
    url = reverse("discovery:projects")

    exemplary = client.get(url, {"exemplaire": "1"}).content.decode()
    under_way = client.get(url, {"etape": "in_progress"}).content.decode()
    intentions = client.get(url, {"etape": "intention"}).content.decode()

    assert project.title in exemplary and other.title not in exemplary
    assert "exemplary-badge" in exemplary
    assert project.title in under_way and other.title not in under_way
    assert other.title in intentions and project.title not in intentions
    refused = client.get(url, {"etape": "finie"})
    assert "Choisissez parmi intention" in refused.content.decode()


def test_the_home_page_rolls_up_each_pillar(client, project, reviewer):
    _update(project, state=UpdateState.PUBLISHED, reviewer=reviewer)

    html = client.get(reverse("public:home")).content.decode()
    pillar_1 = html.split('id="pilier-1"')[1].split('id="pilier-2"')[0]

    assert "1 point d'étape publié ces 12 derniers mois" in pillar_1
