"""POST /espace/<slug>/commencer/: open the current campaign's selection."""

from django.db.models import QuerySet
from django.urls import reverse

from commitments.models import Project, Selection, Status
from tests import factories


def test_it_starts_an_empty_draft(client, campaign, coop_a, contributor_a):
    client.force_login(contributor_a)

    response = client.post(reverse("workspace:start", args=[coop_a.slug]))

    assert response.status_code == 302
    assert response["Location"] == reverse("workspace:choose", args=[coop_a.slug])
    selection = Selection.objects.get(cooperative=coop_a, campaign=campaign)
    assert (selection.status, selection.choices.count()) == (Status.DRAFT, 0)
    assert selection.transitions.get().actor == contributor_a


def test_it_resumes_the_last_validated_selection(client, reference, coop_a, staff_a, reviewer):
    old = factories.make_published(coop_a, factories.make_campaign("Campagne 2024"), reviewer)
    current = factories.make_campaign("Campagne 2025")
    client.force_login(staff_a)

    response = client.post(reverse("workspace:start", args=[coop_a.slug]), {"resume": "on"})

    assert response.status_code == 302
    draft = Selection.objects.get(cooperative=coop_a, campaign=current)
    assert list(draft.choices.values_list("engagement__number", flat=True)) == list(range(1, 9))
    assert Project.objects.filter(choice__selection=draft).count() == 8
    assert Selection.objects.get(pk=old.pk).is_published


def test_it_says_there_is_nothing_to_resume(client, campaign, coop_a, staff_a):
    client.force_login(staff_a)

    response = client.post(
        reverse("workspace:start", args=[coop_a.slug]), {"resume": "on"}, follow=True
    )

    assert "pas encore de sélection validée" in response.content.decode()
    assert not Selection.objects.filter(cooperative=coop_a).exists()


def test_it_does_not_start_twice(client, campaign, coop_a, staff_a):
    factories.make_selection(coop_a, campaign, numbers=[1])
    client.force_login(staff_a)

    response = client.post(reverse("workspace:start", args=[coop_a.slug]), follow=True)

    assert "a déjà une sélection" in response.content.decode()
    assert Selection.objects.filter(cooperative=coop_a).count() == 1


def test_it_refuses_get(client, campaign, coop_a, staff_a):
    client.force_login(staff_a)

    response = client.get(reverse("workspace:start", args=[coop_a.slug]))

    assert response.status_code == 405
    assert not Selection.objects.filter(cooperative=coop_a).exists()


def test_two_simultaneous_starts_answer_already_started_not_an_error(
    client, campaign, coop_a, staff_a, monkeypatch
):
    """The second of two simultaneous clicks finds no selection yet, then hits the constraint."""
    factories.make_selection(coop_a, campaign, numbers=[1])
    # What the second click saw: no selection when it looked, one when it wrote.
    monkeypatch.setattr(QuerySet, "exists", lambda self: False)
    client.force_login(staff_a)

    response = client.post(reverse("workspace:start", args=[coop_a.slug]), follow=True)

    assert response.status_code == 200
    assert "déjà une sélection" in response.content.decode()
    assert Selection.objects.filter(cooperative=coop_a).count() == 1
