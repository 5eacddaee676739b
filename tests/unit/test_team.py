"""A cooperative's team: roles changed, members removed, always one référent left, all recorded."""

import contextlib
import threading

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.db import connection

from coops import team
from coops.models import Membership, TeamEvent
from coops.people import erased_username
from coops.team import LAST_REFERENT, TeamError
from tests import factories

pytestmark = pytest.mark.django_db


def _membership(user):
    return user.memberships.get()


def test_the_last_referent_cannot_be_made_a_contributor(staff_a, contributor_a):
    with pytest.raises(TeamError) as refused:
        team.change_role(membership=_membership(staff_a), role="contributor", by=staff_a)

    assert str(refused.value) == str(LAST_REFERENT)
    assert _membership(staff_a).role == "referent"
    assert not TeamEvent.objects.exists()


def test_the_last_referent_cannot_be_removed(staff_a, contributor_a):
    with pytest.raises(TeamError, match="au moins un référent"):
        team.remove_member(membership=_membership(staff_a), by=contributor_a)

    assert Membership.objects.filter(user=staff_a).exists()


def test_of_two_referents_demoting_each_other_the_second_is_refused(coop_a, staff_a):
    bea = factories.make_user("bea", coop=coop_a, first_name="Béa")
    alice_membership, bea_membership = _membership(staff_a), _membership(bea)

    team.change_role(membership=bea_membership, role="contributor", by=staff_a)
    # Alice's page still showed Béa as référent: the service reads the team afresh.
    with pytest.raises(TeamError):
        team.change_role(membership=alice_membership, role="contributor", by=bea)

    assert list(
        Membership.objects.filter(role="referent").values_list("user__username", flat=True)
    ) == ["alice"]


def test_a_referent_may_step_down_once_another_is_named(
    coop_a, staff_a, contributor_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        team.change_role(membership=_membership(contributor_a), role="referent", by=staff_a)
        team.change_role(membership=_membership(staff_a), role="contributor", by=staff_a)

    assert _membership(staff_a).role == "contributor"
    sentences = [event.sentence() for event in coop_a.team_events.order_by("pk")]
    assert sentences == [
        "Alice a fait passer Arthur de contributeur à référent.",
        "Alice a fait passer Alice de référent à contributeur.",
    ]
    # Arthur is told; Alice made her own change and needs no e-mail about it.
    assert [message.to for message in mail.outbox] == [["arthur@example.org"]]


def test_removing_a_member_is_recorded_and_told(
    coop_a, staff_a, contributor_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        team.remove_member(membership=_membership(contributor_a), by=staff_a)

    assert not contributor_a.memberships.exists()
    event = coop_a.team_events.get()
    assert (event.kind, event.actor, event.previous_role) == ("removed", staff_a, "contributor")
    assert event.sentence() == "Alice a retiré Arthur de l'équipe."
    assert mail.outbox[0].subject == (
        "[Quali'Coop] Vous ne faites plus partie de l'équipe de Coopérative Alpha"
    )


def test_the_history_names_people_as_they_are_now(staff_a, contributor_a):
    team.remove_member(membership=_membership(contributor_a), by=staff_a)
    event = TeamEvent.objects.get()

    # An erased account reads "ancien membre", as everywhere; a deleted one is said so.
    User.objects.filter(pk=contributor_a.pk).update(
        username=erased_username(contributor_a), is_active=False, first_name="", last_name=""
    )
    staff_a.delete()
    event.refresh_from_db()

    assert event.actor is None
    assert event.sentence() == "Un compte supprimé a retiré ancien membre de l'équipe."


def test_a_member_removed_meanwhile_is_said_so(staff_a, contributor_a):
    membership = _membership(contributor_a)
    Membership.objects.filter(pk=membership.pk).delete()

    with pytest.raises(TeamError, match="ne fait déjà plus partie"):
        team.remove_member(membership=membership, by=staff_a)


def test_an_unknown_role_is_refused(staff_a, contributor_a):
    with pytest.raises(TeamError):
        team.change_role(membership=_membership(contributor_a), role="reviewer", by=staff_a)


def test_refusal_tells_pages_what_the_service_would_refuse(staff_a, contributor_a):
    assert team.refusal(_membership(staff_a)) == str(LAST_REFERENT)
    assert team.refusal(_membership(staff_a), role="referent") is None
    assert team.refusal(_membership(contributor_a)) is None


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks need PostgreSQL (SQLite locks it all)"
)
@pytest.mark.django_db(transaction=True)
def test_two_referents_demoting_each_other_at_once_leave_one(monkeypatch):
    """Each check waits for the other: without the cooperative's row lock, both would pass."""
    coop = factories.make_coop("Coopérative Alpha")
    alice = factories.make_user("alice", coop=coop)
    bea = factories.make_user("bea", coop=coop)
    both_checked = threading.Barrier(2, timeout=2)
    check = team._refuse_losing_the_last_referent

    def check_then_wait(membership):
        check(membership)
        # Broken when the other one is held by the lock, as it should be.
        with contextlib.suppress(threading.BrokenBarrierError):
            both_checked.wait()

    monkeypatch.setattr(team, "_refuse_losing_the_last_referent", check_then_wait)
    outcomes = []

    def demote(user, by):
        try:
            team.change_role(membership=_membership(user), role="contributor", by=by)
            outcomes.append("demoted")
        except TeamError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [
        threading.Thread(target=demote, args=(alice, bea)),
        threading.Thread(target=demote, args=(bea, alice)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["demoted", "refused"]
    assert Membership.objects.filter(cooperative=coop, role="referent").count() == 1
