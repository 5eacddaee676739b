"""The open-data files, written ahead by a task and served as a static file server would.

Generating the whole projects file takes seconds at a few thousand
cooperatives: too long for a request, and the same bytes for every visitor
until something is published. So each file (French CSV, comma CSV, JSON, Table
Schema, DCAT catalogue) is written once into ``OPENDATA_ROOT``, with a gzip
copy beside it, and the download addresses send it with ``ETag`` and
``Last-Modified``, answering 304 to a client that has it already.

When the files are written again: on each publication. Whatever changes what
the public sees moves the public pages' version (``commitments.publication``
and ``qualicoop.lib.public_cache``); each set of files records the version it was
written for (its *stamp*). On the domain's ``published_content_changed`` event,
and on each download, a set whose stamp is not the current one is queued for
writing again (``refresh_files``, a django-tasks task run by the worker); until
the worker is done, the previous files are served. A set never written yet
(a fresh deployment) is written in the request, once: concurrent requests wait
for the first one's file rather than writing it each.

A file is written beside its final name and renamed over it: a reader gets the
old file or the new one, never half of one. With several app servers, they
and the worker must share ``OPENDATA_ROOT`` (one disk, or a shared mount).
"""

import fcntl
import gzip
import json
import logging
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from functools import partial
from itertools import tee, zip_longest
from pathlib import Path
from typing import IO

from django.conf import settings
from django.core.cache import cache
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase
from django.utils import translation
from django.utils.cache import get_conditional_response
from django.utils.http import http_date
from django_tasks import task

from qualicoop.lib import compression
from qualicoop.lib.public_cache import public_version

from . import opendata
from .opendata_catalogue import dcat_catalogue

logger = logging.getLogger("qualicoop.opendata")

# Part of every stamp: a deployment that changes what the files hold (a field,
# a format) writes them again instead of serving the previous code's files.
FILES_FORMAT = 1
# gzip's level 6: within a few per cent of level 9 on CSV and JSON, twice as fast.
GZIP_LEVEL = 6
# A refresh asked for a stamp is queued once in this many seconds, whatever the
# number of commits and downloads that notice the files are behind.
QUEUED_FOR = 600
# The models whose changes may reach the open data (the ones the public pages follow).


@dataclass(frozen=True)
class Kind:
    """One form of a dataset: its file name and how it is served."""

    suffix: str
    content_type: str
    attachment: bool = False


KINDS = {
    "csv": Kind(".csv", "text/csv; charset=utf-8", attachment=True),
    "csv-virgule": Kind("-virgule.csv", "text/csv; charset=utf-8", attachment=True),
    "json": Kind(".json", "application/json; charset=utf-8"),
    "schema": Kind(".schema.json", "application/json; charset=utf-8"),
}
CATALOGUE = "catalogue"
CATALOGUE_FILE = "catalogue.jsonld"
CATALOGUE_TYPE = "application/ld+json; charset=utf-8"


def file_name(slug: str, kind: str) -> str:
    return slug + KINDS[kind].suffix


def root() -> Path:
    return Path(settings.OPENDATA_ROOT)


def current_stamp() -> str:
    """What the files must have been written for to be current."""
    return f"{FILES_FORMAT}|{settings.SITE_URL}|{public_version()}"


# --- Writing -----------------------------------------------------------------------


class _Writer:
    """A file and its gzip copy, written beside their final names, renamed when complete."""

    def __init__(self, directory: Path, name: str) -> None:
        self.directory = directory
        self.name = name
        self.raw = self._temporary()
        self.packed = self._temporary()
        # mtime=0: the same content gives the same bytes, whenever written.
        self.gzip = gzip.GzipFile(
            filename="", mode="wb", fileobj=self.packed, compresslevel=GZIP_LEVEL, mtime=0
        )

    def _temporary(self) -> IO[bytes]:
        return tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed in commit() or discard()
            dir=self.directory, prefix=f".{self.name}.", suffix=".tmp", delete=False
        )

    def write(self, chunk: str) -> None:
        data = chunk.encode("utf-8")
        self.raw.write(data)
        self.gzip.write(data)

    def commit(self) -> None:
        self.gzip.close()
        for handle, final in ((self.packed, self.name + ".gz"), (self.raw, self.name)):
            handle.flush()
            os.fsync(handle.fileno())
            handle.close()
            # Readable by a front web server that would serve the directory itself.
            os.chmod(handle.name, 0o644)
            os.replace(handle.name, self.directory / final)

    def discard(self) -> None:
        with suppress(OSError):
            self.gzip.close()
        for handle in (self.raw, self.packed):
            handle.close()
            with suppress(FileNotFoundError):
                os.unlink(handle.name)


def write_files(directory: Path, files: dict[str, Iterable[str]]) -> None:
    """Write every file of ``files`` (name -> chunks), taking a chunk of each in turn.

    Taking them in turn lets files made from one stream of records (``tee``)
    read the database once, in constant memory.
    """
    writers = {name: _Writer(directory, name) for name in files}
    try:
        for chunks in zip_longest(*files.values()):
            for writer, chunk in zip(writers.values(), chunks, strict=True):
                if chunk is not None:
                    writer.write(chunk)
        for writer in writers.values():
            writer.commit()
    except BaseException:
        for writer in writers.values():
            writer.discard()
        raise


def _dataset_files(dataset: opendata.Dataset) -> dict[str, Iterable[str]]:
    french, comma, as_json = tee(dataset.records(), 3)
    schema = json.dumps(opendata.table_schema(dataset), ensure_ascii=False, indent=2) + "\n"
    return {
        file_name(dataset.slug, "csv"): dataset.csv_of(french),
        file_name(dataset.slug, "csv-virgule"): dataset.csv_of(
            comma, separator=opendata.COMMA_SEPARATOR
        ),
        file_name(dataset.slug, "json"): dataset.json_of(as_json),
        file_name(dataset.slug, "schema"): [schema],
    }


def _catalogue_files() -> dict[str, Iterable[str]]:
    return {CATALOGUE_FILE: [json.dumps(dcat_catalogue(), ensure_ascii=False, indent=2) + "\n"]}


# Each set of files written together, under one stamp: a dataset's, and the catalogue.
SETS: dict[str, Callable[[], dict[str, Iterable[str]]]] = {
    **{slug: partial(_dataset_files, dataset) for slug, dataset in opendata.DATASETS.items()},
    CATALOGUE: _catalogue_files,
}


def _stamp_path(name: str) -> Path:
    return root() / f".{name}.stamp"


def written_stamp(name: str) -> str | None:
    """The stamp the set ``name`` was last written for, or None if it never was."""
    try:
        return _stamp_path(name).read_text(encoding="utf-8")
    except FileNotFoundError:
        return None


@contextmanager
def _locked(name: str) -> Iterator[None]:
    # One writer of a set at a time, across processes: the worker and the
    # requests of a fresh deployment.
    with open(root() / f".{name}.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def refresh(name: str, stamp: str, *, needed: Path | None = None) -> bool:
    """Write the set ``name`` for ``stamp``, unless it already was; True if written.

    Requests that waited for the lock while the first one wrote a missing set
    find it written for their stamp, and write nothing; ``needed``, a file of
    the set that must exist, has it written again if it went missing all the same.
    """
    directory = root()
    directory.mkdir(parents=True, exist_ok=True)
    with _locked(name):
        if written_stamp(name) == stamp and (needed is None or needed.exists()):
            return False
        # The files are the same for every visitor: in the site's language.
        with translation.override(settings.LANGUAGE_CODE):
            write_files(directory, SETS[name]())
        stamp_file = tempfile.NamedTemporaryFile(  # noqa: SIM115 - renamed below
            "w", dir=directory, prefix=f".{name}.stamp.", delete=False, encoding="utf-8"
        )
        with stamp_file:
            stamp_file.write(stamp)
        os.replace(stamp_file.name, _stamp_path(name))
    logger.info("opendata_written set=%s", name)
    return True


@task()
def refresh_files(stamp: str) -> list[str]:
    """Write again every set of files not written for ``stamp`` (the enqueuer's version).

    A set that fails is logged and the others are written all the same; the
    task then fails, so that its result records the error.
    """
    written, failed = [], []
    for name in SETS:
        try:
            if refresh(name, stamp):
                written.append(name)
        except Exception:
            logger.exception("opendata_write_failed set=%s", name)
            failed.append(name)
    if failed:
        raise RuntimeError(f"open-data files not written: {', '.join(failed)}")
    return written


def request_refresh(stamp: str) -> None:
    """Queue the writing of the files for ``stamp``, once for every caller that notices."""
    if cache.add(f"opendata:refresh:{stamp}", True, QUEUED_FOR):
        refresh_files.enqueue(stamp=stamp)


def refresh_if_behind() -> None:
    """Queue a refresh if a set already written is behind what the public sees now."""
    stamp = current_stamp()
    written = [written_stamp(name) for name in SETS]
    # A set never written is written by the first request that wants it.
    if any(value is not None and value != stamp for value in written):
        request_refresh(stamp)


def published_content_changed(sender, **kwargs) -> None:
    """Subscribed to the domain's event (``PublicConfig.ready``): the version has moved."""
    refresh_if_behind()


# --- Serving -----------------------------------------------------------------------


def _ensure(name: str, path: Path) -> None:
    stamp = current_stamp()
    if not path.exists():
        refresh(name, stamp, needed=path)
    elif written_stamp(name) != stamp:
        # Served as it is meanwhile; the worker writes the new one. A queue
        # that cannot be reached does not stop the file from being served.
        try:
            request_refresh(stamp)
        except Exception:
            logger.exception("opendata_refresh_not_queued set=%s", name)


def _open(path: Path, encoding: str | None) -> tuple[IO[bytes], str | None]:
    if encoding:
        try:
            return open(path.with_name(path.name + ".gz"), "rb"), encoding  # noqa: SIM115
        except FileNotFoundError:
            pass
    return open(path, "rb"), None  # noqa: SIM115 - the response closes it


def serve(
    request: HttpRequest,
    name: str,
    file: str,
    *,
    content_type: str,
    download_as: str | None = None,
) -> HttpResponseBase:
    """The file ``file`` of the set ``name``, as a static file server sends it.

    gzip when the client accepts it, ``ETag`` and ``Last-Modified`` from the
    file itself, and 304 to a client that already has this very file.
    """
    path = root() / file
    _ensure(name, path)
    handle, encoding = _open(path, compression.preferred_encoding(request, ["gzip"]))
    status = os.fstat(handle.fileno())
    headers = {
        "Content-Type": content_type,
        "ETag": f'"{status.st_mtime_ns:x}-{status.st_size:x}"',
        "Last-Modified": http_date(status.st_mtime),
        # Kept by browsers and proxies, asked again each time: a 304 is cheap.
        "Cache-Control": "public, no-cache",
        "Vary": "Accept-Encoding",
        # Public, anonymous data: any web page may fetch it.
        "Access-Control-Allow-Origin": "*",
        "Link": f'<{opendata.LICENCE_URL}>; rel="license"',
    }
    if download_as:
        headers["Content-Disposition"] = f'attachment; filename="{download_as}"'
    if encoding:
        headers["Content-Encoding"] = encoding
    checked = HttpResponse(headers=headers)
    answer = get_conditional_response(
        request, etag=headers["ETag"], last_modified=int(status.st_mtime), response=checked
    )
    if answer is not None and answer is not checked:
        handle.close()
        return answer
    response = FileResponse(handle, content_type=content_type, filename=download_as or file)
    for header, value in headers.items():
        response[header] = value
    return response
