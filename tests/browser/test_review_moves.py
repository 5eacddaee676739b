"""Withdraw a submission and ask for a reopening, in a real browser.

Demo's référente submits, then takes the submission back from her dashboard
(through the confirmation page); she submits again, the reviewer validates,
and she asks for a reopening with a message. The reviewer finds the request in
the queue and accepts it; the refused decision's error summary takes the focus.
"""

import pytest
from playwright.sync_api import expect

from commitments import workflow
from commitments.models import ReopeningRequest, Selection, Status
from tests.browser.demo import SLUG, demo_draft, load_demo
from tests.browser.support import log_in
from tests.browser.test_accessibility import Audit
from tests.browser.test_review_flow import _submit


@pytest.fixture
def demo(transactional_db):
    load_demo()
    return demo_draft(title="Projet {number}", description="Des ateliers mensuels.")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_staff_withdraw_then_ask_for_a_reopening(page, new_page, live_server, demo):
    base = live_server.url
    staff = page
    reviewer = new_page()
    log_in(staff, base, "demo")
    log_in(reviewer, base, "federation")

    # 1. Submitted, then withdrawn after a confirmation.
    audit = Audit(staff, base)
    _submit(staff, base, "Première version.")
    audit.check()
    staff.get_by_role("link", name="Retirer la soumission…").click()
    audit.check()
    expect(staff.get_by_role("heading", name="Retirer la sélection soumise ?")).to_be_visible()
    staff.get_by_label("Message pour la fédération").fill("Un projet manque.")
    staff.get_by_role("button", name="Oui, retirer la sélection").click()
    expect(staff.get_by_text("Sélection retirée")).to_be_visible()
    demo.refresh_from_db()
    assert demo.status == Status.DRAFT

    # 2. A refused decision: focus lands on the summary at the top.
    _submit(staff, base, "Deuxième version.")
    reviewer.goto(f"{base}/federation/selections/{demo.pk}/")
    reviewer.get_by_label("Remarque sur l'engagement 3 (facultative)").fill("À garder.")
    reviewer.get_by_role("button", name="Demander des modifications").click()
    summary = reviewer.locator("#resume-erreurs")
    expect(summary).to_be_focused()
    expect(reviewer.get_by_label("Remarque sur l'engagement 3 (facultative)")).to_have_value(
        "À garder."
    )

    # 3. Validated, then the référente asks for a reopening.
    workflow.validate_selection(selection=demo, by=None)
    audit.visit(f"/espace/{SLUG}/")
    staff.get_by_role("button", name="Demander la réouverture à la fédération").click()
    expect(staff.locator(".invalid-feedback").first).to_be_visible()
    audit.check()
    staff.get_by_label("Ce que vous souhaitez faire évoluer").fill("Un nouveau projet.")
    staff.get_by_role("button", name="Demander la réouverture à la fédération").click()
    expect(staff.get_by_text("Demande de réouverture envoyée à la fédération")).to_be_visible()
    expect(staff.get_by_text("elle attend la réponse de la fédération")).to_be_visible()
    assert ReopeningRequest.objects.get().state == ReopeningRequest.State.PENDING
    audit.check()
    audit.assert_clean()

    # 4. The reviewer finds it in the queue and accepts it.
    reviewer.goto(f"{base}/federation/")
    expect(reviewer.get_by_role("heading", name="Demandes de réouverture")).to_be_visible()
    reviewer.get_by_role("link", name="Traiter").click()
    reviewer.get_by_role("button", name="Accepter et rouvrir").click()
    expect(reviewer.get_by_text("Demande acceptée")).to_be_visible()
    assert ReopeningRequest.objects.get().state == ReopeningRequest.State.ACCEPTED
    assert Selection.objects.filter(cooperative__slug=SLUG, status=Status.DRAFT).exists()
