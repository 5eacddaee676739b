"""Who carries a project: the owners' rules, their copy to every version, the team's limit."""

import pytest

from commitments import editing, ownership, workflow
from commitments.models import Project
from coops import team
from coops.models import Membership, TeamEvent
from tests import factories
from tests.cycles_support import submit_and_validate

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(campaign, coop_a, staff_a, contributor_a):
    return factories.make_selection(coop_a, campaign, numbers=[1, 2])


@pytest.fixture
def project(draft):
    return Project.objects.filter(choice__selection=draft).order_by("pk").first()


def _membership(user):
    return Membership.objects.select_related("cooperative", "user").get(user=user)


def _validated(coop, reviewer):
    older = factories.make_campaign("Campagne 2024", open_=False, minimum=1)
    return submit_and_validate(factories.make_selection(coop, older, numbers=[1]), older, reviewer)


def _data(project):
    return {name: getattr(project, name) for name in Project.EDITABLE_FIELDS}


def test_a_referent_names_the_owners_of_any_project(project, staff_a, contributor_a):
    ownership.set_owners(project, ownership.Owners(contributor_a, staff_a), by=_membership(staff_a))

    project.refresh_from_db()
    assert (project.owner, project.co_owner) == (contributor_a, staff_a)
    assert list(Project.objects.owned_by(contributor_a)) == [project]
    assert list(Project.objects.owned_by(staff_a)) == [project]


def test_the_owners_must_be_members_of_the_cooperative(project, staff_a, staff_b):
    with pytest.raises(ownership.OwnershipError) as refused:
        ownership.set_owners(project, ownership.Owners(staff_b), by=_membership(staff_a))

    assert refused.value.field == "owner"
    assert str(refused.value) == "Bob n'est pas membre de la coopérative Coopérative Alpha."
    project.refresh_from_db()
    assert project.owner is None


def test_a_co_owner_needs_an_owner_and_is_someone_else(project, staff_a, contributor_a):
    by = _membership(staff_a)

    with pytest.raises(ownership.OwnershipError, match="d'abord le porteur") as without_owner:
        ownership.set_owners(project, ownership.Owners(None, contributor_a), by=by)
    with pytest.raises(ownership.OwnershipError, match="une autre personne") as twice:
        ownership.set_owners(project, ownership.Owners(staff_a, staff_a), by=by)

    assert (without_owner.value.field, twice.value.field) == ("owner", "co_owner")


def test_only_referents_and_owners_change_the_owners(project, coop_a, staff_a, contributor_a):
    colleague = factories.make_user(
        "celine", coop=coop_a, role=Membership.Role.CONTRIBUTOR, first_name="Céline"
    )

    with pytest.raises(ownership.OwnershipError, match="Seuls les référents"):
        ownership.set_owners(
            project, ownership.Owners(contributor_a), by=_membership(contributor_a)
        )
    ownership.set_owners(project, ownership.Owners(contributor_a), by=_membership(staff_a))
    # The owner hands the project over to a colleague.
    ownership.set_owners(project, ownership.Owners(colleague), by=_membership(contributor_a))

    project.refresh_from_db()
    assert project.owner == colleague


def test_whoever_adds_a_project_names_its_owners(draft, contributor_a, staff_a):
    choice = draft.choices.get(engagement__number=1)
    data = {**_data(Project(title="Jardin partagé", description="Un jardin.")), "target_date": None}

    project, _created = editing.create_project(
        choice,
        data,
        owners=(ownership.Owners(staff_a, contributor_a), _membership(contributor_a)),
    )

    project.refresh_from_db()
    assert (project.owner, project.co_owner) == (staff_a, contributor_a)


def test_a_refused_owner_undoes_the_edit(project, staff_a, staff_b):
    with pytest.raises(ownership.OwnershipError):
        editing.update_project(
            project,
            {**_data(project), "title": "Nouveau titre"},
            expected_version=project.version,
            owners=(ownership.Owners(staff_b), _membership(staff_a)),
        )

    project.refresh_from_db()
    assert (project.title, project.version) != ("Nouveau titre", 2)


def test_the_owners_go_with_the_project_to_every_later_version(
    reference, coop_a, staff_a, contributor_a, reviewer
):
    validated = _validated(coop_a, reviewer)
    project = Project.objects.get(choice__selection=validated)
    ownership.set_owners(project, ownership.Owners(contributor_a, staff_a), by=_membership(staff_a))

    reopened = workflow.reopen_selection(selection=validated, by=reviewer)
    current = factories.make_campaign("Campagne 2025", minimum=1)
    next_cycle = workflow.start_selection(
        cooperative=coop_a, campaign=current, by=staff_a, copy_from=validated
    )

    for selection in (reopened, next_cycle):
        copy = Project.objects.get(choice__selection=selection)
        assert copy.public_id == project.public_id
        assert (copy.owner, copy.co_owner) == (contributor_a, staff_a)


def test_owners_named_on_one_version_are_named_on_all(
    reference, coop_a, staff_a, contributor_a, reviewer
):
    validated = _validated(coop_a, reviewer)
    draft = workflow.reopen_selection(selection=validated, by=reviewer)
    copy = Project.objects.get(choice__selection=draft)

    ownership.set_owners(copy, ownership.Owners(contributor_a), by=_membership(staff_a))

    # The validated version, followed over the year, names the same owner.
    assert list(
        Project.objects.filter(public_id=copy.public_id).values_list("owner", flat=True)
    ) == [contributor_a.pk, contributor_a.pk]


def test_a_limited_contributor_edits_only_what_she_carries(project, staff_a, contributor_a):
    membership = _membership(contributor_a)
    assert ownership.may_edit(membership, project)

    team.limit_to_own_projects(membership=membership, limited=True, by=staff_a)
    membership.refresh_from_db()

    assert not ownership.may_edit(membership, project)
    project.co_owner = contributor_a
    assert ownership.may_edit(membership, project)


def test_the_limit_is_recorded_and_lifted(coop_a, staff_a, contributor_a):
    membership = _membership(contributor_a)

    team.limit_to_own_projects(membership=membership, limited=True, by=staff_a)
    team.limit_to_own_projects(membership=membership, limited=True, by=staff_a)
    team.limit_to_own_projects(membership=membership, limited=False, by=staff_a)

    membership.refresh_from_db()
    assert not membership.own_projects_only
    events = [event.sentence() for event in coop_a.team_events.order_by("pk")][-2:]
    assert events == [
        "Alice a limité Arthur aux projets qu'il ou elle porte.",
        "Alice a permis à Arthur de modifier tous les projets de la coopérative.",
    ]
    assert coop_a.team_events.filter(kind=TeamEvent.Kind.LIMITED).count() == 1


def test_a_referent_is_never_limited(coop_a, staff_a, contributor_a):
    with pytest.raises(team.TeamError, match="Seul un contributeur"):
        team.limit_to_own_projects(membership=_membership(staff_a), limited=True, by=staff_a)

    membership = _membership(contributor_a)
    team.limit_to_own_projects(membership=membership, limited=True, by=staff_a)
    promoted = team.change_role(membership=membership, role=Membership.Role.REFERENT, by=staff_a)

    assert not promoted.own_projects_only
