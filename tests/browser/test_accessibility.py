"""Every screen passes axe-core with no serious or critical violation, in a real browser.

Each test walks a group of pages as its people would (the public, demo's
référente, the federation), including pages showing form errors, and reports
all the problems found at once: rule, help, and the elements concerned. Each
page must also have exactly one h1 and declare the language it is written in.
"""

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.contrib.auth.models import User
from playwright.sync_api import expect

from commitments import workflow
from commitments.models import (
    Choice,
    Engagement,
    Pillar,
    Project,
    ReopeningRequest,
    Selection,
    Status,
)
from coops.models import Cooperative, Membership
from tests.browser.support import log_in, open_account_menu, sign_in, sign_out
from tests.rgaa_support import load_demonstration, sample_addresses

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SLUG = "cooperative-de-demonstration"
BLOCKING = {"serious", "critical"}
AXE = Axe()


@pytest.fixture
def demo(transactional_db):
    load_demonstration()


class Audit:
    """Checks the page currently shown and keeps every problem for one final report."""

    def __init__(self, page, base, language="fr"):
        self.page = page
        self.base = base
        self.language = language
        self.problems = []
        self.pages = 0

    def visit(self, path):
        self.page.goto(self.base + path)
        self.check()

    def check(self):
        self.pages += 1
        where = self.page.url.removeprefix(self.base)
        lang = self.page.locator("html").get_attribute("lang")
        if lang != self.language:
            self.problems.append(f"{where}: <html lang={lang!r}>, expected {self.language!r}")
        headings = self.page.locator("h1").count()
        if headings != 1:
            self.problems.append(f"{where}: {headings} h1 elements, expected exactly one")
        for violation in AXE.run(self.page).response["violations"]:
            if violation["impact"] not in BLOCKING:
                continue
            targets = "\n      ".join(
                " ".join(map(str, node["target"])) + _why(node) for node in violation["nodes"][:5]
            )
            self.problems.append(
                f"{where}: {violation['id']} ({violation['impact']}): {violation['help']}"
                f" — {violation['helpUrl']}\n      {targets}"
            )

    def assert_clean(self):
        assert self.pages > 0
        assert not self.problems, "\n".join(self.problems)


def _why(node):
    """axe's own words on one element (e.g. the colours and ratio of a contrast failure)."""
    checks = node["any"] or node["all"] or node["none"]
    return f" — {checks[0]['message']}" if checks else ""


def _public_pages():
    profile = Cooperative.objects.filter(selections__is_published=True).order_by("name").first()
    return [
        "/",
        "/engagements/1/",
        "/engagements/6/",
        "/engagements/12/",
        "/cooperatives/",
        profile.get_absolute_url(),
        "/projets/",
        "/projets/?q=logement&pilier=1",
        "/projets/?engagement=99",
        "/statistiques/",
        "/reseau-en-chiffres/",
        "/donnees/",
        "/api/",
        "/compte/connexion/",
        "/compte/reinitialisation/",
        "/compte/reinitialisation/envoyee/",
        "/compte/reinitialisation/MQ/lien-perime/",
        "/compte/donnees-personnelles/",
        "/cette-page-n-existe-pas/",
        # The trust pages and the accessibility declaration.
        "/a-propos/",
        "/faq/",
        "/guide/",
        "/mentions-legales/",
        "/contact/",
        "/accessibilite/",
    ]


@pytest.mark.parametrize("language", ["fr", "en"])
def test_it_finds_no_serious_violation_on_the_pages_of_the_rgaa_sample(
    page, live_server, demo, language
):
    """The accessibility declaration's sample, page by page, each as its people see it."""
    base = live_server.url
    buttons = {"fr": ("Se connecter", "Se déconnecter"), "en": ("Sign in", "Sign out")}
    sign_in_button, sign_out_button = buttons[language]
    page.context.add_cookies([{"name": "django_language", "value": language, "url": base}])
    audit = Audit(page, base, language)
    signed_in = ""
    for sample_page, path in sorted(sample_addresses(), key=lambda each: each[0].who):
        if sample_page.who != signed_in:
            if signed_in:
                sign_out(page, button=sign_out_button)
            log_in(page, base, sample_page.who, button=sign_in_button)
            signed_in = sample_page.who
        audit.visit(path)
        expect(page.locator("h1")).to_have_count(1)
    assert audit.pages == len(sample_addresses())
    audit.assert_clean()


@pytest.mark.parametrize("language", ["fr", "en"])
def test_it_finds_no_serious_violation_on_public_pages(page, live_server, demo, language):
    if language != "fr":
        page.context.add_cookies(
            [{"name": "django_language", "value": language, "url": live_server.url}]
        )
    audit = Audit(page, live_server.url, language)
    for path in _public_pages():
        audit.visit(path)

    # A failed sign-in shows its error next to the form.
    page.goto(f"{live_server.url}/compte/connexion/")
    sign_in(
        page, "demo", "not-the-password", button="Sign in" if language == "en" else "Se connecter"
    )
    expect(page.locator("main .alert-danger, main .invalid-feedback").first).to_be_visible()
    audit.check()

    audit.assert_clean()


def test_it_finds_no_serious_violation_in_the_workspace(page, live_server, demo):
    base = live_server.url
    audit = Audit(page, base)
    log_in(page, base, "demo")
    expect(page.get_by_role("heading", level=1)).to_have_text("Coopérative de démonstration")
    audit.check()

    audit.visit(f"/espace/{SLUG}/engagements/")
    page.check("#engagement-1")
    page.check("#engagement-2")
    page.get_by_role("button", name="Enregistrer mes engagements").click()
    audit.check()

    audit.visit(f"/espace/{SLUG}/engagements/1/")
    page.get_by_role("link", name="Ajouter un projet").first.click()
    audit.check()

    # Saved without a title nor a description: the errors sit next to the fields.
    page.get_by_role("button", name="Enregistrer le projet").click()
    expect(page.locator(".invalid-feedback").first).to_be_visible()
    audit.check()

    page.get_by_label("Titre").fill("Ateliers avec les locataires")
    page.get_by_label("Description").fill("Des ateliers mensuels avec les locataires.")
    page.get_by_role("button", name="Enregistrer le projet").click()
    expect(page.get_by_text("Projet « Ateliers avec les locataires » ajouté.")).to_be_visible()
    audit.check()

    page.locator("main").get_by_role("link", name="Modifier").first.click()
    audit.check()
    page.goto(f"{base}/espace/{SLUG}/engagements/1/")
    page.locator("main").get_by_role("link", name="Supprimer").first.click()
    audit.check()

    # Unticking an engagement that has a project asks for a confirmation.
    page.goto(f"{base}/espace/{SLUG}/engagements/")
    page.uncheck("#engagement-1")
    page.get_by_role("button", name="Enregistrer mes engagements").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirmer la suppression de projets")
    audit.check()

    audit.visit(f"/espace/{SLUG}/soumettre/")
    page.get_by_role("button", name="Confirmer la soumission").click()
    expect(page.get_by_text("La sélection n'a pas été soumise. Il manque :")).to_be_visible()
    audit.check()

    audit.visit(f"/espace/{SLUG}/")
    audit.visit("/compte/mot-de-passe/")

    # "Mon compte", a refused address next to its field, and the account's other pages.
    audit.visit("/compte/")
    page.get_by_label("Nouvelle adresse électronique").fill("pas-une-adresse")
    page.get_by_role("button", name="Recevoir le lien de confirmation").click()
    expect(page.locator(".invalid-feedback").first).to_be_visible()
    audit.check()
    audit.visit("/compte/adresse/confirmer/lien-perime/")
    audit.visit("/compte/deconnexion-partout/")
    audit.visit("/compte/donnees-personnelles/")

    # A form sent after its page expired (here: the CSRF cookie is gone).
    audit.visit("/compte/")
    page.context.clear_cookies(name="csrftoken")
    page.get_by_role("button", name="Enregistrer mon nom").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Cette page avait expiré")
    audit.check()
    audit.assert_clean()


def _demo_selection_ready():
    """Demo's draft with 8 engagements, each with a project: ready to submit."""
    selection = Selection.objects.get(cooperative__slug=SLUG)
    for number in range(1, 9):
        choice = Choice.objects.create(
            selection=selection, engagement=Engagement.objects.get(number=number)
        )
        Project.objects.create(
            choice=choice,
            title=f"Ateliers de l'engagement {number}",
            description="Des ateliers mensuels avec les locataires du quartier.",
        )
    return selection


def test_it_finds_no_serious_violation_in_the_federation_pages(page, live_server, demo):
    base = live_server.url
    submitted = _demo_selection_ready()
    workflow.submit_selection(selection=submitted, by=None)
    validated = Selection.objects.filter(status=Status.VALIDATED).order_by("pk").first()
    audit = Audit(page, base)
    log_in(page, base, "federation")
    audit.check()

    audit.visit("/federation/")
    audit.visit("/federation/?statut=validee&q=logis")
    audit.visit(f"/federation/selections/{submitted.pk}/")

    # Asking for changes without saying which: the error is shown by the message field.
    page.get_by_role("button", name="Demander des modifications").click()
    expect(page.locator(".invalid-feedback").first).to_be_visible()
    audit.check()

    audit.visit(f"/federation/selections/{validated.pk}/")
    audit.visit(f"/federation/selections/{validated.pk}/rouvrir/")
    audit.visit("/federation/tableau-de-bord/")

    # A cooperative's request to reopen: in the queue, on the review page, declined
    # without a reason (the error next to the field).
    reopening = ReopeningRequest.objects.create(selection=validated, message="Un projet de plus.")
    audit.visit("/federation/")
    audit.visit(f"/federation/selections/{validated.pk}/")
    audit.visit(f"/federation/reouvertures/{reopening.pk}/refuser/")
    page.get_by_role("button", name="Refuser la demande").click()
    expect(page.locator(".invalid-feedback").first).to_be_visible()
    audit.check()
    audit.assert_clean()


def test_it_finds_no_serious_violation_in_english_for_signed_in_people(page, live_server, demo):
    base = live_server.url
    _demo_selection_ready()
    validated = Selection.objects.filter(status=Status.VALIDATED).order_by("pk").first()
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": base}])
    audit = Audit(page, base, "en")
    log_in(page, base, "demo", button="Sign in")
    audit.check()
    audit.visit(f"/espace/{SLUG}/engagements/")
    audit.visit(f"/espace/{SLUG}/engagements/1/")
    page.get_by_role("link", name="Add a project").first.click()
    page.get_by_role("button", name="Save the project").click()
    expect(page.locator(".invalid-feedback").first).to_be_visible()
    audit.check()
    audit.visit(f"/espace/{SLUG}/soumettre/")
    open_account_menu(page)
    audit.check()
    page.get_by_role("button", name="Sign out").click()

    log_in(page, base, "federation", button="Sign in")
    audit.visit("/federation/")
    audit.visit(f"/federation/selections/{validated.pk}/")
    audit.visit("/federation/tableau-de-bord/")
    audit.assert_clean()


def test_it_finds_no_serious_violation_in_the_admin(page, live_server, demo):
    """The admin's index, changelists (with their filters) and change forms, inlines included."""
    base = live_server.url
    pillar = Pillar.objects.get(number=1)
    engagement = Engagement.objects.get(number=1)
    demo_user = User.objects.get(username="demo")
    page.goto(f"{base}/admin/login/")
    audit = Audit(page, base)
    audit.check()
    page.fill("#id_username", "admin")
    page.fill("#id_password", "qualicoop-demo")
    page.locator("input[type=submit]").click()
    expect(page.locator("#site-name")).to_have_text("Administration Quali'Coop")
    audit.check()

    for path in [
        "/admin/commitments/engagement/",
        "/admin/auth/user/",
        "/admin/auth/user/?is_staff__exact=1",
        f"/admin/commitments/pillar/{pillar.pk}/change/",
        f"/admin/commitments/engagement/{engagement.pk}/change/",
        f"/admin/auth/user/{demo_user.pk}/change/",
        "/admin/auth/user/add/",
        # Invitations' form (its lists named by their labels), the second factor's devices.
        "/admin/coops/invitation/add/",
        "/admin/otp_totp/totpdevice/",
        "/admin/commitments/campaign/add/",
    ]:
        audit.visit(path)
    expect(page.locator("h1")).to_have_text("Ajout de campagne")
    page.goto(f"{base}/admin/auth/user/{demo_user.pk}/change/")
    expect(page.locator("h1")).to_have_text("Modification d’utilisateur")
    audit.assert_clean()


def test_it_finds_no_serious_violation_on_error_pages_and_empty_states(page, live_server, demo):
    base = live_server.url
    contributor = User.objects.create_user("camille", password="qualicoop-demo")
    Membership.objects.create(
        user=contributor,
        cooperative=Cooperative.objects.get(slug=SLUG),
        role=Membership.Role.CONTRIBUTOR,
    )
    audit = Audit(page, base)

    # Empty results and not-yet-published profiles say so, with a way forward.
    audit.visit("/projets/?q=aucunprojetneparledecela")
    expect(page.get_by_text("Aucun projet ne correspond à votre recherche.")).to_be_visible()
    audit.visit(f"/cooperatives/{SLUG}/")

    # An expired form, anonymous: the CSRF failure page.
    page.goto(f"{base}/compte/connexion/")
    page.context.clear_cookies(name="csrftoken")
    sign_in(page, "camille")
    expect(page.get_by_role("heading", level=1)).to_have_text("Cette page avait expiré")
    audit.check()

    # A contributor may not submit (403); another cooperative's page is not found (404).
    log_in(page, base, "camille")
    audit.visit(f"/espace/{SLUG}/soumettre/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Action non autorisée")
    audit.visit("/espace/grand-delta-habitat/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Page introuvable")
    # Signing out is in the account's menu, checked open too.
    open_account_menu(page)
    audit.check()
    page.get_by_role("button", name="Se déconnecter").click()

    # The federation's queue with a search that finds nobody.
    log_in(page, base, "federation")
    audit.visit("/federation/?q=aucunecooperative")
    expect(
        page.get_by_text("Aucune coopérative ne correspond à la recherche.").first
    ).to_be_visible()
    audit.assert_clean()


def test_it_switches_language_from_the_keyboard_without_javascript(
    browser, browser_context_args, live_server, demo
):
    context = browser.new_context(**browser_context_args, java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server.url}/engagements/1/")
    title = page.locator("h1").inner_text()

    page.keyboard.press("Tab")  # the skip link
    page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_text("English")
    page.keyboard.press("Enter")

    page.wait_for_url(f"{live_server.url}/engagements/1/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("link", name="The commitments")).to_be_visible()
    assert page.locator("h1").inner_text() == title  # the federation's text stays French
    page.get_by_role("navigation", name="Site language").get_by_role("link").click()
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    context.close()
