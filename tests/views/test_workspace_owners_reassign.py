"""Owners changed once the selection is submitted or validated: référents, owners only, recorded."""

import pytest
from django.urls import reverse

from commitments import ownership, workflow
from commitments.models import Project
from tests import factories
from tests.cycles_support import submit_and_validate

pytestmark = pytest.mark.django_db


@pytest.fixture
def open_campaign(reference):
    return factories.make_campaign("Campagne 2026", minimum=1)


@pytest.fixture
def submitted(open_campaign, coop_a, staff_a, contributor_a):
    selection = factories.make_selection(coop_a, open_campaign, numbers=[1])
    workflow.submit_selection(selection=selection, by=staff_a)
    return selection


@pytest.fixture
def validated(open_campaign, coop_a, staff_a, contributor_a, reviewer):
    selection = factories.make_selection(coop_a, open_campaign, numbers=[1])
    return submit_and_validate(selection, open_campaign, reviewer)


def _project(selection):
    return Project.objects.get(choice__selection=selection)


def _page(project, slug="cooperative-alpha"):
    return reverse("workspace:project_owners", args=[slug, project.pk])


@pytest.mark.parametrize("state", ["submitted", "validated"])
def test_a_referent_changes_only_the_owners(request, client, state, staff_a, contributor_a):
    selection = request.getfixturevalue(state)
    project = _project(selection)
    title, version = project.title, project.version
    client.force_login(staff_a)

    response = client.post(
        _page(project),
        {"owner": contributor_a.pk, "co_owner": staff_a.pk, "title": "Un autre titre"},
    )

    assert response.status_code == 302
    project.refresh_from_db()
    assert (project.owner, project.co_owner) == (contributor_a, staff_a)
    # Nothing else moved: not the text, not its version, not the selection's state.
    assert (project.title, project.version) == (title, version)
    assert project.choice.selection.status == selection.status
    record = project.history.latest()
    assert (record.owner_id, record.co_owner_id) == (contributor_a.pk, staff_a.pk)
    assert record.history_user == staff_a
    assert record.history_change_reason == str(ownership.REASSIGNED)


def test_every_version_of_the_project_follows(
    client, validated, coop_a, staff_a, contributor_a, campaign
):
    """The validated project carried into a new draft keeps one pair of owners."""
    followed = _project(validated)
    carried = factories.make_selection(coop_a, campaign, numbers=[1])
    copy = _project(carried)
    Project.objects.filter(pk=copy.pk).update(
        lineage=followed.lineage, public_id=followed.public_id
    )
    client.force_login(staff_a)

    client.post(_page(followed), {"owner": contributor_a.pk, "co_owner": ""})

    assert set(
        Project.objects.filter(public_id=followed.public_id).values_list("owner", flat=True)
    ) == {contributor_a.pk}


def test_the_pages_offer_the_change_to_referents(client, validated, staff_a, contributor_a):
    project = _project(validated)
    link = f'href="{_page(project)}"'
    follow_up = reverse("workspace:follow_up", args=["cooperative-alpha"])
    engagement = reverse("workspace:engagement", args=["cooperative-alpha", 1])

    client.force_login(staff_a)
    assert link in client.get(follow_up).content.decode()
    assert link in client.get(engagement).content.decode()
    form = client.get(_page(project))
    assert form.status_code == 200
    assert "Porteurs du projet" in form.content.decode()

    client.force_login(contributor_a)
    assert link not in client.get(follow_up).content.decode()
    assert link not in client.get(engagement).content.decode()


def test_a_contributor_or_a_guest_is_refused(client, submitted, coop_a, contributor_a):
    project = _project(submitted)
    guest = factories.make_guest("remi", coop=coop_a)

    for someone in (contributor_a, guest):
        client.force_login(someone)
        assert client.post(_page(project), {"owner": someone.pk}).status_code == 403
    project.refresh_from_db()
    assert project.owner is None


def test_another_cooperatives_project_is_a_404(client, submitted, staff_b, coop_b):
    client.force_login(staff_b)

    assert client.get(_page(_project(submitted), slug=coop_b.slug)).status_code == 404


def test_a_draft_sends_to_the_projects_form(client, campaign, coop_a, staff_a):
    project = _project(factories.make_selection(coop_a, campaign, numbers=[1]))
    client.force_login(staff_a)

    response = client.get(_page(project))

    assert response.status_code == 302
    assert response["Location"] == reverse(
        "workspace:project_edit", args=["cooperative-alpha", project.pk]
    )


def test_a_draft_is_refused_by_the_service(campaign, coop_a, staff_a):
    project = _project(factories.make_selection(coop_a, campaign, numbers=[1]))

    with pytest.raises(ownership.OwnershipError):
        ownership.reassign(
            project, ownership.Owners(staff_a), by=staff_a.memberships.get(cooperative=coop_a)
        )


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"owner": "999999"}, "owner", "Choisissez un membre de l&#x27;équipe"),
        ({"owner": "", "co_owner": "{arthur}"}, "owner", "Choisissez d&#x27;abord le porteur"),
        ({"owner": "{arthur}", "co_owner": "{arthur}"}, "co_owner", "une autre personne"),
        ({"owner": "{guest}"}, "owner", "Choisissez un membre de l&#x27;équipe"),
    ],
    ids=["unknown", "co-owner-alone", "same-twice", "a-guest"],
)
def test_refused_owners_are_said_next_to_the_field(
    client, submitted, coop_a, staff_a, contributor_a, data, field, message
):
    guest = factories.make_guest("remi", coop=coop_a)
    people = {"arthur": contributor_a.pk, "guest": guest.pk}
    project = _project(submitted)
    client.force_login(staff_a)

    response = client.post(
        _page(project), {name: value.format(**people) for name, value in data.items()}
    )

    assert response.status_code == 400
    assert response.context["form"].errors[field]
    assert message in response.content.decode()
    project.refresh_from_db()
    assert (project.owner, project.co_owner) == (None, None)


@pytest.mark.parametrize("count", [1, 10], ids=["1x", "10x"])
def test_the_page_costs_the_same_queries_at_10x(
    client, submitted, coop_a, staff_a, count, django_assert_max_num_queries
):
    for n in range(count):
        factories.make_user(f"membre{n}", coop=coop_a)
    project = _project(submitted)
    client.force_login(staff_a)

    with django_assert_max_num_queries(8):
        assert client.get(_page(project)).status_code == 200
