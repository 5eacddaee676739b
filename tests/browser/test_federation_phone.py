"""The federation's pages on a phone (390 × 844): usable, not only readable.

Reflow (test_reflow) proves that nothing scrolls sideways at 320 px; a reviewer
on a phone must also be able to tap, read and act. For one page of each kind,
filled as a reviewer finds it in the middle of a campaign:

- the document does not scroll sideways, and no box inside it does either
  (a table scrolling in its frame hides its columns on a phone);
- every visible link, button and form control is at least 24 × 24 px (WCAG 2.2,
  2.5.8), except a link inside a sentence, which the criterion exempts;
- no text is cut: no box hides what overflows it, no label ends in an ellipsis;
- nothing pinned to the screen (fixed, sticky) takes more than a fifth of it;
- no text is smaller than 12 px.

Then the task itself, every move a tap: from the menu to the queue, to the
submitted selection, straight to the decision, « Valider », and the confirmation.
"""

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission, User
from django.utils import timezone
from playwright.sync_api import expect

from commitments import progress, workflow
from commitments.models import (
    Engagement,
    Project,
    ProjectStatus,
    Selection,
    Status,
)
from qualicoop.documents.models import SynthesisJob
from tests import factories
from tests.browser.demo import demo_draft, load_demo
from tests.browser.support import log_in, unfold_navigation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESCRIPTION = (
    "Des ateliers mensuels avec les locataires du quartier, animés par la chargée de "
    "développement social, pour décider ensemble de l'usage des espaces communs."
)
IMPORT_FILE = (
    "\ufeffnom;region;site_web;email_referent\n"
    "Coopérative Gamma;Normandie;gamma.coop;gilles@gamma.coop\n"
    "Coopérative Delta;Occitanie;;pas-une-adresse\n"
)

# Every check at once, in the page: what it returns is a list of problems in words.
MEASURE = """() => {
  const width = document.documentElement.clientWidth;
  const problems = [];
  const name = (element) => {
    const text = (element.innerText || element.value || element.getAttribute('aria-label') || '')
      .trim().replace(/\\s+/g, ' ').slice(0, 50);
    return `${element.tagName.toLowerCase()}.${element.className} « ${text} »`;
  };
  const hidden = (element) => {
    // Screen-reader text (a 1 px clipped box) and what is not rendered are not seen.
    if (element.closest('.visually-hidden')) return true;
    const style = getComputedStyle(element);
    if (style.visibility === 'hidden') return true;
    const box = element.getBoundingClientRect();
    return box.width <= 1 || box.height <= 1;
  };
  const ownText = (element) => [...element.childNodes]
    .filter((node) => node.nodeType === Node.TEXT_NODE)
    .map((node) => node.textContent).join('').trim();

  if (document.documentElement.scrollWidth > width) {
    problems.push(`the page scrolls sideways: ${document.documentElement.scrollWidth} px wide`);
  }

  // WCAG 2.5.8's inline exception, and only it: a link laid out inline, in a
  // paragraph, list item or cell that has words of its own around it (a sentence),
  // so that the line height of that text bounds it. A link alone in a heading, a
  // card or a flex row is a target of its own and gets no exception.
  const inSentence = (element) => {
    if (element.tagName !== 'A' || getComputedStyle(element).display !== 'inline') return false;
    let block = element.parentElement;
    while (block && getComputedStyle(block).display === 'inline') block = block.parentElement;
    if (!block || !block.matches('p, li, dd, td, th, blockquote, caption')) return false;
    const walker = document.createTreeWalker(block, NodeFilter.SHOW_TEXT);
    let words = '';
    while (walker.nextNode()) {
      const parent = walker.currentNode.parentElement;
      if (!parent.closest('a, button, .visually-hidden')) words += walker.currentNode.textContent;
    }
    return /[\\p{L}\\p{N}]{2,}/u.test(words);
  };
  for (const element of document.querySelectorAll('a, button, input, select, textarea, summary')) {
    if (hidden(element)) continue;
    const box = element.getBoundingClientRect();
    // The skip link waits above the page until it takes the focus.
    if (box.bottom + window.scrollY <= 0) continue;
    if ((box.width < 24 || box.height < 24) && !inSentence(element)) {
      problems.push(`target ${Math.round(box.width)}×${Math.round(box.height)}: ${name(element)}`);
    }
  }

  for (const element of document.querySelectorAll('body *')) {
    if (hidden(element)) continue;
    const style = getComputedStyle(element);
    const text = element.innerText ? element.innerText.trim() : '';
    if (text && element.scrollWidth > element.clientWidth + 1) {
      if (['hidden', 'clip'].includes(style.overflowX) || style.textOverflow === 'ellipsis') {
        problems.push(`text cut: ${name(element)}`);
      } else if (['auto', 'scroll'].includes(style.overflowX)) {
        const widths = `${element.scrollWidth} in ${element.clientWidth}`;
        problems.push(`box scrolls sideways (${widths}): ${name(element)}`);
      }
    }
    // Pinned to the screen, a bar hides what the reviewer scrolls to: a fifth at most.
    if (['fixed', 'sticky'].includes(style.position)) {
      const box = element.getBoundingClientRect();
      if (box.height > window.innerHeight / 5) {
        problems.push(`${style.position}, ${Math.round(box.height)} px high: ${name(element)}`);
      }
    }
    if (ownText(element) && parseFloat(style.fontSize) < 12) {
      problems.push(`text of ${style.fontSize}: ${name(element)}`);
    }
  }
  return problems;
}"""


@pytest.fixture
def phone(browser, browser_context_args):
    """A touch screen 390 px wide, as a reviewer's phone."""
    context = browser.new_context(
        **{**browser_context_args, "viewport": PHONE},
        has_touch=True,
        is_mobile=True,
        device_scale_factor=3,
    )
    yield context.new_page()
    context.close()


@pytest.fixture
def campaign_under_way(transactional_db):
    """What a reviewer finds mid-campaign: something waiting on every federation page."""
    load_demo()
    reviewer = User.objects.get(username="federation")
    reviewer.user_permissions.add(Permission.objects.get(codename="add_cooperative"))

    # Demo's selection, sent back once with a remark, corrected and submitted again:
    # the review page shows the previous remark, the diff and the history.
    selection = demo_draft(
        description=DESCRIPTION,
        objectives="Réunir au moins trente ménages à chaque atelier.",
        indicators="Nombre de ménages présents ; décisions prises.",
        target_date=timezone.localdate() + datetime.timedelta(days=300),
    )
    workflow.submit_selection(selection=selection, by=None, message="Notre première sélection.")
    workflow.request_changes(
        selection=selection,
        by=reviewer,
        message="Précisez les indicateurs de l'engagement 3.",
        remarks={Engagement.objects.get(number=3): "Combien de ménages ont participé ?"},
    )
    project = Project.objects.get(choice__selection=selection, choice__engagement__number=3)
    project.description = f"{DESCRIPTION} Quarante-cinq ménages ont participé en 2024."
    project.save()
    workflow.submit_selection(selection=selection, by=None, message="Indicateurs précisés.")
    workflow.add_internal_note(selection=selection, by=reviewer, text="À relire avant jeudi.")

    # A validated selection whose référente asks to reopen it.
    validated = Selection.objects.filter(status=Status.VALIDATED).order_by("pk").first()
    reopening = workflow.request_reopening(
        selection=validated, by=None, message="Nous voulons ajouter un projet d'habitat inclusif."
    )

    # A progress update waiting, with a measured value; a late project; a follow-up.
    followed = Project.objects.published().order_by("pk")
    indicator = factories.make_indicator(followed[0], target=40)
    today = timezone.localdate()
    update = progress.create_update(
        project=followed[0],
        data={
            "status": ProjectStatus.IN_PROGRESS,
            "reason": "",
            "text": "Les douze premiers logements sont livrés aux familles.",
            "happened_on": today,
        },
        values=[progress.Value(indicator, Decimal(12), today, "Procès-verbal de livraison")],
        by=None,
        submit=True,
    )
    Project.objects.filter(pk=followed[1].pk).update(
        target_date=today - datetime.timedelta(days=90)
    )
    factories.make_follow_up(
        validated.campaign, name="Suivi annuel", today=today, opened_days_ago=30, due_in_days=60
    )

    factories.make_synthesis_job(
        validated.campaign, reviewer, state=SynthesisJob.State.READY, progress=100
    )
    factories.make_synthesis_job(validated.campaign, reviewer, state=SynthesisJob.State.FAILED)
    campaign = validated.campaign.slug
    return {
        "selection": selection,
        "paths": [
            "/federation/",
            f"/federation/?campagne={campaign}",
            "/federation/?statut=soumise&q=d%C3%A9monstration",
            f"/federation/selections/{selection.pk}/",
            f"/federation/selections/{validated.pk}/",
            f"/federation/selections/{validated.pk}/rouvrir/",
            f"/federation/reouvertures/{reopening.pk}/refuser/",
            "/federation/tableau-de-bord/",
            f"/federation/tableau-de-bord/?campagne={campaign}",
            f"/federation/tableau-de-bord/?campagne={campaign}&statut=validee&q=logis",
            "/federation/points-etape/",
            f"/federation/points-etape/{update.pk}/",
            "/federation/suivi/",
            "/federation/import/",
            f"/federation/synthese/?campagne={campaign}",
        ],
    }


def _measure(page, where):
    return [f"{where}: {problem}" for problem in page.evaluate(MEASURE)]


def test_every_federation_page_is_usable_on_a_phone(phone, live_server, campaign_under_way):
    base = live_server.url
    log_in(phone, base, "federation")
    problems = []
    for path in campaign_under_way["paths"]:
        response = phone.goto(base + path)
        if not response.ok:
            problems.append(f"{path}: status {response.status}, nothing to measure")
            continue
        problems += _measure(phone, path)

    # The import's dry run: its report, line by line.
    phone.goto(f"{base}/federation/import/")
    phone.set_input_files(
        "input[type=file]",
        files=[
            {"name": "cooperatives.csv", "mimeType": "text/csv", "buffer": IMPORT_FILE.encode()}
        ],
    )
    phone.get_by_role("button", name="Lancer l'essai à blanc").click()
    expect(phone.get_by_text("Essai à blanc de « cooperatives.csv »")).to_be_visible()
    problems += _measure(phone, "/federation/import/ (dry run)")

    assert not problems, "\n".join(problems)


def test_a_reviewer_validates_a_selection_by_tapping(phone, live_server, campaign_under_way):
    base = live_server.url
    log_in(phone, base, "federation", tap=True)

    # The menu is folded on a phone: open it, then the federation's area.
    unfold_navigation(phone, tap=True)
    phone.get_by_role("link", name="Fédération", exact=True).tap()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Sélections des coopératives")

    waiting = phone.locator("#groupe-soumise")
    waiting.get_by_role("link", name="Examiner").first.tap()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Coopérative de démonstration")

    # Eight engagements stand between the top of the page and the decision: one tap away.
    phone.get_by_role("link", name="Aller à votre décision").tap()
    validate = phone.get_by_role("button", name="Valider", exact=True)
    expect(validate).to_be_in_viewport()
    box = validate.bounding_box()
    assert box["height"] >= 44 and box["width"] >= 300, box
    validate.tap()

    expect(
        phone.get_by_text("La sélection de Coopérative de démonstration est validée et publiée.")
    ).to_be_visible()
    expect(phone.locator(".fed-review-header .status-badge")).to_contain_text("Validée")
    selection = campaign_under_way["selection"]
    selection.refresh_from_db()
    assert selection.status == Status.VALIDATED and selection.is_published
