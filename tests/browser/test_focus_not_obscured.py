"""The sticky save bar of the engagement picker never hides the focused element (WCAG 2.2, 2.4.11).

Demo's référente tabs through the whole choice page, from the top to the
save button, on a wide screen, a phone and a short landscape screen; at each
stop the focused element must be in view and clear of the bar.
"""

import pytest
from django.core.management import call_command

from tests.browser.support import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SLUG = "cooperative-de-demonstration"
VIEWPORTS = [(1280, 800), (390, 844), (640, 400)]
# Far more than the page has (12 checkboxes, their "inspiration" summaries,
# the header's links): a focus that never reaches the save button fails.
MAX_STOPS = 120

# Bootstrap scrolls smoothly: the focused element is measured once the page
# has stopped moving (the same scroll position for a few frames).
FOCUS = """async () => {
  const frame = () => new Promise((resolve) => requestAnimationFrame(resolve));
  let last = -1, still = 0;
  for (let i = 0; i < 120 && still < 3; i++) {
    await frame();
    still = window.scrollY === last ? still + 1 : 0;
    last = window.scrollY;
  }
  const focused = document.activeElement;
  const bar = document.querySelector('.ws-savebar');
  const box = (element) => {
    const r = element.getBoundingClientRect();
    return {top: r.top, bottom: r.bottom, left: r.left, right: r.right};
  };
  return {
    what: focused.tagName + (focused.id ? '#' + focused.id : '')
      + ' ' + (focused.textContent || '').trim().slice(0, 40),
    inBar: bar.contains(focused),
    isSave: focused.matches('.ws-savebar button[type=submit]'),
    focused: box(focused),
    bar: box(bar),
    viewport: {width: document.documentElement.clientWidth, height: window.innerHeight},
  };
}"""


@pytest.fixture
def demo(transactional_db):
    call_command("loaddata", "reference", "cooperatives", "campaign_2024", verbosity=0)
    # Tests run with DEBUG off, where the command wants to be told twice.
    call_command("create_demo_accounts", force=True, verbosity=0)


def _obscured(stop):
    """Why the focused element cannot be seen whole, or "" if it can."""
    focused, bar, viewport = stop["focused"], stop["bar"], stop["viewport"]
    if focused["bottom"] > viewport["height"] or focused["top"] < 0:
        return "out of the viewport"
    overlaps = (
        focused["top"] < bar["bottom"]
        and focused["bottom"] > bar["top"]
        and focused["left"] < bar["right"]
        and focused["right"] > bar["left"]
    )
    return "under the save bar" if overlaps else ""


@pytest.mark.parametrize(("width", "height"), VIEWPORTS, ids=lambda size: str(size))
def test_tabbing_through_the_picker_never_hides_the_focus(
    page, live_server, demo, width, height, record_property
):
    page.set_viewport_size({"width": width, "height": height})
    log_in(page, live_server.url, "demo")
    page.goto(f"{live_server.url}/espace/{SLUG}/engagements/")
    page.wait_for_load_state()

    problems, stops, checkboxes = [], 0, 0
    for _ in range(MAX_STOPS):
        page.keyboard.press("Tab")
        stop = page.evaluate(FOCUS)
        stops += 1
        checkboxes += stop["what"].startswith("INPUT#engagement-")
        if not stop["inBar"] and (why := _obscured(stop)):
            problems.append(f"stop {stops}, {stop['what']!r}: {why} {stop}")
        if stop["isSave"]:
            break
    else:
        pytest.fail(f"the save button was not reached in {MAX_STOPS} tab stops")

    record_property("tab_stops", stops)
    print(f"{width}x{height}: {stops} tab stops, {checkboxes} checkboxes, all in view")
    assert checkboxes == 12
    assert not problems, "\n".join(problems)
