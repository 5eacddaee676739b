"""Cells that no spreadsheet runs as a formula: the one guard of every CSV and XLSX written.

A spreadsheet runs a cell as a formula when its text starts with ``=``, ``+``,
``-`` or ``@`` (some skip a tab or carriage return first): a project title
typed by a cooperative could otherwise run in a reviewer's Excel. Both the
federation's exports and the public open data write their files through here.

A CSV file may also be opened with another separator than the one it was
written with (French Excel splits on ``;``, others on ``,``): a value such as
``ok;=1+2`` is then cut in two and its second half runs. So every field is
quoted, and a trigger right after a separator or a line break is neutralised
too. An XLSX cell is typed instead: text stays text, kept exactly as typed.
"""

import csv
import re
from collections.abc import Iterable, Iterator
from typing import Any

from openpyxl.cell import WriteOnlyCell
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"  # makes Excel read a CSV file as UTF-8
# A trigger where another reading of the file could start a cell.
_EMBEDDED_TRIGGER = re.compile(r"(?<=[,;\t\r\n])(?=[=+\-@])")


def neutralise(value: Any) -> Any:
    """``value`` as a CSV cell: an apostrophe before any trigger that could start a cell."""
    if not isinstance(value, str):
        return value
    if value.startswith(FORMULA_TRIGGERS):
        # The first character stays as it is: the apostrophe already covers a
        # trigger after a leading tab or carriage return.
        return "'" + value[0] + _EMBEDDED_TRIGGER.sub("'", value[1:])
    return _EMBEDDED_TRIGGER.sub("'", value)


class _Echo:
    """A file-like object handing back what csv writes, so that lines can be streamed."""

    def write(self, value: str) -> str:
        return value


def csv_lines(
    rows: Iterable[Iterable[Any]], *, delimiter: str = ",", bom: bool = False
) -> Iterator[str]:
    """``rows`` as CSV text, one chunk per line, every field quoted and neutralised."""
    writer = csv.writer(_Echo(), delimiter=delimiter, quoting=csv.QUOTE_ALL)
    prefix = BOM if bom else ""
    for row in rows:
        yield prefix + writer.writerow("" if value is None else neutralise(value) for value in row)
        prefix = ""


def xlsx_row(sheet: WriteOnlyWorksheet, values: Iterable[Any]) -> list[Any]:
    """``values`` as cells of ``sheet``: text typed as text, so that none is a formula."""
    cells: list[Any] = []
    for value in values:
        if isinstance(value, str):
            cell = WriteOnlyCell(sheet, value=value)
            # openpyxl types "=…" as a formula; an inline string shows as typed.
            cell.data_type = "s"
            cells.append(cell)
        else:
            cells.append(value)
    return cells
