"""The one file store of everything the portal keeps, and how a kept file reaches a person.

Django's default storage (``STORAGES["default"]``, see ``qualicoop.lib.env.file_store_from_env``):
the local disk by default, S3-compatible object storage in production. Nothing
kept there is public by itself: a view decides who may have a file, then
``serve`` streams it from the disk, or redirects to a link to the object that
is signed for a few minutes, so that the bytes never pass through the app
server.
"""

import datetime
import os
import tempfile
import uuid
from contextlib import suppress
from pathlib import Path

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


def replace(name: str, data: bytes, *, storage: Storage = default_storage) -> None:
    """Put ``data`` under ``name`` itself, in place of what was there, in one step.

    ``Storage.save`` never overwrites (it finds a free name instead), and an
    object written in place must never be seen half-written: on the disk the
    bytes go to a temporary file renamed over the name; a bucket replaces an
    object whole (the upload completes, or the old object stays).
    """
    if is_object_storage(storage):
        with storage.open(name, "wb") as stored:
            stored.write(data)
        return
    path = Path(storage.path(name))
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=path.parent, prefix=f".{path.name}.", delete=False) as new:
        new.write(data)
        new.flush()
        os.fsync(new.fileno())
    os.replace(new.name, path)


def stored_keys(prefix: str, *, storage: Storage = default_storage) -> set[str]:
    """Every object kept under ``prefix``, at any depth."""
    try:
        directories, files = storage.listdir(prefix)
    except FileNotFoundError:  # nothing was ever kept there on this disk
        return set()
    keys = {f"{prefix}/{name}" for name in files}
    for directory in directories:
        keys |= stored_keys(f"{prefix}/{directory}", storage=storage)
    return keys


def delete_folder(prefix: str, *, storage: Storage = default_storage) -> None:
    """Every object under ``prefix`` deleted, and on the disk the directory emptied."""
    for key in stored_keys(prefix, storage=storage):
        storage.delete(key)
    if not is_object_storage(storage):
        with suppress(OSError):  # already gone, or not empty: left as it is
            os.rmdir(storage.path(prefix))


# An object younger than this may be a file whose row (or manifest) is being written.
ORPHAN_MIN_AGE = datetime.timedelta(hours=1)


def orphans(
    prefix: str,
    named: set[str],
    *,
    now: datetime.datetime,
    storage: Storage = default_storage,
) -> list[str]:
    """Objects under ``prefix`` that nothing in ``named`` refers to, older than ORPHAN_MIN_AGE."""
    return sorted(
        key
        for key in stored_keys(prefix, storage=storage) - named
        if storage.get_modified_time(key) <= now - ORPHAN_MIN_AGE
    )
