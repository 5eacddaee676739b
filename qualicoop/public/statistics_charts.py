"""The statistics page's charts, laid out for inline SVG: bar charts and the coverage matrix.

The templates draw them from these coordinates; the same figures are given as
tables beside them.
"""

from dataclasses import dataclass
from decimal import Decimal

# Geometry of the bar charts, in SVG user units (the SVG scales to its box).
CHART_WIDTH = 520
LABEL_WIDTH = 124  # room for the longest label in English too ("Commitment 12")
VALUE_ROOM = 48
ROW_HEIGHT = 30
BAR_HEIGHT = 20


@dataclass(frozen=True)
class Bar:
    label: str
    value: int | Decimal
    pillar: int
    y: int
    width: int
    # The value as the reader reads it, beside the bar.
    text: str

    @property
    def text_y(self):
        return self.y + BAR_HEIGHT // 2 + 5

    @property
    def value_x(self):
        return LABEL_WIDTH + self.width + 6


@dataclass(frozen=True)
class BarChart:
    """A horizontal bar chart laid out for an inline SVG; integers only, as SVG wants."""

    bars: list
    scale_max: int

    width = CHART_WIDTH
    label_width = LABEL_WIDTH
    bar_height = BAR_HEIGHT

    @property
    def height(self):
        return len(self.bars) * ROW_HEIGHT + 10


def bar_chart(rows, *, scale_max=None, text=str):
    """Lay out ``rows`` of (label, value, pillar number) as bars scaled to ``scale_max``.

    ``text`` writes a value beside its bar (a decimal in French, with its unit).
    """
    rows = list(rows)
    scale_max = max(scale_max or 0, *(value for _label, value, _pillar in rows), 1)
    room = CHART_WIDTH - LABEL_WIDTH - VALUE_ROOM
    return BarChart(
        bars=[
            Bar(
                label=label,
                value=value,
                pillar=pillar,
                y=index * ROW_HEIGHT + 5,
                width=round(room * value / scale_max),
                text=text(value),
            )
            for index, (label, value, pillar) in enumerate(rows)
        ],
        scale_max=scale_max,
    )


# Geometry of the coverage matrix.
MATRIX_NAME_WIDTH = 230
MATRIX_CELL = 36
MATRIX_HEADER = 34


@dataclass(frozen=True)
class MatrixLayout:
    rows: list  # (cooperative, y, [(engagement, projects or None, x), …])
    columns: list  # (engagement, x)
    width: int
    height: int
    name_width = MATRIX_NAME_WIDTH
    cell = MATRIX_CELL
    radius = MATRIX_CELL // 2 - 4


def matrix_layout(stats):
    """Place the coverage matrix of ``stats``: a row per cooperative, a column per engagement."""

    def x_of(index):
        return MATRIX_NAME_WIDTH + index * MATRIX_CELL + MATRIX_CELL // 2

    def y_of(index):
        return MATRIX_HEADER + index * MATRIX_CELL + MATRIX_CELL // 2

    return MatrixLayout(
        rows=[
            (
                cooperative,
                y_of(row),
                [
                    (engagement, projects, x_of(column))
                    for column, (engagement, projects) in enumerate(cells)
                ],
            )
            for row, (cooperative, cells) in enumerate(stats.matrix())
        ],
        columns=[(engagement, x_of(column)) for column, engagement in enumerate(stats.engagements)],
        width=MATRIX_NAME_WIDTH + len(stats.engagements) * MATRIX_CELL + 4,
        height=MATRIX_HEADER + len(stats.cooperatives) * MATRIX_CELL + 4,
    )
