"""The federation reviews a selection end to end, in a real browser.

Demo's référente submits; the reviewer asks for changes with a remark on one
engagement; she corrects and resubmits; the reviewer sees what changed and
validates; the new project text is public, both sides see the trail, and
each move sent its email.
"""

import pytest
from django.contrib.auth.models import User
from django.core import mail
from playwright.sync_api import expect

from coops.models import Cooperative
from tests.browser.demo import SLUG, demo_draft, load_demo
from tests.browser.screenshots import screenshot_path
from tests.browser.support import log_in
from tests.notification_support import choose

REMARK = "Combien de ménages ont participé ? Ajoutez un indicateur chiffré."
FIRST = "Des ateliers mensuels avec les locataires du quartier."
SECOND = "Des ateliers mensuels avec 45 ménages locataires du quartier, suivis par un comité."


@pytest.fixture
def demo(transactional_db):
    load_demo()
    # The reviewer hears of each submission at once (a daily digest by default).
    choose(User.objects.get(username="federation"), to_review="immediate")
    return demo_draft(description=FIRST)


def _submit(page, base, message):
    page.goto(f"{base}/espace/{SLUG}/")
    page.get_by_role("link", name="Soumettre pour validation").click()
    page.get_by_label("Message pour la fédération").fill(message)
    page.get_by_role("button", name="Confirmer la soumission").click()
    expect(page.get_by_text("Sélection soumise à la fédération.")).to_be_visible()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_it_reviews_a_selection_from_submission_to_publication(page, new_page, live_server, demo):
    base = live_server.url
    staff = page
    reviewer = new_page()
    log_in(staff, base, "demo")
    log_in(reviewer, base, "federation")

    # 1. The cooperative submits; the reviewer finds it at the top of the queue.
    _submit(staff, base, "Notre première sélection.")
    reviewer.goto(f"{base}/federation/")
    waiting = reviewer.locator("#groupe-soumise")
    expect(waiting.get_by_role("link", name="Coopérative de démonstration").first).to_be_visible()
    waiting.get_by_role("link", name="Examiner").first.click()
    expect(reviewer.get_by_role("heading", level=1)).to_have_text("Coopérative de démonstration")

    # 2. Changes requested: the message is required, what was typed is kept.
    reviewer.get_by_label("Remarque sur l'engagement 3 (facultative)").fill(REMARK)
    reviewer.get_by_role("button", name="Demander des modifications").click()
    # Said twice: in the summary at the top (which takes the focus) and next to the field.
    expect(reviewer.locator("#resume-erreurs")).to_be_focused()
    expect(
        reviewer.locator("#resume-erreurs").get_by_text("ce message est obligatoire")
    ).to_be_visible()
    expect(
        reviewer.locator("#div_id_message").get_by_text("ce message est obligatoire")
    ).to_be_visible()
    expect(reviewer.get_by_label("Remarque sur l'engagement 3 (facultative)")).to_have_value(REMARK)
    reviewer.get_by_label("Message à la coopérative").fill("Merci de chiffrer vos actions.")
    reviewer.get_by_role("button", name="Demander des modifications").click()
    expect(reviewer.get_by_text("Les modifications demandées ont été envoyées")).to_be_visible()
    expect(reviewer.locator("header .status-badge")).to_have_text("Modifications demandées")

    # 3. The cooperative reads the remark on engagement 3, edits the project, resubmits.
    staff.goto(f"{base}/espace/{SLUG}/")
    expect(staff.get_by_text("Merci de chiffrer vos actions.").first).to_be_visible()
    staff.get_by_role("link", name="Engagement 3 · pilier").click()
    expect(staff.locator(".ws-remarks")).to_contain_text(REMARK)
    staff.get_by_role("link", name="Modifier").first.click()
    staff.get_by_label("Description").fill(SECOND)
    staff.get_by_role("button", name="Enregistrer le projet").click()
    _submit(staff, base, "Indicateurs ajoutés.")

    # 4. The reviewer sees exactly what changed, then validates.
    reviewer.reload()
    diff = reviewer.locator(".fed-diff")
    expect(diff).to_contain_text("Ce qui a changé depuis la demande de modifications")
    expect(diff).to_contain_text("Projet modifié : « Ateliers de l'engagement 3 »")
    # Only the changed words are marked.
    expect(diff.locator(".fed-diff-text ins")).to_have_text(
        ["45 ménages", "quartier, suivis par un comité."]
    )
    expect(diff.locator(".fed-diff-text del")).to_have_text(["les", "quartier."])
    expect(reviewer.locator(".fed-history")).to_contain_text("Camille Demo")
    reviewer.screenshot(path=screenshot_path("review.png"), full_page=False)
    reviewer.get_by_role("button", name="Valider").click()
    expect(reviewer.get_by_text("est validée et publiée")).to_be_visible()
    expect(reviewer.locator("header .status-badge")).to_have_text("Validée")

    # 5. The corrected project is public, on the cooperative's page and the engagement's.
    anonymous = new_page()
    anonymous.goto(f"{base}/cooperatives/{SLUG}/")
    expect(anonymous.get_by_text(SECOND)).to_be_visible()
    anonymous.goto(f"{base}/engagements/3/")
    expect(anonymous.get_by_text(SECOND)).to_be_visible()

    # 6. Both sides see the trail of moves.
    timeline = reviewer.locator(".fed-timeline")
    expect(timeline.locator("> li")).to_have_count(5)
    expect(timeline).to_contain_text(REMARK)
    staff.goto(f"{base}/espace/{SLUG}/")
    staff_timeline = staff.locator("aside .timeline")
    expect(staff_timeline.locator("> li")).to_have_count(5)
    expect(staff_timeline).to_contain_text("Merci de chiffrer vos actions.")

    # 7. Every move sent its email: two submissions, one request, one validation.
    subjects = sorted((message.to[0], message.subject) for message in mail.outbox)
    coop = Cooperative.objects.get(slug=SLUG).name
    campaign = demo.campaign.name
    assert subjects == [
        (
            "demo@example.org",
            f"[Quali'Coop] Modifications demandées sur votre sélection ({campaign})",
        ),
        ("demo@example.org", f"[Quali'Coop] Votre sélection est validée ({campaign})"),
        ("federation@example.org", f"[Quali'Coop] {coop} a soumis sa sélection"),
        ("federation@example.org", f"[Quali'Coop] {coop} a soumis sa sélection"),
    ]
