"""What the browser tests share: signing in through the portal's own form, as a person does."""

import re

from playwright.sync_api import expect

# The demonstration accounts' password (create_demo_accounts, README); people
# made by tests/factories.py have factories.PASSWORD.
DEMO_PASSWORD = "qualicoop-demo"


def sign_in(page, username, password=DEMO_PASSWORD, *, button="Se connecter", tap=False):
    """Fill in the sign-in form the page shows, send it, and wait for the next page to load.

    The button is found by its name, in the page's language (``button="Sign in"``
    in English); ``tap`` taps it, on a phone. Until the next page has loaded,
    its deferred scripts may not be running yet, so the wait is for ``load``.
    """
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    submit = page.get_by_role("button", name=button)
    with page.expect_navigation(wait_until="load"):
        if tap:
            submit.tap()
        else:
            submit.click()


def log_in(page, base, username, password=DEMO_PASSWORD, **how):
    """Open the sign-in page of the server at ``base`` and sign ``username`` in (see sign_in)."""
    page.goto(f"{base}/compte/connexion/")
    sign_in(page, username, password, **how)


def unfold_navigation(page, *, tap=False):
    """Unfold the main navigation on a narrow screen, and wait until it has finished opening.

    Bootstrap animates the unfolding; a link tapped meanwhile was once missed
    for the one above it (CI, 8 December). The navigation carries the class
    ``show`` once the animation is over.
    """
    page.wait_for_function("() => window.bootstrap !== undefined")
    toggler = page.locator(".navbar-toggler")
    if tap:
        toggler.tap()
    else:
        toggler.focus()
        page.keyboard.press("Enter")
    expect(page.locator("#nav-principale")).to_have_class(re.compile(r"(^|\s)show(\s|$)"))


def open_account_menu(page):
    """Open the header's account menu from the keyboard and wait until it is open.

    On a loaded machine a mouse click once left the menu shut (a click is aimed
    where the button was measured a moment before); a key press goes to the
    focused button wherever it is drawn. Bootstrap's handlers are waited for.
    """
    page.wait_for_function("() => window.bootstrap !== undefined")
    if page.locator(".navbar-toggler").is_visible():
        # On a narrow screen the menu sits in the folded navigation: unfold it first.
        unfold_navigation(page)
    account = page.locator("#menu-compte")
    account.focus()
    page.keyboard.press("Enter")
    expect(account).to_have_attribute("aria-expanded", "true")


def sign_out(page, *, button="Se déconnecter"):
    """Sign out through the account's menu in the header, where the button lives."""
    open_account_menu(page)
    page.get_by_role("button", name=button).click()


# The widest elements of the page, to say what overflows when something does.
OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const wide = [];
  for (const element of document.querySelectorAll('body *')) {
    const box = element.getBoundingClientRect();
    if (box.width > 0 && box.right > width + 0.5) {
      const name = `${element.tagName.toLowerCase()}.${element.className}`;
      wide.push(`${name} (right ${Math.round(box.right)})`);
    }
  }
  return {scrollWidth: document.documentElement.scrollWidth, wide: wide.slice(0, 6)};
}"""

# WCAG 1.4.12: what a reader's own stylesheet may ask for without loss.
TEXT_SPACING = """
* { line-height: 1.5 !important; letter-spacing: 0.12em !important;
    word-spacing: 0.16em !important; }
p { margin-bottom: 2em !important; }
"""
