"""The cycle in the pages: public profile, cycle pages, directory filter, federation."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from commitments import cycles
from tests import cycles_support, factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_cycles(reference):
    return cycles_support.build()


@pytest.fixture
def clock(monkeypatch):
    """Set the day the pages read from ``timezone.localdate()``."""
    real = timezone.localdate

    def set_day(day):
        monkeypatch.setattr(
            timezone, "localdate", lambda *args, **kwargs: real(*args, **kwargs) if args else day
        )

    return set_day


def _profile(client, coop):
    return client.get(reverse("public:cooperative", args=[coop.slug])).content.decode()


def test_the_profile_shows_both_cycles_each_one_click_away(client, two_cycles):
    coop = two_cycles["coop"]
    html = _profile(client, coop)

    for selection in (two_cycles["first"], two_cycles["second"]):
        url = reverse("public:cooperative_cycle", args=[coop.slug, selection.campaign.slug])
        assert f'href="{url}"' in html
        assert selection.campaign.name in html


def test_each_cycle_page_shows_that_validated_selection(client, two_cycles):
    coop = two_cycles["coop"]
    first = client.get(
        reverse("public:cooperative_cycle", args=[coop.slug, two_cycles["first"].campaign.slug])
    )
    second = client.get(
        reverse("public:cooperative_cycle", args=[coop.slug, two_cycles["second"].campaign.slug])
    )

    assert first.status_code == second.status_code == 200
    # The dropped project is in the first cycle only; the added one in the second.
    assert two_cycles["dropped"].title in first.content.decode()
    assert two_cycles["dropped"].title not in second.content.decode()
    assert "Projet ajouté en 2027" in second.content.decode()
    assert "Projet ajouté en 2027" not in first.content.decode()
    assert "Un cycle passé" in first.content.decode()


def test_a_cycle_page_never_shows_a_draft(client, two_cycles, reference):
    coop = two_cycles["coop"]
    draft_campaign = factories.make_campaign("Campagne 2030")
    factories.make_selection(coop, draft_campaign, numbers=[1], prefix="Brouillon ")

    response = client.get(reverse("public:cooperative_cycle", args=[coop.slug, "campagne-2030"]))

    assert response.status_code == 404
    assert "Campagne 2030" not in _profile(client, coop)


@pytest.mark.parametrize("slug,campaign", [("inconnue", "campagne-2024"), (None, "inconnue")])
def test_an_unknown_cycle_is_a_404(client, two_cycles, slug, campaign):
    slug = slug or two_cycles["coop"].slug
    assert client.get(reverse("public:cooperative_cycle", args=[slug, campaign])).status_code == 404


def test_the_profile_standing_moves_with_the_clock(client, two_cycles, clock):
    coop, until = two_cycles["coop"], two_cycles["second"].valid_until
    date = f"{until.day} {until:%B}"  # noqa: F841 - documents the French date below

    clock(until - datetime.timedelta(days=400))
    assert "Engagée jusqu&#x27;au" in _profile(client, coop) or "Engagée jusqu'au" in _profile(
        client, coop
    )
    clock(until - datetime.timedelta(days=30))
    assert "À renouveler avant le" in _profile(client, coop)
    clock(until + datetime.timedelta(days=1))
    assert "Expirée depuis le" in _profile(client, coop)


def _listed(response):
    return response.content.decode()


def test_the_directory_filters_by_standing(client, two_cycles, clock, reference):
    reviewer = factories.make_reviewer("rene")
    other_campaign = factories.make_campaign("Campagne Bêta", minimum=2)
    other_campaign.validity_years = 5
    other_campaign.save()
    beta = factories.make_coop("Coopérative Bêta")
    factories.make_published(beta, other_campaign, reviewer, numbers=range(1, 3))
    until = two_cycles["second"].valid_until
    # Alpha's renewal window has begun; Bêta, valid for five years, has two more to run.
    clock(until - datetime.timedelta(days=30))
    url = reverse("public:cooperatives")

    due = client.get(url, {"statut": "a-renouveler"})
    engaged = client.get(url, {"statut": "engagee"})
    expired = client.get(url, {"statut": "expiree"})

    assert due.status_code == engaged.status_code == expired.status_code == 200
    assert "Coopérative Alpha" in _listed(due) and "Coopérative Bêta" not in _listed(due)
    assert "Coopérative Bêta" in _listed(engaged) and "Coopérative Alpha" not in _listed(engaged)
    assert "a ce statut pour l" in _listed(expired)
    assert "À renouveler avant le" in _listed(due)


@pytest.mark.parametrize("value", ["nimporte", "'; DROP TABLE", "\x00", "a" * 500])
def test_a_bad_standing_is_ignored_with_a_french_message(client, two_cycles, value):
    response = client.get(reverse("public:cooperatives"), {"statut": value})

    assert response.status_code == 200
    html = response.content.decode()
    assert "Statut inconnu : toutes les coopératives sont affichées." in html
    assert "Coopérative Alpha" in html


def test_the_federation_dashboard_shows_each_standing(client, two_cycles, reference):
    factories.make_coop("Coopérative Jamais")
    client.force_login(factories.make_reviewer("rene"))

    response = client.get(reverse("federation:dashboard"))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Engagée jusqu&#x27;au" in html or "Engagée jusqu'au" in html
    assert "Jamais engagée" in html


def test_the_review_shows_the_carry_summary(client, two_cycles):
    client.force_login(factories.make_reviewer("rene"))

    html = client.get(reverse("federation:review", args=[two_cycles["second"].pk])).content.decode()

    assert "Par rapport au cycle précédent" in html
    assert "Reconduit" in html and "Modifié" in html
    assert "Le terrain n&#x27;est plus disponible." in html
    assert "Nouveau" in html and "Projet ajouté en 2027" in html


def test_a_first_cycle_review_has_no_carry_summary(client, two_cycles):
    client.force_login(factories.make_reviewer("rene"))

    html = client.get(reverse("federation:review", args=[two_cycles["first"].pk])).content.decode()

    assert "Par rapport au cycle précédent" not in html


# --- Query counts ---------------------------------------------------------------------


def _add_tenfold(reference_campaigns, reviewer):
    """Ten more cooperatives, each with two cycles."""
    first, second = reference_campaigns
    for index in range(10):
        coop = factories.make_coop(f"Coopérative {index:02d}")
        old = factories.make_selection(coop, first, numbers=range(1, 3), projects_per=2)
        cycles_support.submit_and_validate(old, first, reviewer)
        factories.make_published(coop, second, reviewer, numbers=range(1, 4), projects_per=3)


@pytest.mark.parametrize("page", ["profile", "cycle", "directory", "filtered"])
def test_the_pages_run_a_constant_number_of_queries(
    client, two_cycles, django_assert_max_num_queries, page
):
    coop = two_cycles["coop"]
    urls = {
        "profile": lambda: reverse("public:cooperative", args=[coop.slug]),
        "cycle": lambda: reverse(
            "public:cooperative_cycle", args=[coop.slug, two_cycles["first"].campaign.slug]
        ),
        "directory": lambda: reverse("public:cooperatives"),
        "filtered": lambda: reverse("public:cooperatives") + "?statut=engagee",
    }
    url = urls[page]()
    client.get(url)  # warm-up
    with django_assert_max_num_queries(5):
        assert client.get(url).status_code == 200

    _add_tenfold(
        (two_cycles["first"].campaign, two_cycles["second"].campaign),
        factories.make_reviewer("rene"),
    )
    with django_assert_max_num_queries(5):
        assert client.get(url).status_code == 200
    if page == "profile":
        # A larger profile (another cooperative's) reads as many.
        with django_assert_max_num_queries(5):
            client.get(reverse("public:cooperative", args=["cooperative-00"]))


def test_the_standing_annotation_is_one_query(two_cycles, django_assert_num_queries):
    for index in range(5):
        factories.make_coop(f"Coopérative {index}")
    with django_assert_num_queries(1):
        rows = cycles.attach_standings(
            cycles.with_standing(cycles.Cooperative.objects.all(), timezone.localdate())
        )
    assert len(rows) == 6
