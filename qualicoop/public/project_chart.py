"""An indicator's measured values against its target, laid out for an inline SVG.

The chart is drawn by the template from these coordinates; the same values are
given as a table beside it, for screen readers and for the exact figures.
"""

from dataclasses import dataclass
from decimal import Decimal

from commitments.models import Indicator

WIDTH, HEIGHT, MARGIN = 320, 140, 24


def _svg(value: float) -> str:
    # SVG wants a decimal point, whatever the page's language formats numbers with.
    return f"{value:.1f}"


@dataclass(frozen=True)
class Point:
    x: float
    y: float

    @property
    def cx(self) -> str:
        return _svg(self.x)

    @property
    def cy(self) -> str:
        return _svg(self.y)


@dataclass(frozen=True)
class IndicatorChart:
    indicator: Indicator
    points: list[Point]  # the baseline (if dated) then each measurement, in date order
    target_y: float
    reached: bool

    @property
    def polyline(self) -> str:
        return " ".join(f"{point.cx},{point.cy}" for point in self.points)

    @property
    def target(self) -> str:
        return _svg(self.target_y)

    view_box = f"0 0 {WIDTH} {HEIGHT}"
    left, right = str(MARGIN), str(WIDTH - MARGIN)


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
    days = [day for day, _ in series]
    first, last = (min(days), max(days)) if days else (0, 0)
    span_x = (last - first) or 1

    def y(value: Decimal) -> float:
        return float(HEIGHT - MARGIN - (value - low) / span_y * (HEIGHT - 2 * MARGIN))

    def x(day: int) -> float:
        if len(series) == 1:
            return WIDTH / 2
        return MARGIN + (day - first) / span_x * (WIDTH - 2 * MARGIN)

    latest = measurements[-1].value if measurements else None
    return IndicatorChart(
        indicator=indicator,
        points=[Point(x(day), y(value)) for day, value in series],
        target_y=y(indicator.target_value),
        reached=indicator.reached(latest),
    )
