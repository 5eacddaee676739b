"""Files of every kind the portal accepts or refuses, made in memory."""

import io
import zipfile

from commitments.models import Project
from qualicoop.lib import file_types


def _zip(entries: dict[str, bytes], *, mimetype_first: str | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        if mimetype_first:
            archive.writestr("mimetype", mimetype_first)
        for name, content in entries.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def _ooxml(main: str, *, extra: dict[str, bytes] | None = None) -> bytes:
    types = (
        '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
        f'content-types"><Override PartName="/main.xml" ContentType="{main}"/></Types>'
    )
    return _zip({"[Content_Types].xml": types.encode(), "main.xml": b"<x/>", **(extra or {})})


DOCX_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
XLSX_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"

# (name, bytes, the content type detected)
ALLOWED = [
    ("deliberation.pdf", b"%PDF-1.7\n1 0 obj <<>> endobj\n%%EOF\n", "application/pdf"),
    ("photo.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "image/png"),
    ("photo.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", "image/jpeg"),
    ("photo.webp", b"RIFF\x24\x00\x00\x00WEBPVP8 ", "image/webp"),
    (
        "compte-rendu.odt",
        _zip({"content.xml": b"<x/>"}, mimetype_first=file_types.ODT),
        file_types.ODT,
    ),
    ("budget.ods", _zip({"content.xml": b"<x/>"}, mimetype_first=file_types.ODS), file_types.ODS),
    ("rapport.docx", _ooxml(DOCX_MAIN), file_types.DOCX),
    ("tableau.xlsx", _ooxml(XLSX_MAIN), file_types.XLSX),
    ("mesures.csv", b"date;valeur\n2026-01-01;12\n", "text/csv"),
    ("note.txt", "Réunion des locataires tenue le 3 mars.\n".encode(), "text/plain"),
]

ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 56
PE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48
MACRO_DOCX = _ooxml(
    "application/vnd.ms-word.document.macroEnabled.main+xml",
    extra={"word/vbaProject.bin": b"\xd0\xcf\x11\xe0"},
)


def project_of_draft(selection) -> Project:
    return Project.objects.filter(choice__selection=selection).first()
