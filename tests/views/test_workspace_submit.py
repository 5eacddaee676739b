"""/espace/<slug>/soumettre/: handing the selection to the federation."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from commitments import workflow
from commitments.models import Selection, Status
from tests import factories


def _url(coop):
    return reverse("workspace:submit", args=[coop.slug])


@pytest.fixture
def complete(campaign, coop_a):
    return factories.make_selection(coop_a, campaign, numbers=range(1, 9))


def test_it_shows_the_checklist_and_a_confirm_button(client, campaign, coop_a, staff_a):
    factories.make_selection(coop_a, campaign, numbers=range(1, 8))
    client.force_login(staff_a)

    response = client.get(_url(coop_a))

    content = response.content.decode()
    assert response.status_code == 200
    assert "Choisissez au moins 8 engagements (7 choisis pour l&#x27;instant)." in content
    assert "Confirmer la soumission" in content


def test_it_submits_and_the_dashboard_shows_it_read_only(client, complete, coop_a, staff_a):
    client.force_login(staff_a)

    response = client.post(_url(coop_a), {"message": "Bonne lecture !"}, follow=True)

    assert response.redirect_chain[-1][0] == reverse("workspace:dashboard", args=[coop_a.slug])
    content = response.content.decode()
    assert "Sélection soumise à la fédération." in content
    assert "status-submitted" in content
    assert "lecture seule" in content
    complete.refresh_from_db()
    assert complete.status == Status.SUBMITTED
    entry = complete.transitions.last()
    assert (entry.actor, entry.message) == (staff_a, "Bonne lecture !")


def test_it_names_each_missing_thing_with_links(client, campaign, coop_a, staff_a):
    selection = factories.make_selection(coop_a, campaign, numbers=range(1, 8))
    selection.choices.get(engagement__number=3).projects.all().delete()
    client.force_login(staff_a)

    response = client.post(_url(coop_a), {"message": "Mon message"})

    content = response.content.decode()
    assert response.status_code == 200
    assert "La sélection n'a pas été soumise." in content
    choose = reverse("workspace:choose", args=[coop_a.slug])
    assert (
        f'<a href="{choose}">Choisissez au moins 8 engagements (7 choisis pour l&#x27;instant).'
        in content
    )
    engagement_3 = reverse("workspace:engagement", args=[coop_a.slug, 3])
    assert f'<a href="{engagement_3}">Engagement 3 : décrivez au moins un projet.</a>' in content
    assert "Mon message</textarea>" in content
    assert Selection.objects.get(pk=selection.pk).status == Status.DRAFT


def test_it_says_when_the_campaign_is_closed(client, complete, campaign, coop_a, staff_a):
    campaign.opens_on -= datetime.timedelta(days=400)
    campaign.closes_on = timezone.localdate() - datetime.timedelta(days=1)
    campaign.save()
    client.force_login(staff_a)

    response = client.post(_url(coop_a), follow=True)

    assert "est close depuis le" in response.content.decode()
    assert Selection.objects.get(pk=complete.pk).status == Status.DRAFT


def test_it_is_forbidden_to_contributors(client, complete, coop_a, contributor_a):
    client.force_login(contributor_a)

    shown = client.get(_url(coop_a))
    posted = client.post(_url(coop_a))

    assert (shown.status_code, posted.status_code) == (403, 403)
    assert "Seul un référent" in posted.content.decode()
    assert Selection.objects.get(pk=complete.pk).status == Status.DRAFT


def test_it_does_not_submit_twice(client, complete, coop_a, staff_a):
    workflow.submit_selection(selection=complete, by=staff_a)
    client.force_login(staff_a)

    response = client.post(_url(coop_a), follow=True)

    assert "ne peut pas être modifiée" in response.content.decode()
    assert complete.transitions.filter(to_status=Status.SUBMITTED).count() == 1


def test_it_resubmits_after_changes_were_requested(client, complete, coop_a, staff_a, reviewer):
    workflow.submit_selection(selection=complete, by=staff_a)
    workflow.request_changes(selection=complete, by=reviewer, message="Précisez.")
    client.force_login(staff_a)

    client.post(_url(coop_a), {"message": "C'est précisé."})

    complete.refresh_from_db()
    assert complete.status == Status.SUBMITTED
    assert complete.transitions.last().from_status == Status.CHANGES_REQUESTED
