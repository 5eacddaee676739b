"""What a file is, read from its bytes: the allowlist of the files people may upload.

The name a file arrives with says nothing reliable (an executable renamed
``rapport.pdf`` is still an executable): each kind is recognised by its
content. Office files are zip archives, told apart by the entries inside;
a Word or Excel file that carries macros is refused, whatever its name.
"""

import io
import zipfile
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

ODT = "application/vnd.oasis.opendocument.text"
ODS = "application/vnd.oasis.opendocument.spreadsheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# The main parts' content types of the macro-enabled variants (.docm, .xlsm, …).
_MACRO_CONTENT_TYPES = (b"macroEnabled", b"vbaProject", b"vnd.ms-office.activeX")

# Extensions the portal gives each kind when it names a file for download.
EXTENSIONS = {
    "application/pdf": "pdf",
    "image/png": "png",
    "image/jpeg": "jpg",
    "image/webp": "webp",
    ODT: "odt",
    ODS: "ods",
    DOCX: "docx",
    XLSX: "xlsx",
    "text/csv": "csv",
    "text/plain": "txt",
}

ALLOWED_LABEL = _("PDF, PNG, JPEG, WebP, ODT, ODS, DOCX, XLSX (sans macros), CSV ou texte")


class RefusedFile(Exception):
    """The file is not one of the allowed kinds; the message says why, in French."""

    def __init__(self, message: StrOrPromise) -> None:
        super().__init__(str(message))


@dataclass(frozen=True)
class Kind:
    content_type: str

    @property
    def extension(self) -> str:
        return EXTENSIONS[self.content_type]


def _office(data: bytes) -> str:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = set(archive.namelist())
        if "mimetype" in names:
            mimetype = archive.read("mimetype").strip().decode("ascii", "replace")
            if mimetype in (ODT, ODS):
                return mimetype
        if "[Content_Types].xml" in names:
            types = archive.read("[Content_Types].xml")
            macros = any(name.lower().endswith("vbaproject.bin") for name in names)
            if macros or any(marker in types for marker in _MACRO_CONTENT_TYPES):
                raise RefusedFile(_("Ce fichier contient des macros : enregistrez-le sans macros."))
            if b"wordprocessingml.document.main" in types:
                return DOCX
            if b"spreadsheetml.sheet.main" in types:
                return XLSX
    except (zipfile.BadZipFile, KeyError, ValueError, RuntimeError):
        pass
    raise RefusedFile(_("Cette archive n'est pas un document accepté."))


def _text(data: bytes, name: str) -> str | None:
    if b"\0" in data:
        return None
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    # A text file is text whatever it is called; the name only says which text.
    return "text/csv" if name.lower().endswith(".csv") else "text/plain"


def detect(data: bytes, name: str = "") -> Kind:
    """The kind of ``data`` if it is allowed; ``RefusedFile`` otherwise."""
    if data.startswith(b"%PDF-"):
        return Kind("application/pdf")
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return Kind("image/png")
    if data.startswith(b"\xff\xd8\xff"):
        return Kind("image/jpeg")
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return Kind("image/webp")
    if data.startswith(b"PK\x03\x04"):
        return Kind(_office(data))
    text = _text(data, name)
    if text is not None and data:
        return Kind(text)
    raise RefusedFile(
        _("Ce type de fichier n'est pas accepté. Formats acceptés : %(allowed)s.")
        % {"allowed": ALLOWED_LABEL}
    )
