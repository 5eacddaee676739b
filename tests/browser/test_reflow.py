"""Reflow (WCAG 1.4.10): no page scrolls sideways at 320 CSS pixels wide.

One page of each kind, as its people see it: the public, demo's référente, the
federation. Tables reflow into one card per row; the federation's queue and
dashboard are checked at 640 pixels too, where their tables used to overflow.
"""

import pytest
from django.core.management import call_command
from django.template.loader import render_to_string

from commitments.models import Selection, Status
from coops.models import Cooperative
from tests.browser.support import OVERFLOW, TEXT_SPACING, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SLUG = "cooperative-de-demonstration"
CAMPAIGN = "qualicoop-2024"  # the fixtures' campaign, where every cooperative has a selection


@pytest.fixture
def demo(transactional_db):
    call_command("loaddata", "reference", "cooperatives", "campaign_2024", verbosity=0)
    # Tests run with DEBUG off, where the command wants to be told twice.
    call_command("create_demo_accounts", force=True, verbosity=0)


def _check(page, base, paths, width, problems):
    page.set_viewport_size({"width": width, "height": 800})
    for path in paths:
        response = page.goto(base + path)
        if not response.ok:
            problems.append(f"{path}: status {response.status}, nothing to measure")
            continue
        measured = page.evaluate(OVERFLOW)
        if measured["scrollWidth"] > width:
            problems.append(
                f"{path} at {width} px: scrollWidth {measured['scrollWidth']}; {measured['wide']}"
            )


def test_no_page_scrolls_sideways_at_320_pixels(page, live_server, demo):
    base = live_server.url
    profile = Cooperative.objects.filter(selections__is_published=True).order_by("name").first()
    validated = Selection.objects.filter(status=Status.VALIDATED).order_by("pk").first()
    problems = []

    _check(
        page,
        base,
        [
            "/",
            "/engagements/6/",
            profile.get_absolute_url(),
            "/projets/",
            "/statistiques/",
        ],
        320,
        problems,
    )

    log_in(page, base, "demo")
    _check(
        page, base, [f"/espace/{SLUG}/", f"/espace/{SLUG}/engagements/", "/compte/"], 320, problems
    )
    page.context.clear_cookies()

    log_in(page, base, "federation")
    federation = [
        f"/federation/?campagne={CAMPAIGN}",
        f"/federation/tableau-de-bord/?campagne={CAMPAIGN}",
    ]
    _check(page, base, [*federation, f"/federation/selections/{validated.pk}/"], 320, problems)
    _check(page, base, federation, 640, problems)

    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("template", ["500.html", "503.html"])
def test_the_standalone_error_pages_reflow_at_320_pixels_even_with_text_spacing(page, template):
    # Rendered as the handlers render them: no request, no static file (the
    # 403 and 404 pages are the site's frame, checked with the pages above).
    page.set_viewport_size({"width": 320, "height": 640})
    page.set_content(render_to_string(template))
    widths = [page.evaluate("document.documentElement.scrollWidth")]
    page.add_style_tag(content=TEXT_SPACING)
    widths.append(page.evaluate("document.documentElement.scrollWidth"))
    assert widths == [320, 320]
