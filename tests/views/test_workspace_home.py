"""/espace/: where a logged-in user lands."""

from django.urls import reverse

from coops.models import Membership
from tests import factories


def test_it_goes_straight_to_the_only_cooperative(client, staff_a, coop_a):
    client.force_login(staff_a)

    response = client.get(reverse("workspace:home"))

    assert response.status_code == 302
    assert response["Location"] == reverse("workspace:dashboard", args=[coop_a.slug])


def test_it_lists_the_cooperatives_of_a_member_of_several(
    client, campaign, staff_a, coop_a, coop_b
):
    Membership.objects.create(user=staff_a, cooperative=coop_b)
    factories.make_selection(coop_b, campaign)
    client.force_login(staff_a)

    response = client.get(reverse("workspace:home"))

    assert response.status_code == 200
    content = response.content.decode()
    assert reverse("workspace:dashboard", args=[coop_a.slug]) in content
    assert reverse("workspace:dashboard", args=[coop_b.slug]) in content
    # B has started its selection, A has not.
    assert "Brouillon" in content
    assert "Sélection pas encore commencée" in content


def test_it_sends_a_reviewer_without_cooperative_to_the_federation(client, reviewer):
    client.force_login(reviewer)

    response = client.get(reverse("workspace:home"))

    assert response.status_code == 302
    assert response["Location"] == reverse("federation:queue")


def test_it_explains_why_a_user_without_cooperative_sees_nothing(client, db):
    client.force_login(factories.make_user("charlie"))

    response = client.get(reverse("workspace:home"))

    assert response.status_code == 200
    assert "rattaché à aucune coopérative" in response.content.decode()
