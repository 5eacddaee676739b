"""A référente gives a project to a contributor, limits her to it and chooses a weekly
digest of her notifications, in a real browser."""

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from commitments.models import Project
from qualicoop.accounts.models import Delivery, NotificationSetting
from qualicoop.lib.notify import Kind
from tests import factories
from tests.browser.support import log_in, open_account_menu


@pytest.fixture
def team(transactional_db):
    call_command("loaddata", "reference", verbosity=0)
    coop = factories.make_coop("Coopérative des Tilleuls")
    factories.make_user("rose", coop=coop, first_name="Rose", last_name="Martin")
    factories.make_user(
        "claire",
        coop=coop,
        role=factories.Membership.Role.CONTRIBUTOR,
        first_name="Claire",
        last_name="Dupont",
    )
    campaign = factories.make_campaign(minimum=1)
    selection = factories.make_selection(coop, campaign, numbers=[1], projects_per=2)
    first, second = Project.objects.filter(choice__selection=selection).order_by("position")
    return coop, first, second


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_contributor_limited_to_her_project_edits_it_and_no_other(new_page, live_server, team):
    coop, hers, other = team
    engagement = f"{live_server.url}/espace/{coop.slug}/engagements/1/"

    # Rose, référente, gives the first project to Claire...
    rose = new_page()
    log_in(rose, live_server.url, "rose", factories.PASSWORD)
    rose.goto(engagement)
    rose.get_by_role("link", name=f"Modifier « {hers.title} »").click()
    rose.get_by_label("Porteur du projet").select_option(label="Claire Dupont")
    rose.get_by_role("button", name="Enregistrer le projet").click()
    expect(rose.get_by_text(f"Projet « {hers.title} » enregistré.")).to_be_visible()
    expect(rose.locator(f"#projet-{hers.pk}")).to_contain_text("Porté par Claire Dupont")
    expect(rose.locator(f"#projet-{other.pk}")).to_contain_text("Porteur à désigner")

    # ... then limits her to the projects she carries, on the team page.
    rose.goto(f"{live_server.url}/espace/{coop.slug}/equipe/")
    rose.get_by_label("Limiter aux projets qu'il ou elle porte").check()
    rose.get_by_role("button", name="Enregistrer la limite de Claire Dupont").click()
    expect(
        rose.get_by_text("Claire Dupont ne modifie plus que les projets qu'il ou elle porte.")
    ).to_be_visible()

    # Rose then asks for the news of the year in a weekly digest, from her account's menu.
    open_account_menu(rose)
    rose.get_by_role("link", name="Mes notifications").click()
    for kind in Kind:
        rose.get_by_role("group", name=kind.label).get_by_label("Résumé hebdomadaire").check()
    rose.get_by_role("button", name="Enregistrer mes choix").click()
    expect(rose.get_by_text("Vos choix de notifications sont enregistrés.")).to_be_visible()
    for kind in Kind:
        expect(
            rose.get_by_role("group", name=kind.label).get_by_label("Résumé hebdomadaire")
        ).to_be_checked()
    assert set(
        NotificationSetting.objects.filter(user__username="rose").values_list("kind", "delivery")
    ) == {(kind.value, Delivery.WEEKLY) for kind in Kind}

    # Claire finds her project under "Mes projets" and edits it.
    claire = new_page()
    log_in(claire, live_server.url, "claire", factories.PASSWORD)
    claire.goto(engagement)
    expect(claire.get_by_role("link", name=f"Modifier « {other.title} »")).to_have_count(0)
    claire.get_by_role("link", name="Mes projets").click()
    expect(claire.locator(f"#projet-{other.pk}")).to_have_count(0)
    claire.get_by_role("link", name=f"Modifier « {hers.title} »").click()
    claire.get_by_label("Titre").fill("Jardins partagés au pied des immeubles")
    claire.get_by_role("button", name="Enregistrer le projet").click()
    expect(
        claire.get_by_text("Projet « Jardins partagés au pied des immeubles » enregistré.")
    ).to_be_visible()

    # Another's project, even by its address, is refused with the reason.
    response = claire.goto(f"{live_server.url}/espace/{coop.slug}/projets/{other.pk}/modifier/")
    assert response.status == 403
    expect(claire.get_by_role("heading", level=1)).to_have_text("Action non autorisée")
    expect(claire.get_by_text("vous a limité aux projets que vous portez")).to_be_visible()
    assert Project.objects.get(pk=other.pk).version == other.version
