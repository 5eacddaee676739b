"""A cooperative's référente prepares and submits the selection, in a real browser."""

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from tests.browser.screenshots import screenshot_path
from tests.browser.support import log_in

PROJECTS = {
    1: ("Prêt social location-accession", "Des logements en PSLA pour des ménages modestes."),
    2: ("Achats auprès des entreprises du territoire", "Une politique d'achats locaux."),
    3: ("Opération de centre-bourg", "La réhabilitation d'un îlot ancien avec la commune."),
    4: ("Fête des voisins", "Une fête annuelle organisée avec les amicales de locataires."),
    5: ("Enquête de satisfaction des associés", "Une enquête annuelle et ses suites."),
    6: ("Formation des administrateurs", "Un parcours de formation des nouveaux élus."),
    7: ("Rapport annuel aux associés", "Un rapport clair envoyé avant l'assemblée."),
    8: ("Journée de la coopération", "Des rencontres ouvertes sur le modèle coopératif."),
}


@pytest.fixture
def demo(transactional_db):
    call_command("loaddata", "reference", "cooperatives", "campaign_2024", verbosity=0)
    # Tests run with DEBUG off, where the command wants to be told twice.
    call_command("create_demo_accounts", force=True, verbosity=0)


def _choose(page, numbers):
    page.get_by_role("link", name="Choisir les engagements").first.click()
    for number in numbers:
        page.check(f"#engagement-{number}")
    page.get_by_role("button", name="Enregistrer mes engagements").click()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_it_prepares_and_submits_a_selection(page, live_server, demo):
    log_in(page, live_server.url, "demo")
    expect(page.get_by_role("heading", level=1)).to_have_text("Coopérative de démonstration")

    # The counter follows the ticks as they happen.
    page.get_by_role("link", name="Choisir les engagements").first.click()
    counter = page.locator("#compteur-engagements [data-count]")
    expect(counter).to_have_text("0")
    page.check("#engagement-3")
    expect(counter).to_have_text("1")
    page.uncheck("#engagement-3")
    expect(counter).to_have_text("0")
    page.goto(f"{live_server.url}/espace/")

    # Seven engagements: submission is refused, naming the minimum.
    _choose(page, range(1, 8))
    expect(page.get_by_text("Sélection enregistrée : 7 engagements choisis.")).to_be_visible()
    page.get_by_role("link", name="Soumettre pour validation").click()
    page.get_by_role("button", name="Confirmer la soumission").click()
    refusal = page.locator(".alert-danger")
    expect(refusal).to_contain_text("La sélection n'a pas été soumise.")
    expect(refusal).to_contain_text("Choisissez au moins 8 engagements (7 choisis pour l'instant).")

    # An eighth engagement, a project for each, then submission goes through.
    page.goto(f"{live_server.url}/espace/")
    _choose(page, [8])
    expect(page.get_by_text("8 engagements choisis")).to_be_visible()
    for number, (title, description) in PROJECTS.items():
        page.get_by_role("link", name=f"Engagement {number} · pilier").click()
        page.get_by_role("link", name="Ajouter un projet").click()
        page.get_by_label("Titre").fill(title)
        page.get_by_label("Description").fill(description)
        page.get_by_label("En cours").check()
        page.get_by_role("button", name="Enregistrer le projet").click()
        expect(page.get_by_text(f"Projet « {title} » ajouté.")).to_be_visible()
        page.get_by_role("link", name="Revenir au tableau de bord").click()
    expect(page.get_by_text("Rien ne manque : la sélection peut être soumise.")).to_be_visible()

    page.get_by_role("link", name="Soumettre pour validation").click()
    page.get_by_label("Message pour la fédération").fill("Première soumission de la coopérative.")
    page.get_by_role("button", name="Confirmer la soumission").click()

    expect(page.get_by_text("Sélection soumise à la fédération.")).to_be_visible()
    expect(page.locator("header .status-badge")).to_have_text("Soumise")
    expect(page.get_by_text("elle est en lecture seule jusqu'à la décision")).to_be_visible()
    expect(page.get_by_role("link", name="Soumettre pour validation")).to_have_count(0)
    expect(page.get_by_role("link", name="Choisir les engagements")).to_have_count(0)
    page.screenshot(path=screenshot_path("workspace.png"), full_page=True)

    page.get_by_role("link", name="Engagement 4 · pilier").click()
    expect(page.get_by_role("heading", name="Fête des voisins")).to_be_visible()
    expect(page.get_by_role("link", name="Ajouter un projet")).to_have_count(0)
    expect(page.get_by_role("link", name="Modifier")).to_have_count(0)
