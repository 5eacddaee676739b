"""Cells that no spreadsheet runs as a formula: the one guard of every CSV and XLSX written.

A spreadsheet runs a cell as a formula when its text starts with ``=``, ``+``,
``-`` or ``@`` (some skip a tab or carriage return first): a project title
typed by a cooperative could otherwise run in a reviewer's Excel. Both the
federation's exports and the public open data write their files through here.

Workbooks sent to the portal are read here too (``open_xlsx``, ``sheet_rows``):
the zip's directory is inspected before anything is inflated, then each sheet
read is streamed, so that a small file cannot keep a process busy for long.

A CSV file may also be opened with another separator than the one it was
written with (French Excel splits on ``;``, others on ``,``): a value such as
``ok;=1+2`` is then cut in two and its second half runs. So every field is
quoted, and a trigger right after a separator or a line break is neutralised
too. An XLSX cell is typed instead: text stays text, kept exactly as typed.
"""

import csv
import io
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.xml.functions import iterparse

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


def csv_line_writer(*, delimiter: str = ",") -> Callable[[Iterable[Any]], str]:
    """A function writing one row as a CSV line, every field quoted and neutralised."""
    writer = csv.writer(_Echo(), delimiter=delimiter, quoting=csv.QUOTE_ALL)

    def line(row: Iterable[Any]) -> str:
        return writer.writerow("" if value is None else neutralise(value) for value in row)

    return line


def csv_lines(
    rows: Iterable[Iterable[Any]], *, delimiter: str = ",", bom: bool = False
) -> Iterator[str]:
    """``rows`` as CSV text, one chunk per line, every field quoted and neutralised."""
    line = csv_line_writer(delimiter=delimiter)
    prefix = BOM if bom else ""
    for row in rows:
        yield prefix + line(row)
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


# --- Reading a workbook sent to the portal ---------------------------------------------


class WorkbookRefused(Exception):
    """The workbook is refused as a whole, before its rows are read; the message says why."""


class SheetTooLarge(WorkbookRefused):
    """The sheet goes on beyond the rows or the columns a file of its kind may hold."""


def inspect_xlsx(data: bytes, *, max_unpacked: int, unreadable: str) -> None:
    """Refuse from the zip's directory alone, nothing inflated: macros, or too much once unpacked.

    The sizes are those the directory declares; reading a member never gives
    more than its declared size (``zipfile`` stops there and fails on the
    checksum), so a member lying about its size cannot swell past the bound.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, ValueError):
        raise WorkbookRefused(unreadable) from None
    if any(entry.filename.lower().endswith("vbaproject.bin") for entry in entries):
        raise WorkbookRefused(
            _("Ce classeur contient des macros : enregistrez-le au format .xlsx, sans macros.")
        )
    if sum(entry.file_size for entry in entries) > max_unpacked:
        raise WorkbookRefused(
            _(
                "Ce classeur est trop volumineux une fois décompressé : gardez une ligne "
                "par élément et les colonnes prévues, sans contenu caché."
            )
        )


def open_xlsx(data: bytes, *, max_unpacked: int, unreadable: str, data_only: bool) -> Any:
    """The workbook, inspected first, opened to be streamed (openpyxl's read-only mode)."""
    inspect_xlsx(data, max_unpacked=max_unpacked, unreadable=unreadable)
    try:
        return load_workbook(io.BytesIO(data), read_only=True, data_only=data_only)
    except Exception:
        # openpyxl fails in many ways on a damaged file (KeyError, ValueError...):
        # whichever it is, the file is unreadable, not the server broken.
        raise WorkbookRefused(unreadable) from None


def sheet_rows(
    book: Any, *, max_rows: int, max_columns: int, index: int = 0
) -> Iterator[tuple[Any, ...]]:
    """The rows of the sheet at ``index`` (the first one by default), each ``max_columns`` wide.

    Cells come as openpyxl reads them.

    The rows come one at a time, so that the caller stops as soon as it has
    seen too many. A row or a cell beyond the bounds refuses the sheet
    (``SheetTooLarge``); the bounds are passed to openpyxl too, as the
    dimension a file declares is not to be trusted.
    """
    sheet = book.worksheets[index]
    rows = sheet.iter_rows(max_row=max_rows + 1, max_col=max_columns + 1)
    for number, row in enumerate(rows, start=1):
        if number > max_rows or row[max_columns].value is not None:
            raise SheetTooLarge(
                _(
                    "La feuille est bien trop grande : gardez une ligne par élément "
                    "et les colonnes prévues."
                )
            )
        yield row[:max_columns]


def merged_ranges(book: Any, *, limit: int = 5, index: int = 0) -> list[str]:
    """The first merged ranges of the sheet at ``index``, left out by openpyxl's read-only mode.

    For a workbook whose rows were read through ``sheet_rows``: its sheet is
    bounded, so walking it once more costs little.
    """
    found: list[str] = []
    # The sheet's own XML, opened and parsed as openpyxl itself does for its rows.
    with book.worksheets[index]._get_source() as source:
        for _event, element in iterparse(source):
            if element.tag.rpartition("}")[2] == "mergeCell":
                found.append(element.get("ref", ""))
                if len(found) >= limit:
                    break
            element.clear()
    return found
