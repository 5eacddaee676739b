"""The signed-in header fits at every width, with and without text spacing.

For each role (a cooperative's référente, a reviewer, an administrator), at
the widths where the full navigation bar shows (1200 to 1536 px) and on a phone
(320 px), with and without the WCAG 1.4.12 text-spacing values: the page does
not scroll sideways, and "Se déconnecter" can be reached and is on screen once
the account menu is open. The workspace's navigation leads to the team page.
"""

import pytest
from django.core.management import call_command

from tests.browser.support import OVERFLOW, TEXT_SPACING, log_in, open_account_menu

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SLUG = "cooperative-de-demonstration"
WIDTHS = [320, 1200, 1280, 1366, 1536]
ROLES = {
    "demo": f"/espace/{SLUG}/",
    "federation": "/federation/",
    "admin": "/",
}


@pytest.fixture
def demo(transactional_db):
    call_command("loaddata", "reference", verbosity=0)
    # Tests run with DEBUG off, where the command wants to be told twice.
    call_command("create_demo_accounts", force=True, verbosity=0)


def _sign_out_on_screen(page, width):
    """Open the account's menu (the navigation first on a phone), then say whether
    signing out is on screen."""
    open_account_menu(page)
    sign_out = page.get_by_role("button", name="Se déconnecter")
    sign_out.wait_for(state="visible")
    box = sign_out.bounding_box()
    return box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width


@pytest.mark.parametrize("spacing", [False, True], ids=["plain", "text-spacing"])
def test_the_header_fits_for_every_role(page, live_server, demo, spacing):
    problems = []
    for username, path in ROLES.items():
        page.context.clear_cookies()
        log_in(page, live_server.url, username)
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 800})
            page.goto(live_server.url + path)
            if spacing:
                page.add_style_tag(content=TEXT_SPACING)
            measured = page.evaluate(OVERFLOW)
            if measured["scrollWidth"] > width:
                problems.append(
                    f"{username} {path} at {width} px: {measured['scrollWidth']} px wide; "
                    f"{measured['wide']}"
                )
            if not _sign_out_on_screen(page, width):
                problems.append(f"{username} at {width} px: « Se déconnecter » off screen")
    assert not problems, "\n".join(problems)


def test_the_team_page_is_in_the_workspace_navigation(page, live_server, demo):
    log_in(page, live_server.url, "demo")
    page.goto(f"{live_server.url}/espace/{SLUG}/")
    page.get_by_role("navigation", name="Espace de la coopérative").get_by_role(
        "link", name="Équipe"
    ).click()
    assert page.url.endswith(f"/espace/{SLUG}/equipe/")
