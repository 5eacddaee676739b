"""No public page ever shows a draft, a submission or a reviewer's remark."""

import pytest
from django.urls import reverse

from commitments import workflow
from commitments.models import Choice, Engagement, Project
from tests import factories

pytestmark = pytest.mark.django_db

SECRET = "CONFIDENTIEL"


@pytest.fixture
def unpublished_content(reference, campaign):
    """Every kind of work in progress, each marked SECRET, next to one published coop."""
    reviewer = factories.make_reviewer()
    factories.make_selection(
        factories.make_coop("Coop Brouillon"), campaign, numbers=range(1, 13), prefix=SECRET
    )
    submitted = factories.make_selection(
        factories.make_coop("Coop Soumise"), campaign, numbers=range(1, 13), prefix=SECRET
    )
    workflow.submit_selection(selection=submitted, by=None)
    returned = factories.make_selection(
        factories.make_coop("Coop Renvoyée"), campaign, numbers=range(1, 13), prefix=SECRET
    )
    workflow.submit_selection(selection=returned, by=None)
    workflow.request_changes(
        selection=returned,
        by=reviewer,
        message=f"{SECRET} message de la fédération",
        remarks={Engagement.objects.get(number=1): f"{SECRET} remarque"},
    )
    # A published cooperative that reopened its selection: the draft copy is
    # edited, and gets an engagement the published one does not have.
    published = factories.make_published(
        factories.make_coop("Coop Publiée"), campaign, reviewer, numbers=range(1, 9)
    )
    draft = workflow.reopen_selection(selection=published, by=reviewer)
    Project.objects.filter(choice__selection=draft).update(description=f"{SECRET} en chantier")
    choice = Choice.objects.create(selection=draft, engagement=Engagement.objects.get(number=12))
    Project.objects.create(choice=choice, title=f"{SECRET} nouveau", description=f"{SECRET} neuf")


def public_urls():
    yield reverse("public:home")
    yield reverse("public:cooperatives")
    for number in range(1, 13):
        yield reverse("public:engagement", args=[number])
    for slug in ["coop-brouillon", "coop-soumise", "coop-renvoyee", "coop-publiee"]:
        yield reverse("public:cooperative", args=[slug])


def test_it_never_shows_unpublished_work_on_any_public_page(client, unpublished_content):
    for url in public_urls():
        response = client.get(url)
        assert response.status_code == 200, url
        assert SECRET not in response.content.decode(), url


def test_it_still_shows_the_published_selection_beside_the_work_in_progress(
    client, unpublished_content
):
    profile = client.get(reverse("public:cooperative", args=["coop-publiee"])).content.decode()
    engagement = client.get(reverse("public:engagement", args=[1])).content.decode()
    directory = client.get(reverse("public:cooperatives")).content.decode()

    assert "Description du projet 1.1 de Coop Publiée." in profile
    assert "Description du projet 1.1 de Coop Publiée." in engagement
    assert 'href="/cooperatives/coop-publiee/"' in directory
    for slug in ["coop-brouillon", "coop-soumise", "coop-renvoyee"]:
        assert f'href="/cooperatives/{slug}/"' not in directory
        assert f'href="/cooperatives/{slug}/"' not in engagement
