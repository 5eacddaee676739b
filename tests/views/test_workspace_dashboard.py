"""/espace/<slug>/: the cooperative's dashboard for the current campaign."""

import datetime

import pytest
from django.urls import reverse

from commitments import workflow
from commitments.models import Engagement, Selection
from tests import factories


def _get(client, user, coop):
    client.force_login(user)
    return client.get(reverse("workspace:dashboard", args=[coop.slug]))


def test_it_shows_status_campaign_deadline_and_progress(client, campaign, coop_a, staff_a):
    factories.make_selection(coop_a, campaign, numbers=range(1, 7))

    response = _get(client, staff_a, coop_a)

    content = response.content.decode()
    assert response.status_code == 200
    assert "status-draft" in content and "Brouillon" in content
    assert campaign.name in content
    assert "date limite le" in content
    assert "clôturée" not in content
    assert "engagements sur 8 minimum" in content
    assert '<span class="ws-figure">6</span>' in content
    assert "projets décrits" in content
    assert '<progress id="avancement" class="ws-progress" max="8" value="6">' in content


def test_it_lists_what_is_missing_with_links(client, campaign, coop_a, staff_a):
    selection = factories.make_selection(coop_a, campaign, numbers=range(1, 8))
    selection.choices.get(engagement__number=4).projects.all().delete()

    response = _get(client, staff_a, coop_a)

    content = response.content.decode()
    choose = reverse("workspace:choose", args=[coop_a.slug])
    engagement_4 = reverse("workspace:engagement", args=[coop_a.slug, 4])
    assert f'<a href="{choose}">Choisissez au moins 8 engagements (7 choisis' in content
    assert f'<a href="{engagement_4}">Engagement 4 : décrivez au moins un projet.</a>' in content


def test_it_lists_the_chosen_engagements_with_their_projects(client, campaign, coop_a, staff_a):
    factories.make_selection(coop_a, campaign, numbers=[2, 5], projects_per=3)

    response = _get(client, staff_a, coop_a)

    content = response.content.decode()
    assert reverse("workspace:engagement", args=[coop_a.slug, 5]) in content
    assert Engagement.objects.get(number=5).title in content
    assert content.count("3 projets") == 2


def test_it_offers_submission_to_referents_only(client, campaign, coop_a, staff_a, contributor_a):
    factories.make_selection(coop_a, campaign, numbers=range(1, 9))
    submit_url = reverse("workspace:submit", args=[coop_a.slug])

    assert submit_url in _get(client, staff_a, coop_a).content.decode()
    content = _get(client, contributor_a, coop_a).content.decode()
    assert submit_url not in content
    assert "Seul un référent de la coopérative peut soumettre" in content


def test_it_shows_a_submitted_selection_read_only(client, campaign, coop_a, staff_a):
    selection = factories.make_selection(coop_a, campaign, numbers=range(1, 9))
    workflow.submit_selection(selection=selection, by=staff_a)

    content = _get(client, staff_a, coop_a).content.decode()

    assert "status-submitted" in content and "Soumise" in content
    assert "lecture seule" in content
    assert reverse("workspace:submit", args=[coop_a.slug]) not in content
    assert f'href="{reverse("workspace:choose", args=[coop_a.slug])}"' not in content


def test_it_shows_the_reviewers_remarks(client, campaign, coop_a, staff_a, reviewer):
    selection = factories.make_selection(coop_a, campaign, numbers=range(1, 9))
    workflow.submit_selection(selection=selection, by=staff_a)
    workflow.request_changes(
        selection=selection,
        by=reviewer,
        message="Merci de préciser vos indicateurs.",
        remarks={Engagement.objects.get(number=6): "Quel calendrier pour ce projet ?"},
    )

    content = _get(client, staff_a, coop_a).content.decode()

    assert "Modifications demandées par la fédération" in content
    assert "Merci de préciser vos indicateurs." in content
    assert "Quel calendrier pour ce projet ?" in content
    assert reverse("workspace:engagement", args=[coop_a.slug, 6]) in content


def test_it_shows_the_history_of_moves(client, campaign, coop_a, staff_a, reviewer):
    selection = factories.make_selection(coop_a, campaign, numbers=range(1, 9), by=staff_a)
    workflow.submit_selection(selection=selection, by=staff_a, message="Première version.")
    workflow.request_changes(selection=selection, by=reviewer, message="À compléter.")

    response = _get(client, staff_a, coop_a)

    transitions = response.context["transitions"]
    assert [(t.from_status, t.to_status) for t in transitions] == [
        ("submitted", "changes_requested"),
        ("draft", "submitted"),
        ("", "draft"),
    ]
    content = response.content.decode()
    assert "Rita Relecture" in content and "Alice" in content
    assert "Première version." in content and "À compléter." in content
    assert "Sélection commencée" in content


def test_it_says_when_the_campaign_is_closed(client, reference, coop_a, staff_a):
    campaign = factories.make_campaign("Campagne finie", open_=False)
    factories.make_selection(coop_a, campaign, numbers=[1])

    content = _get(client, staff_a, coop_a).content.decode()

    assert "clôturée" in content
    assert "Campagne finie" in content


def test_it_offers_to_start_when_there_is_no_selection(client, campaign, coop_a, staff_a):
    response = _get(client, staff_a, coop_a)

    content = response.content.decode()
    assert reverse("workspace:start", args=[coop_a.slug]) in content
    assert "Commencer" in content
    assert "Reprendre ma sélection validée" not in content


def test_it_offers_to_resume_the_validated_selection(client, reference, coop_a, staff_a, reviewer):
    factories.make_published(coop_a, factories.make_campaign("Campagne 2024"), reviewer)
    factories.make_campaign("Campagne 2025")

    content = _get(client, staff_a, coop_a).content.decode()

    assert "Reprendre ma sélection validée" in content
    assert "Campagne 2024" in content
    assert reverse("public:cooperative", args=[coop_a.slug]) in content


def test_it_explains_that_no_campaign_is_open(client, reference, coop_a, staff_a):
    content = _get(client, staff_a, coop_a).content.decode()

    assert "Aucune campagne Quali'Coop n'est ouverte" in content


@pytest.mark.parametrize("engagements", [8, 12])
def test_it_uses_a_bounded_number_of_queries(
    client, campaign, coop_a, staff_a, reviewer, engagements, django_assert_max_num_queries
):
    selection = factories.make_selection(
        coop_a, campaign, numbers=range(1, engagements + 1), projects_per=5
    )
    for _round in range(3):
        workflow.submit_selection(selection=selection, by=staff_a)
        workflow.request_changes(
            selection=selection,
            by=reviewer,
            message="Encore un effort.",
            remarks=dict.fromkeys(Engagement.objects.all(), "À revoir."),
        )
    client.force_login(staff_a)

    with django_assert_max_num_queries(8):
        response = client.get(reverse("workspace:dashboard", args=[coop_a.slug]))

    assert response.status_code == 200
    assert len(response.context["transitions"]) == 7


def test_it_works_on_the_last_revision_of_a_reopened_selection(
    client, campaign, coop_a, staff_a, reviewer
):
    validated = factories.make_published(coop_a, campaign, reviewer)
    workflow.reopen_selection(selection=validated, by=reviewer)

    response = _get(client, staff_a, coop_a)

    assert response.context["selection"].revision == 2
    assert response.context["selection"].status == "draft"
    assert Selection.objects.get(pk=validated.pk).is_published


def test_it_ignores_a_campaign_not_yet_open(client, campaign, coop_a, staff_a):
    future = factories.make_campaign("Campagne future")
    future.opens_on = campaign.closes_on + datetime.timedelta(days=1)
    future.closes_on = future.opens_on + datetime.timedelta(days=90)
    future.save()

    response = _get(client, staff_a, coop_a)

    assert response.context["workspace"].campaign == campaign
