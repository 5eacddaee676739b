"""An indicator's measured values against its target, laid out for an inline SVG.

The chart is drawn by the template from these coordinates: the measured values
as a line with each point labelled, the target as a dashed rule (named in a
legend under the drawing), a value axis
and a date axis. The same values are given as a table beside it, for screen
readers and for the exact figures.

The drawing is narrow (``WIDTH`` units) and drawn at the page's full width on a
phone, so that its labels stay readable there: a wider drawing shrunk to a
phone's width would shrink its text with it.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from commitments.indicators import number
from commitments.models import Indicator
from qualicoop.lib import french

WIDTH, HEIGHT = 360, 220
FONT = 15  # the labels' size, in the drawing's units (the stylesheet's .indicator-svg text)
# Room for a point's label above, the dates below, the right-hand date's end.
TOP, BOTTOM, RIGHT = 26, 36, 12


def _text_width(text: str) -> float:
    """A generous estimate of a label's width: the drawing cannot measure its text."""
    return 0.62 * FONT * len(text)


def _svg(value: float) -> str:
    # SVG wants a decimal point, whatever the page's language formats numbers with.
    return f"{value:.1f}"


def _anchor(x: float, left: float) -> str:
    """A label's text-anchor, so that a label near either edge stays inside the drawing."""
    third = (WIDTH - left - RIGHT) / 3
    if x < left + third:
        return "start"
    if x > WIDTH - RIGHT - third:
        return "end"
    return "middle"


def _span(x: float, anchor: str, width: float) -> tuple[float, float]:
    start = {"start": x, "middle": x - width / 2, "end": x - width}[anchor]
    return start, start + width


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    label: str = ""  # the value, shown above the point ("" where it would overlap another)
    anchor: str = "middle"

    @property
    def cx(self) -> str:
        return _svg(self.x)

    @property
    def cy(self) -> str:
        return _svg(self.y)


@dataclass(frozen=True)
class Tick:
    """One label of an axis, at ``position`` along it."""

    position: float
    label: str
    anchor: str = "middle"

    @property
    def at(self) -> str:
        return _svg(self.position)


@dataclass(frozen=True)
class IndicatorChart:
    indicator: Indicator
    points: list[Point]  # the baseline (if dated) then each measurement, in date order
    target_y: float
    reached: bool
    values: list[Tick]  # the value axis, bottom to top
    dates: list[Tick]  # the date axis, left to right

    @property
    def polyline(self) -> str:
        return " ".join(f"{point.cx},{point.cy}" for point in self.points)

    @property
    def target(self) -> str:
        return _svg(self.target_y)

    left: float  # where the plot starts: the longest value's label fits before it

    view_box = f"0 0 {WIDTH} {HEIGHT}"
    right = str(WIDTH - RIGHT)
    top, bottom = str(TOP), str(HEIGHT - BOTTOM)
    date_y = str(HEIGHT - BOTTOM + FONT + 4)

    @property
    def plot_left(self) -> str:
        return _svg(self.left)

    @property
    def value_x(self) -> str:
        # The values' labels end just left of the plot.
        return _svg(self.left - 6)


def _labels(candidates: list[tuple[float, float, str]], left: float) -> list[Point]:
    """The points, each labelled with its value unless the label would overlap one kept.

    The latest value is labelled first, then the earlier ones from right to left.
    """
    kept: list[tuple[float, float, float]] = []  # each label's left, right and baseline
    points = []
    for x, y, text in reversed(candidates):
        anchor = _anchor(x, left)
        start, end = _span(x, anchor, _text_width(text))
        clear = all(
            end <= other_start or start >= other_end or abs(y - other_y) > FONT + 2
            for other_start, other_end, other_y in kept
        )
        if clear:
            kept.append((start, end, y))
        points.append(Point(x, y, text if clear else "", anchor))
    return points[::-1]


def chart(indicator: Indicator) -> IndicatorChart:
    """Dates along the x axis, values up the y axis, with room for the target's line."""
    measurements = list(indicator.measurements.all())
    series: list[tuple[int, Decimal]] = []
    if indicator.baseline_value is not None and indicator.baseline_date is not None:
        series.append((indicator.baseline_date.toordinal(), indicator.baseline_value))
    series += [(m.measured_on.toordinal(), m.value) for m in measurements]
    values = [value for _, value in series] + [indicator.target_value]
    low, high = min(values), max(values)
    span_y = (high - low) or Decimal(1)
    # The lowest and highest values, and the middle one when they differ.
    axis = sorted({low, high, (low + high) / 2})
    left = 8 + max(_text_width(number(value)) for value in axis)
    days = [day for day, _ in series]
    first, last = (min(days), max(days)) if days else (0, 0)
    span_x = (last - first) or 1

    def y(value: Decimal) -> float:
        return float(HEIGHT - BOTTOM - (value - low) / span_y * (HEIGHT - TOP - BOTTOM))

    def x(day: int) -> float:
        if len(series) == 1:
            return left + (WIDTH - left - RIGHT) / 2
        return left + (day - first) / span_x * (WIDTH - left - RIGHT)

    distinct_days = sorted(set(days))
    # Two dates, the first and the last: a third would overlap on a phone.
    dates = [distinct_days[0], distinct_days[-1]] if len(distinct_days) > 1 else distinct_days
    latest = measurements[-1].value if measurements else None
    return IndicatorChart(
        indicator=indicator,
        points=_labels([(x(day), y(value), number(value)) for day, value in series], left),
        target_y=y(indicator.target_value),
        reached=indicator.reached(latest),
        values=[Tick(y(value), number(value)) for value in axis],
        dates=[
            Tick(x(day), french.long_date(datetime.date.fromordinal(day)), _anchor(x(day), left))
            for day in dates
        ],
        left=left,
    )
