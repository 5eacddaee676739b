"""The open-data files, written ahead by a task and served as a static file server would.

Generating the whole projects file takes seconds at a few thousand
cooperatives: too long for a request, and the same bytes for every visitor
until something is published. So each file (French CSV, comma CSV, JSON, Table
Schema, DCAT catalogue) is written once into the file store
(``qualicoop.lib.file_store``: the disk, or the bucket every app server
reaches), with a gzip copy beside it, and the download addresses send it with
``ETag`` and ``Last-Modified``, answering 304 to a client that has it already.

When the files are written again: on each publication. Whatever changes what
the public sees moves the public pages' version (``commitments.publication``
and ``qualicoop.lib.public_cache``); each set of files records the version it was
written for (its *stamp*). On the domain's ``published_content_changed`` event,
and on each download, a set whose stamp is not the current one is queued for
writing again (``refresh_files``, a django-tasks task run by the worker); until
the worker is done, the previous files are served. A set never written yet
(a fresh deployment) is written in the request, once: concurrent requests of
one server wait for the first one's file rather than writing it each.

A reader never sees half a file: each writing puts the set's files under keys
of its own (``opendata/<set>/<writing>/<file>``), then replaces the set's
small manifest (``opendata/<set>.json``), which names the writing to serve
with each file's size and ETag. The writing before stays until the next one,
for the readers that read the manifest just before it changed; older ones are
deleted (``purge_orphan_files`` removes any that an interruption left).
Nothing is shared between app servers but the file store.
"""

import gzip
import hashlib
import json
import logging
import tempfile
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass
from functools import partial
from itertools import tee, zip_longest
from typing import IO

from django.conf import settings
from django.core.cache import cache
from django.core.files import File
from django.core.files.storage import default_storage
from django.http import (
    FileResponse,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    StreamingHttpResponse,
)
from django.utils import translation
from django.utils.cache import get_conditional_response
from django.utils.http import http_date
from django_tasks import task

from commitments.models import Engagement
from qualicoop.lib import compression, file_store
from qualicoop.lib.public_cache import public_version

from . import opendata
from .opendata_catalogue import Written, data_package, dcat_catalogue

logger = logging.getLogger("qualicoop.opendata")

# Part of every stamp: a deployment that changes what the files hold (a field,
# a format) writes them again instead of serving the previous code's files.
FILES_FORMAT = 4
# gzip's level 6: within a few per cent of level 9 on CSV and JSON, twice as fast.
GZIP_LEVEL = 6
# A refresh asked for a stamp is queued once in this many seconds, whatever the
# number of commits and downloads that notice the files are behind.
QUEUED_FOR = 600
# Longer than the writing of the largest set takes: a writer that died holding
# the turn gives it up after this many seconds.
WRITING_TURN_SECONDS = 300
PREFIX = "opendata"
# The two forms each file is kept in: as it is, and its gzip copy.
IDENTITY, GZIP = "identity", "gzip"


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
    "schema-virgule": Kind("-virgule.schema.json", "application/json; charset=utf-8"),
}
# The schema of each CSV's convention.
SCHEMA_KINDS = {opendata.FRENCH.kind: "schema", opendata.INTERNATIONAL.kind: "schema-virgule"}
# The kinds that hold a dataset's records.
DATA_KINDS = ("csv", "csv-virgule", "json")
CATALOGUE = "catalogue"
CATALOGUE_FILE = "catalogue.jsonld"
CATALOGUE_TYPE = "application/ld+json; charset=utf-8"
DATA_PACKAGE_FILE = "datapackage.json"
DATA_PACKAGE_TYPE = "application/json; charset=utf-8"


def file_name(slug: str, kind: str) -> str:
    return slug + KINDS[kind].suffix


def current_stamp() -> str:
    """What the files must have been written for to be current."""
    return f"{FILES_FORMAT}|{settings.SITE_URL}|{public_version()}"


# --- The manifest ------------------------------------------------------------------


@dataclass(frozen=True)
class Stored:
    """One form of a file in the file store: its key, its size, its ETag (from its bytes)."""

    key: str
    size: int
    etag: str


@dataclass(frozen=True)
class Manifest:
    """A set as last written: for which stamp, when, and where each file of it is."""

    stamp: str
    writing: str
    written: int  # seconds since the epoch: the files' Last-Modified
    files: dict[str, dict[str, Stored]]  # file name -> form (IDENTITY, GZIP) -> object
    previous: str | None  # the writing before, kept for the readers still on it
    # When the set was first written (its files' dct:issued): carried from writing to
    # writing; a manifest of an older format has none, and takes its own date.
    issued: int | None = None

    def dumps(self) -> bytes:
        return json.dumps(asdict(self)).encode()

    @classmethod
    def loads(cls, data: bytes) -> "Manifest":
        fields = json.loads(data)
        files = {
            name: {form: Stored(**stored) for form, stored in forms.items()}
            for name, forms in fields.pop("files").items()
        }
        return cls(files=files, **fields)


def _manifest_key(name: str) -> str:
    return f"{PREFIX}/{name}.json"


def _folder(name: str, writing: str) -> str:
    return f"{PREFIX}/{name}/{writing}"


def manifest(name: str) -> Manifest | None:
    """The set ``name`` as last written, or None if it never was."""
    try:
        return Manifest.loads(file_store.read(_manifest_key(name)))
    except FileNotFoundError:
        return None


def written_stamp(name: str) -> str | None:
    """The stamp the set ``name`` was last written for, or None if it never was."""
    found = manifest(name)
    return found.stamp if found is not None else None


def kept_keys() -> set[str]:
    """Every object the open data still needs: the manifests and the writings they name."""
    keys = set()
    for name in SETS:
        found = manifest(name)
        if found is None:
            continue
        keys.add(_manifest_key(name))
        for writing in filter(None, (found.writing, found.previous)):
            keys |= file_store.stored_keys(_folder(name, writing))
    return keys


# --- Writing -----------------------------------------------------------------------


def _digest(handle: IO[bytes]) -> str:
    handle.seek(0)
    digest = hashlib.sha256()
    for block in iter(partial(handle.read, 1 << 16), b""):
        digest.update(block)
    return digest.hexdigest()[:32]


class _Writer:
    """A file and its gzip copy, written to scratch files, then kept in the file store."""

    def __init__(self) -> None:
        # Scratch space of this process only: the file store is where files are shared.
        self.raw = tempfile.TemporaryFile()  # noqa: SIM115 - closed in close()
        self.packed = tempfile.TemporaryFile()  # noqa: SIM115 - closed in close()
        # mtime=0: the same content gives the same bytes (and ETag), whenever written.
        self.gzip = gzip.GzipFile(
            filename="", mode="wb", fileobj=self.packed, compresslevel=GZIP_LEVEL, mtime=0
        )

    def write(self, chunk: str) -> None:
        data = chunk.encode("utf-8")
        self.raw.write(data)
        self.gzip.write(data)

    def keep(self, key: str) -> dict[str, Stored]:
        self.gzip.close()
        stored = {}
        for form, handle, name in ((IDENTITY, self.raw, key), (GZIP, self.packed, f"{key}.gz")):
            etag, size = _digest(handle), handle.tell()
            stored[form] = Stored(default_storage.save(name, File(handle)), size, etag)
        return stored

    def close(self) -> None:
        with suppress(OSError):
            self.gzip.close()
        self.raw.close()
        self.packed.close()


@contextmanager
def _writers(folder: str, names: Iterable[str]) -> Iterator[dict[str, _Writer]]:
    """A writer for each file of ``names``; if anything fails, nothing of the folder is left."""
    writers = {name: _Writer() for name in names}
    try:
        yield writers
    except BaseException:
        file_store.delete_folder(folder)
        raise
    finally:
        for writer in writers.values():
            writer.close()


def write_files(folder: str, files: dict[str, Iterable[str]]) -> dict[str, dict[str, Stored]]:
    """Keep each file of ``files`` (name -> chunks) under ``folder``, a chunk of each in turn.

    Taking them in turn lets files made from one stream of records (``tee``)
    read the database once, in constant memory. If any fails, nothing of the
    folder is left.
    """
    with _writers(folder, files) as writers:
        for chunks in zip_longest(*files.values()):
            for writer, chunk in zip(writers.values(), chunks, strict=True):
                if chunk is not None:
                    writer.write(chunk)
        return {name: writer.keep(f"{folder}/{name}") for name, writer in writers.items()}


def write_parts(
    folder: str,
    records: Iterable[dict],
    files: dict[str, opendata.Layout],
    parts_of: Callable[[dict], Iterable[str]],
) -> dict[str, dict[str, Stored]]:
    """Keep each file of ``files`` (name -> layout) under ``folder``, with the records
    ``parts_of`` names it for: read once, each record's text written once per layout.

    ``tee`` would not do here: a file of the last engagement reads the whole
    stream before its first record, and the others' records would wait in memory.
    """
    before = {name: layout.first for name, layout in files.items()}
    with _writers(folder, files) as writers:
        for name, layout in files.items():
            writers[name].write(layout.opening)
        for record in records:
            texts: dict[int, str] = {}
            for name in parts_of(record):
                layout = files[name]
                text = texts.get(id(layout))
                if text is None:
                    text = texts[id(layout)] = layout.text(record)
                writers[name].write(before[name] + text)
                before[name] = layout.between
        for name, layout in files.items():
            writers[name].write(layout.closing)
        return {name: writer.keep(f"{folder}/{name}") for name, writer in writers.items()}


def json_file(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def _schema_files(dataset: opendata.Dataset) -> dict[str, Iterable[str]]:
    return {
        file_name(dataset.slug, SCHEMA_KINDS[convention.kind]): [
            json_file(opendata.table_schema(dataset, convention))
        ]
        for convention in opendata.CONVENTIONS.values()
    }


def _dataset_files(dataset: opendata.Dataset, folder: str) -> dict[str, dict[str, Stored]]:
    *csv_records, json_records = tee(dataset.records(), len(DATA_KINDS))
    files = _schema_files(dataset)
    for kind, records in zip(DATA_KINDS, [*csv_records, json_records], strict=True):
        files[file_name(dataset.slug, kind)] = dataset.layout(kind).chunks(records)
    return write_files(folder, files)


# --- The projects a filter keeps -----------------------------------------------------

# The filters of the projects page whose values are few and known, and the
# value each record has for it, as the filter's form cleans it (a number, a
# stage, 1 or 0): each value's projects are written ahead, beside the whole
# file and from the same records, so that a download filtered by one of them
# is a file served as the others are. A search, a cooperative or several
# filters together are streamed (``serve_streamed``).
FILTERS: dict[str, Callable[[dict], object]] = {
    "pilier": lambda record: record["pilier_numero"],
    "engagement": lambda record: record["engagement_numero"],
    "etape": lambda record: record["etape"],
    "exemplaire": lambda record: int(record["exemplaire"]),
}


def filter_values() -> dict[str, list]:
    """Each value of ``FILTERS`` the projects page offers, read in one query."""
    engagements = list(Engagement.objects.values_list("number", "pillar__number"))
    return {
        "pilier": sorted({pillar for _number, pillar in engagements}),
        "engagement": sorted(number for number, _pillar in engagements),
        "etape": list(opendata.STAGES),
        "exemplaire": [1, 0],
    }


def filtered_file_name(name: str, value: object, kind: str) -> str:
    """The file of the projects whose filter ``name`` has ``value``."""
    return f"{opendata.PROJECTS.slug}.{name}-{value}{KINDS[kind].suffix}"


def filtered_file(values: dict[str, object], kind: str) -> str | None:
    """The file written ahead for the filters ``values`` (name -> cleaned value), if any:
    when exactly one filter is set, and it is one of ``FILTERS``."""
    chosen = {name: value for name, value in values.items() if value not in (None, "")}
    if len(chosen) != 1:
        return None
    ((name, value),) = chosen.items()
    return filtered_file_name(name, value, kind) if name in FILTERS else None


def _projects_files(folder: str) -> dict[str, dict[str, Stored]]:
    """The projects' files: whole, and for each value of ``FILTERS``, in one reading."""
    dataset = opendata.PROJECTS
    layouts = {kind: dataset.layout(kind) for kind in DATA_KINDS}
    files = {file_name(dataset.slug, kind): layout for kind, layout in layouts.items()}
    for name, values in filter_values().items():
        for value in values:
            for kind, layout in layouts.items():
                files[filtered_file_name(name, value, kind)] = layout

    def parts_of(record: dict) -> Iterator[str]:
        for kind in DATA_KINDS:
            yield file_name(dataset.slug, kind)
            for name, value_of in FILTERS.items():
                part = filtered_file_name(name, value_of(record), kind)
                # A value the filters did not offer when the writing began
                # (an engagement added since) is streamed, as any filter.
                if part in files:
                    yield part

    stored = write_files(folder, _schema_files(dataset))
    try:
        return stored | write_parts(folder, dataset.records(), files, parts_of)
    except BaseException:
        file_store.delete_folder(folder)
        raise


def written_files() -> dict[str, Written]:
    """Each dataset file written so far (by file name): its size and dates, from the manifests."""
    found = {}
    for slug in opendata.DATASETS:
        written = manifest(slug)
        if written is None:
            continue
        for name, forms in written.files.items():
            found[name] = Written(
                size=forms[IDENTITY].size,
                issued=written.issued or written.written,
                modified=written.written,
            )
    return found


def catalogue() -> dict:
    """The DCAT catalogue, with the sizes and dates of the dataset files as written."""
    # The datasets' files first, so that the catalogue has their sizes; in the
    # task they were just written (SETS' order), and this reads their manifests.
    for slug in opendata.DATASETS:
        _ensure(slug)
    return dcat_catalogue(written_files())


def _catalogue_files(folder: str) -> dict[str, dict[str, Stored]]:
    return write_files(
        folder,
        {
            CATALOGUE_FILE: [json_file(catalogue())],
            DATA_PACKAGE_FILE: [json_file(data_package())],
        },
    )


# Each set of files written together into a folder, under one stamp: a
# dataset's (the projects' with their filtered files), and the catalogue.
SETS: dict[str, Callable[[str], dict[str, dict[str, Stored]]]] = {
    **{slug: partial(_dataset_files, dataset) for slug, dataset in opendata.DATASETS.items()},
    opendata.PROJECTS.slug: _projects_files,
    CATALOGUE: _catalogue_files,
}


@contextmanager
def _writing_turn(name: str) -> Iterator[None]:
    # One writer of a set at a time among the processes that share the cache
    # (the worker, the requests of a fresh deployment). Writers that do not
    # share it may both write a set: each writing is whole, the last manifest
    # wins, and the other writing is an orphan for purge_orphan_files.
    key, token = f"opendata:writing:{name}", uuid.uuid4().hex
    deadline = time.monotonic() + WRITING_TURN_SECONDS
    while not cache.add(key, token, WRITING_TURN_SECONDS) and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        yield
    finally:
        if cache.get(key) == token:
            cache.delete(key)


def refresh(name: str, stamp: str) -> bool:
    """Write the set ``name`` for ``stamp``, unless it already was; True if written.

    Requests that waited for their turn while the first one wrote a missing
    set find it written for their stamp, and write nothing.
    """
    with _writing_turn(name):
        current = manifest(name)
        if current is not None and current.stamp == stamp:
            return False
        writing = uuid.uuid4().hex
        # The files are the same for every visitor: in the site's language.
        with translation.override(settings.LANGUAGE_CODE):
            files = SETS[name](_folder(name, writing))
        written = Manifest(
            stamp=stamp,
            writing=writing,
            written=int(time.time()),
            files=files,
            previous=current.writing if current is not None else None,
            issued=(current.issued or current.written) if current is not None else None,
        )
        try:
            file_store.replace(_manifest_key(name), written.dumps())
        except BaseException:
            file_store.delete_folder(_folder(name, writing))
            raise
        # The writing before the previous one: no reader has had its manifest
        # for a whole writing.
        if current is not None and current.previous:
            file_store.delete_folder(_folder(name, current.previous))
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


def _ensure(name: str) -> Manifest:
    stamp = current_stamp()
    found = manifest(name)
    if found is None:
        refresh(name, stamp)
        found = manifest(name)
        if found is None:
            raise RuntimeError(f"open-data set {name} written, and its manifest gone")
    elif found.stamp != stamp:
        # Served as it is meanwhile; the worker writes the new one. A queue
        # that cannot be reached does not stop the file from being served.
        try:
            request_refresh(stamp)
        except Exception:
            logger.exception("opendata_refresh_not_queued set=%s", name)
    return found


def _headers(content_type: str, download_as: str | None) -> dict[str, str]:
    headers = {
        "Content-Type": content_type,
        # Kept by browsers and proxies, asked again each time: a 304 is cheap.
        "Cache-Control": "public, no-cache",
        # Public, anonymous data: any web page may fetch it.
        "Access-Control-Allow-Origin": "*",
        "Link": f'<{opendata.LICENCE_URL}>; rel="license"',
    }
    if download_as:
        headers["Content-Disposition"] = f'attachment; filename="{download_as}"'
    return headers


def is_written(name: str, file: str) -> bool:
    """Whether the set ``name`` holds ``file`` (a filtered file of a value it did not know
    when it was written does not)."""
    return file in _ensure(name).files


def serve(
    request: HttpRequest,
    name: str,
    file: str,
    *,
    content_type: str,
    download_as: str | None = None,
) -> HttpResponseBase:
    """The file ``file`` of the set ``name``, as a static file server sends it.

    gzip when the client accepts it, ``ETag`` (from the bytes sent) and
    ``Last-Modified`` (when the set was written) from the manifest, and 304 to
    a client that already has this very file, without reading it.

    The bytes go through the app from either store, never by a redirection to
    a signed link to the bucket: the address stays the public one, with our
    ETag, Last-Modified, gzip and CORS headers, so that clients and proxies
    revalidate it and get a 304; a signed link changes at every request,
    expires within minutes, and answers with the bucket's own headers.
    """
    written = _ensure(name)
    encoding = compression.preferred_encoding(request, [GZIP])
    sent = written.files[file][GZIP if encoding else IDENTITY]
    headers = _headers(content_type, download_as) | {
        "ETag": f'"{sent.etag}"',
        "Last-Modified": http_date(written.written),
        "Vary": "Accept-Encoding",
    }
    if encoding:
        headers["Content-Encoding"] = encoding
    checked = HttpResponse(headers=headers)
    answer = get_conditional_response(
        request, etag=headers["ETag"], last_modified=written.written, response=checked
    )
    if answer is not None and answer is not checked:
        return answer
    response = FileResponse(
        default_storage.open(sent.key, "rb"),
        content_type=content_type,
        filename=download_as or file,
    )
    for header, value in headers.items():
        response[header] = value
    response["Content-Length"] = str(sent.size)
    return response


def serve_streamed(
    request: HttpRequest,
    chunks: Callable[[], Iterable[str]],
    *,
    asked: str,
    content_type: str,
    download_as: str | None = None,
) -> HttpResponseBase:
    """The chunks of a file written as it is sent (``asked`` says which: the filters and
    the kind), with the headers of the files written ahead.

    Its ``ETag`` is that of what was asked under the current stamp: the same
    records until the next publication, as for the files of the store; a
    client that has it gets a 304 without a query.
    """
    digest = hashlib.sha256(f"{current_stamp()}|{asked}".encode()).hexdigest()[:32]
    headers = _headers(content_type, download_as) | {"ETag": f'"{digest}"'}
    checked = HttpResponse(headers=headers)
    answer = get_conditional_response(request, etag=headers["ETag"], response=checked)
    if answer is not None and answer is not checked:
        return answer
    response = StreamingHttpResponse(chunks(), content_type=content_type)
    for header, value in headers.items():
        response[header] = value
    return response
