"""An indicator's chart on a phone: the page's full width, its labels readable, nothing wider.

At 320 and 390 CSS pixels the drawing takes the width of its figure, its
labels stay 10 pixels high or more, inside it and clear of each other, and the
table of values stays below.
"""

import datetime

import pytest
from django.core.management import call_command

from commitments.models import Project
from tests import factories
from tests.browser.support import OVERFLOW

MEASURE = """() => {
  const svg = document.querySelector('.indicator-svg');
  const figure = svg.closest('figure');
  const style = getComputedStyle(figure);
  const inner = figure.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
  const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
  const labels = [...svg.querySelectorAll('text')];
  const texts = labels.map(t => t.getBoundingClientRect());
  const overlapping = texts.filter((a, i) => texts.some((b, j) => i < j
    && a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom)).length;
  return {
    svg: svg.getBoundingClientRect().width,
    inner: inner,
    // The size a reader sees: the label's font size in the drawing's units, scaled.
    smallest: Math.min(...labels.map(t => parseFloat(getComputedStyle(t).fontSize) * scale)),
    overlapping: overlapping,
    outside: texts.filter(box => box.left < svg.getBoundingClientRect().left - 0.5
      || box.right > svg.getBoundingClientRect().right + 0.5).length,
    table: figure.querySelector('table') !== null,
  };
}"""


@pytest.fixture
def charted(transactional_db):
    call_command("loaddata", "reference", verbosity=0)
    campaign = factories.make_campaign()
    coop = factories.make_coop("Coop Horizon")
    selection = factories.make_published(coop, campaign, factories.make_reviewer("rita"))
    project = Project.objects.filter(choice__selection=selection).order_by("pk").first()
    indicator = factories.make_indicator(
        project,
        name="Logements livrés",
        unit="logements",
        baseline_value=0,
        baseline_date=datetime.date(2025, 1, 1),
        target=1200,
    )
    for day, value in ((datetime.date(2025, 6, 30), 310), (datetime.date(2026, 3, 1), 1250)):
        factories.make_measurement(indicator, value, measured_on=day)
    return project


@pytest.mark.parametrize("width", [320, 390])
def test_the_chart_fills_a_phone_and_its_labels_stay_readable(page, live_server, charted, width):
    page.set_viewport_size({"width": width, "height": 800})
    page.goto(f"{live_server.url}/projets/{charted.pk}/")

    measured = page.evaluate(MEASURE)

    assert measured["svg"] >= measured["inner"] - 1, measured
    assert measured["smallest"] >= 10, measured
    assert measured["outside"] == 0, measured
    assert measured["overlapping"] == 0, measured
    assert measured["table"]
    assert page.evaluate(OVERFLOW)["scrollWidth"] <= width
