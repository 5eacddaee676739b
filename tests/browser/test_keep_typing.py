"""Nothing typed is lost: the session ends mid-edit, the text comes back after signing in."""

import pytest
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.core.management import call_command
from playwright.sync_api import expect

from commitments.models import Project
from tests import factories
from tests.browser.support import sign_in

TYPED = "Un texte long, écrit pendant que la session expirait, et qui ne doit pas se perdre."


@pytest.fixture
def editing(transactional_db):
    call_command("loaddata", "reference", verbosity=0)
    campaign = factories.make_campaign()
    coop = factories.make_coop("Coopérative Alpha")
    user = factories.make_user("alice", coop=coop)
    selection = factories.make_selection(coop, campaign, numbers=[1])
    return {"user": user, "project": Project.objects.get(choice__selection=selection)}


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_text_typed_when_the_session_expired_comes_back(page, live_server, editing):
    project = editing["project"]
    edit_path = f"/espace/cooperative-alpha/projets/{project.pk}/modifier/"
    page.goto(f"{live_server.url}/compte/connexion/?next={edit_path}")
    sign_in(page, "alice", factories.PASSWORD)
    page.fill("#id_description", TYPED)

    # The session ends while the text is being typed (every session, database and cache).
    Session.objects.all().delete()
    cache.clear()
    page.get_by_role("button", name="Enregistrer le projet").click()

    # Sent to sign in again, then back to the form: the text is there, and says so.
    expect(page.locator("#id_username")).to_be_visible()
    sign_in(page, "alice", factories.PASSWORD)
    expect(page.locator("#id_description")).to_have_value(TYPED)
    expect(page.locator(".draft-restored")).to_contain_text("a été restaurée")
    project.refresh_from_db()
    assert project.description != TYPED

    # Saving now goes through, and the draft is forgotten.
    page.get_by_role("button", name="Enregistrer le projet").click()
    expect(page.get_by_text("enregistré", exact=False).first).to_be_visible()
    project.refresh_from_db()
    assert project.description == TYPED
    page.goto(f"{live_server.url}{edit_path}")
    expect(page.locator(".draft-restored")).to_have_count(0)
    assert page.evaluate("Object.keys(localStorage).length") == 0


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_saved_version_can_be_taken_back(page, live_server, editing):
    project = editing["project"]
    edit_path = f"/espace/cooperative-alpha/projets/{project.pk}/modifier/"
    page.goto(f"{live_server.url}/compte/connexion/?next={edit_path}")
    sign_in(page, "alice", factories.PASSWORD)
    page.fill("#id_description", TYPED)
    page.goto(f"{live_server.url}{edit_path}")

    page.get_by_role("button", name="Revenir à la version enregistrée").click()

    expect(page.locator("#id_description")).to_have_value(project.description)
    expect(page.locator(".draft-restored")).to_have_count(0)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_notice_comes_before_the_session_ends_and_keeps_it_alive(
    page, live_server, editing, settings
):
    # A session a little longer than the notice's lead: the notice shows at once.
    settings.SESSION_COOKIE_AGE = 5 * 60 + 3
    page.goto(f"{live_server.url}/compte/connexion/?next=/espace/")
    sign_in(page, "alice", factories.PASSWORD)
    warning = page.locator("#session-warning")
    expect(warning).to_be_visible(timeout=10_000)
    expires_before = int(page.locator("#session-info").get_attribute("data-expires-at"))

    settings.SESSION_COOKIE_AGE = 3600
    warning.get_by_role("button", name="Rester connecté").click()

    expect(warning).to_be_hidden()
    session = Session.objects.get()
    assert session.get_decoded()["qualicoop_expires_at"] > expires_before + 3000


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_long_fields_count_their_characters_live(page, live_server, editing):
    project = editing["project"]
    edit_path = f"/espace/cooperative-alpha/projets/{project.pk}/modifier/"
    page.goto(f"{live_server.url}/compte/connexion/?next={edit_path}")
    sign_in(page, "alice", factories.PASSWORD)
    counter = page.locator("#id_description-longueur")
    described = page.locator("#id_description").get_attribute("aria-describedby")

    page.fill("#id_description", "Douze lettres")

    assert "id_description-longueur" in described.split()
    expect(counter).to_have_text("Longueur : 13 / 5\u202f000 caractères")
    expect(counter).not_to_have_attribute("aria-live", "polite")
    page.fill("#id_description", "x" * 4600)
    expect(counter).to_have_attribute("aria-live", "polite")


# The page scrolled, at once, so that the element's top is ``top`` pixels down the screen.
PLACED = """(element, top) => {
  const box = element.getBoundingClientRect();
  window.scrollTo({top: window.scrollY + box.top - top, behavior: 'instant'});
}"""

# The boxes of the session's notice and of the focused field, in the viewport.
BOXES = """() => {
  const box = (element) => {
    const r = element.getBoundingClientRect();
    return {top: r.top, bottom: r.bottom, left: r.left, right: r.right};
  };
  return {
    warning: box(document.getElementById('session-warning')),
    field: box(document.activeElement),
    height: window.innerHeight,
  };
}"""


def _overlaps(a, b):
    return (
        a["left"] < b["right"]
        and b["left"] < a["right"]
        and a["top"] < b["bottom"]
        and b["top"] < a["bottom"]
    )


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_on_a_phone_the_sessions_notice_never_covers_the_field_being_typed_in(
    browser, browser_context_args, live_server, editing, settings
):
    context = browser.new_context(
        **{**browser_context_args, "viewport": {"width": 390, "height": 844}}
    )
    page = context.new_page()
    settings.SESSION_COOKIE_AGE = 5 * 60 + 3  # the notice shows at once
    project = editing["project"]
    edit_path = f"/espace/cooperative-alpha/projets/{project.pk}/modifier/"
    page.goto(f"{live_server.url}/compte/connexion/?next={edit_path}")
    sign_in(page, "alice", factories.PASSWORD)
    expect(page.locator("#session-warning")).to_be_visible(timeout=10_000)

    # A field at the foot of the screen, where the notice first shows, then one higher up.
    fields = page.locator("form#projet").locator("input[type=text], textarea")
    for field, top in [(fields.last, 844 - 150), (fields.first, 250)]:
        field.evaluate(PLACED, top)
        field.focus()
        field.press_sequentially("abc")
        page.evaluate("() => new Promise(requestAnimationFrame)")
        boxes = page.evaluate(BOXES)
        assert boxes["field"]["top"] == pytest.approx(top, abs=2), boxes
        assert not _overlaps(boxes["warning"], boxes["field"]), boxes
    context.close()
