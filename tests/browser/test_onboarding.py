"""The federation brings a cooperative in, and its team comes together, in a real browser.

The administrator imports a two-line spreadsheet (a dry run, then the import);
the référent follows the e-mailed link, chooses a password, lands in the
workspace and invites a colleague; the colleague accepts and sees the team,
with nothing to change it (the forged POST's 403 is a view test).
"""

import re

import pytest
from django.contrib.auth.models import User
from django.core import mail
from playwright.sync_api import expect

from coops.models import Cooperative, Membership
from tests.browser.screenshots import screenshot_path
from tests.browser.support import log_in, sign_out

PASSWORD = "Un-mot-de-passe-solide-42"
SPREADSHEET = (
    "nom;region;site_web;presentation;email_referent\n"
    "Coopérative Gamma;Normandie;www.gamma.coop;Une coopérative du Calvados.;gilles@gamma.coop\n"
    "Coopérative Delta;Occitanie;;Une coopérative de l'Hérault.;delphine@delta.coop\n"
)


def _link_sent_to(address):
    (message,) = [message for message in mail.outbox if message.to == [address]]
    return re.search(r"https?://\S+/compte/invitation/\S+/", message.body).group(0)


def _accept(page, link, first_name, last_name):
    page.goto(link)
    page.fill("#id_first_name", first_name)
    page.fill("#id_last_name", last_name)
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    page.get_by_role("button", name="Créer mon compte et accepter").click()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_it_brings_a_cooperative_in_and_its_team_together(page, live_server, settings, tmp_path):
    # The links of the e-mails lead to this server.
    settings.SITE_URL = live_server.url
    User.objects.create_superuser(
        "sophie", "sophie@example.org", PASSWORD, first_name="Sophie", last_name="Martin"
    )
    spreadsheet = tmp_path / "cooperatives.csv"
    spreadsheet.write_text(SPREADSHEET, encoding="utf-8")

    log_in(page, live_server.url, "sophie", PASSWORD)
    page.goto(f"{live_server.url}/federation/")
    page.get_by_role("link", name="Importer des coopératives").click()

    # The dry run reports each line and changes nothing.
    page.get_by_label("Fichier des coopératives").set_input_files(spreadsheet)
    page.get_by_role("button", name="Lancer l'essai à blanc").click()
    expect(
        page.get_by_role("heading", name="Essai à blanc de « cooperatives.csv »")
    ).to_be_visible()
    expect(page.locator("#ligne-2")).to_contain_text("créée")
    expect(page.locator("#ligne-3")).to_contain_text("delphine@delta.coop — invitation à envoyer")
    assert not Cooperative.objects.exists()
    assert mail.outbox == []

    page.get_by_role("button", name="Importer maintenant").click()
    expect(page.get_by_text("Import terminé")).to_be_visible()
    expect(page.locator("#ligne-2")).to_contain_text("gilles@gamma.coop — invitation envoyée")
    assert Cooperative.objects.count() == 2
    assert sorted(message.to[0] for message in mail.outbox) == [
        "delphine@delta.coop",
        "gilles@gamma.coop",
    ]
    sign_out(page)

    # The référent follows the link, chooses a password and lands in the workspace.
    _accept(page, _link_sent_to("gilles@gamma.coop"), "Gilles", "Lemoine")
    expect(page.get_by_role("heading", level=1)).to_have_text("Coopérative Gamma")
    expect(
        page.get_by_text("Bienvenue dans l'équipe de Coopérative Gamma, en tant que référent.")
    ).to_be_visible()

    # He invites a colleague as contributeur from the team page.
    page.get_by_role("link", name="Équipe").first.click()
    expect(page.get_by_role("heading", name="Équipe de Coopérative Gamma")).to_be_visible()
    page.get_by_label("Adresse e-mail").fill("claire@gamma.coop")
    page.get_by_label("Contributeur").check()
    page.get_by_role("button", name="Envoyer l'invitation").click()
    expect(page.get_by_text("Invitation envoyée à claire@gamma.coop")).to_be_visible()
    expect(
        page.get_by_text("Gilles Lemoine a invité claire@gamma.coop comme contributeur.")
    ).to_be_visible()
    page.screenshot(path=screenshot_path("team.png"), full_page=True)
    sign_out(page)

    # The colleague accepts, sees the team and nothing to change it with.
    _accept(page, _link_sent_to("claire@gamma.coop"), "Claire", "Vasseur")
    expect(page.get_by_role("heading", level=1)).to_have_text("Coopérative Gamma")
    page.get_by_role("link", name="Équipe").first.click()
    team = page.locator("main")
    expect(team.get_by_role("rowheader", name=re.compile("^Gilles Lemoine"))).to_be_visible()
    joined = team.get_by_text("Claire Vasseur a rejoint l'équipe comme contributeur.")
    expect(joined).to_be_visible()
    expect(team.locator("form")).to_have_count(0)
    expect(team.get_by_role("button")).to_have_count(0)
    expect(team.get_by_role("link", name="Retirer")).to_have_count(0)
    assert Membership.objects.get(user__username="claire@gamma.coop").role == "contributor"
