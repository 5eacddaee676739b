"""The one file store of everything the portal keeps, and how a kept file reaches a person.

Django's default storage (``STORAGES["default"]``, see ``qualicoop.lib.env.file_store_from_env``):
the local disk by default, S3-compatible object storage in production. Nothing
kept there is public by itself: a view decides who may have a file, then
``serve`` streams it from the disk, or redirects to a link to the object that
is signed for a few minutes, so that the bytes never pass through the app
server.
"""

import uuid

from django.core.files.base import ContentFile
from django.core.files.storage import Storage, default_storage
from django.http import FileResponse, HttpResponse, HttpResponseRedirect
from django.utils.encoding import escape_uri_path


def is_object_storage(storage: Storage = default_storage) -> bool:
    """Whether ``storage`` is a bucket (signed links) rather than a directory (streamed)."""
    return hasattr(storage, "bucket_name")


def _disposition(filename: str, *, as_attachment: bool) -> str:
    kind = "attachment" if as_attachment else "inline"
    # RFC 6266: an ASCII fallback and the UTF-8 name ("Coopérative" survives).
    ascii_name = filename.encode("ascii", "ignore").decode() or "fichier"
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{escape_uri_path(filename)}"


def serve(
    name: str,
    *,
    filename: str,
    content_type: str,
    as_attachment: bool = True,
    storage: Storage = default_storage,
) -> HttpResponse | FileResponse:
    """The kept file ``name``, for a person the caller has already allowed to have it."""
    disposition = _disposition(filename, as_attachment=as_attachment)
    if is_object_storage(storage):
        url = storage.url(  # type: ignore[call-arg]
            name,
            parameters={
                "ResponseContentDisposition": disposition,
                "ResponseContentType": content_type,
            },
        )
        response: HttpResponse | FileResponse = HttpResponseRedirect(url)
    else:
        response = FileResponse(storage.open(name, "rb"), content_type=content_type)
        response["Content-Disposition"] = disposition
    # A signed link, or a private file: never kept by a shared cache.
    response["Cache-Control"] = "private, no-store"
    return response


def keep(
    prefix: str, data: bytes, *, extension: str = "", storage: Storage = default_storage
) -> str:
    """Store ``data`` under a new key in ``prefix`` (never a name given by a person); the key."""
    suffix = f".{extension}" if extension else ""
    return storage.save(f"{prefix}/{uuid.uuid4().hex}{suffix}", ContentFile(data))


def read(name: str, *, storage: Storage = default_storage) -> bytes:
    with storage.open(name, "rb") as stored:
        return stored.read()
