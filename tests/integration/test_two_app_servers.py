"""Two app servers on one database stay consistent (issue #11, item 5; issue #30).

Two gunicorn processes, each on its own port, share one database and one
object store (the S3-protocol test server, a bucket for the pair), and no
directory: each has a file store location of its own that it must never use.
They run the production settings with the cache in question:

* one file cache per server, as the default production cache gives each
  machine: sessions must then come from the database, and the page cache must
  not serve a page the other server has changed;
* one Redis for both, the recommended setup (skipped where no Redis answers).

A logout through server 1 must end the session on server 2, a change
published through server 1 must show at once on server 2, and the files a
publication through server 1 writes (the open-data files, the cooperative's
PDF) must be served by server 2.
"""

import http.client
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import boto3
import pytest
from django.conf import settings
from django.urls import reverse

from tests import factories
from tests.file_store_support import ACCESS_KEY, REGION, SECRET_KEY, make_bucket

pytestmark = pytest.mark.integration

START_SECONDS = 20
# A validation through a server makes the cooperative's PDF and writes the
# open-data files in the request (the tasks run at once): more than a page.
REQUEST_SECONDS = 30
# A database number of its own: the tests flush it, and it alone.
REDIS_URL = "redis://127.0.0.1:6379/13"
USERNAME = "alice"
REVIEWER = "relectrice"


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _redis_answers():
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1) as connection:
            connection.sendall(b"PING\r\n")
            return connection.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def _production_env(database_url, cache_url):
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DJANGO_ALLOW_ASYNC_UNSAFE", "CACHE_URL", "REDIS_URL", "SINGLE_APP_SERVER"}
    }
    return {
        **env,
        "DJANGO_SETTINGS_MODULE": "tests.integration.server_settings",
        "DEBUG": "false",
        "SECRET_KEY": "two-servers-only-secret-key-not-for-production-0123456789",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SITE_URL": "http://127.0.0.1",
        "DATABASE_URL": database_url,
        "CACHE_URL": cache_url,
        # Plain HTTP on loopback: no TLS redirect, cookies without Secure.
        "BEHIND_HTTPS_PROXY": "false",
        "SECURE_SSL_REDIRECT": "false",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
        "SECURE_HSTS_SECONDS": "0",
        "SECOND_FACTOR_REQUIRED": "false",
        "TASKS_BACKEND": "immediate",
        "LOG_LEVEL": "WARNING",
    }


def _object_store_env(endpoint, bucket, own_location):
    """The file store in the bucket; ``own_location``, the disk store's, is the server's own."""
    return {
        "FILE_STORE_BUCKET": bucket,
        "FILE_STORE_ENDPOINT": endpoint,
        "FILE_STORE_REGION": REGION,
        "FILE_STORE_ACCESS_KEY": ACCESS_KEY,
        "FILE_STORE_SECRET_KEY": SECRET_KEY,
        "MEDIA_ROOT": str(own_location),
    }


def _manage(env, *args):
    """``manage.py`` run with ``env``; what it printed."""
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        check=True,
        capture_output=True,
        timeout=60,
    ).stdout.decode()


@pytest.fixture(scope="module")
def database_url(tmp_path_factory):
    """A migrated SQLite file: the reference data, Alice, référente of a cooperative, a reviewer
    and an open campaign."""
    url = f"sqlite:///{tmp_path_factory.mktemp('two-servers') / 'db.sqlite3'}"
    env = _production_env(url, "dummy://")
    _manage(env, "migrate", "--noinput", "-v0")
    _manage(env, "loaddata", "reference", "cooperatives", "campaign_2024", "-v0")
    _manage(
        env,
        "shell",
        "--no-imports",
        "-c",
        "from tests import factories; "
        "factories.make_user("
        f"{USERNAME!r}, coop=factories.make_coop('Coopérative Alpha'), first_name='Alice'); "
        f"factories.make_reviewer({REVIEWER!r}); "
        "factories.make_campaign('Campagne des deux serveurs', minimum=1)",
    )
    return url


@dataclass
class Server:
    """One app server: a gunicorn process on its port, with its environment."""

    env: dict = field(repr=False)
    log: Path
    port: int = field(default_factory=_free_port)
    process: subprocess.Popen | None = None

    def start(self):
        # To a file, not a pipe: a pipe nobody reads would stall the server once full.
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [
                    os.path.join(os.path.dirname(sys.executable), "gunicorn"),
                    "qualicoop.wsgi",
                    "--workers",
                    "1",
                    "--bind",
                    f"127.0.0.1:{self.port}",
                    "--timeout",
                    str(REQUEST_SECONDS),
                    "--graceful-timeout",
                    "1",
                ],
                cwd=settings.BASE_DIR,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def wait_until_ready(self):
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"gunicorn stopped: {self.log.read_text()}")
            try:
                if self.request("GET", "/healthz").status == 200:
                    return
            except OSError:
                time.sleep(0.1)
        pytest.fail(f"gunicorn on port {self.port} not ready within {START_SECONDS} s")

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)

    def request(self, method, path, *, cookies=None, form=None, headers=None, body=None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=REQUEST_SECONDS)
        try:
            sent = {"Host": "127.0.0.1", **(headers or {})}
            if cookies:
                sent["Cookie"] = "; ".join(f"{name}={value}" for name, value in cookies.items())
            if form is not None:
                body = urlencode(form)
                sent["Content-Type"] = "application/x-www-form-urlencoded"
            connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            return Answer(
                status=response.status,
                location=response.getheader("Location", ""),
                cookies=_cookies(response.headers.get_all("Set-Cookie") or []),
                body=response.read().decode(),
            )
        finally:
            connection.close()


@dataclass
class Answer:
    status: int
    location: str
    cookies: dict
    body: str


def _cookies(set_cookie_headers):
    jar = SimpleCookie()
    for header in set_cookie_headers:
        jar.load(header)
    return {name: morsel.value for name, morsel in jar.items()}


CACHES = {
    "a file cache per server": lambda number, tmp_path: f"file://{tmp_path / f'cache-{number}'}",
    "one Redis for both": lambda number, tmp_path: REDIS_URL,
}


@pytest.fixture
def bucket(s3_server):
    return make_bucket(s3_server)


@pytest.fixture(params=list(CACHES))
def servers(request, database_url, s3_server, bucket, tmp_path):
    if request.param == "one Redis for both":
        if not _redis_answers():
            pytest.skip("no Redis on 127.0.0.1:6379")
        _flush_redis()
    pair = [
        Server(
            {
                **_production_env(database_url, CACHES[request.param](number, tmp_path)),
                **_object_store_env(s3_server, bucket, tmp_path / f"disk-{number}"),
            },
            log=tmp_path / f"gunicorn-{number}.log",
        )
        for number in (1, 2)
    ]
    try:
        for server in pair:
            server.start()
        for server in pair:
            server.wait_until_ready()
        yield pair
    finally:
        for server in pair:
            if server.process is not None:
                server.stop()
        if request.param == "one Redis for both":
            _flush_redis()


def _flush_redis():
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()


def _sign_in(server, username=USERNAME):
    login = reverse("accounts:login")
    form_page = server.request("GET", login)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form_page.body).group(1)
    signed_in = server.request(
        "POST",
        login,
        cookies=form_page.cookies,
        form={"username": username, "password": factories.PASSWORD, "csrfmiddlewaretoken": token},
    )
    assert signed_in.status == 302, signed_in.body
    assert settings.SESSION_COOKIE_NAME in signed_in.cookies
    return {**form_page.cookies, **signed_in.cookies}


def _signed_in_on(server, cookies):
    """Whether a page for signed-in people only opens with ``cookies``."""
    answer = server.request("GET", reverse("accounts:password_change"), cookies=cookies)
    assert answer.status in (200, 302)
    return answer.status == 200


def test_a_logout_through_one_server_ends_the_session_on_the_other(servers):
    first, second = servers
    cookies = _sign_in(first)
    # Server 2 reads the session once, as a visit would, and may keep it.
    assert _signed_in_on(second, cookies)

    signed_out = first.request(
        "POST",
        reverse("accounts:logout"),
        cookies=cookies,
        headers={"X-CSRFToken": cookies[settings.CSRF_COOKIE_NAME]},
    )

    assert signed_out.status == 302
    assert not _signed_in_on(first, cookies)
    assert not _signed_in_on(second, cookies)


def test_a_change_published_through_one_server_shows_at_once_on_the_other(servers):
    first, second = servers
    # The database outlives one pair of servers: a title of this pair's own.
    new_title = f"Titre publié par le serveur du port {first.port}"
    assert new_title not in second.request("GET", "/engagements/1/").body
    # Twice: the second visit may come from server 2's page cache.
    assert new_title not in second.request("GET", "/engagements/1/").body

    # An administrator's edit, made by server 1 with its own settings and cache.
    _manage(
        first.env,
        "shell",
        "--no-imports",
        "-c",
        "from commitments.models import Engagement; "
        "engagement = Engagement.objects.get(number=1); "
        f"engagement.title = {new_title!r}; engagement.save()",
    )

    assert new_title in second.request("GET", "/engagements/1/").body


def _bucket_objects(endpoint, bucket):
    """Every object of the pair's bucket: key -> bytes, read past the servers."""
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
    )
    listed = client.list_objects_v2(Bucket=bucket).get("Contents", [])
    return {
        entry["Key"]: client.get_object(Bucket=bucket, Key=entry["Key"])["Body"].read()
        for entry in listed
    }


def _current_file(objects, set_name, name):
    """The bytes and ETag the set's manifest names for ``name`` (the form sent as it is)."""
    stored = json.loads(objects[f"opendata/{set_name}.json"])["files"][name]["identity"]
    return objects[stored["key"]], f'"{stored["etag"]}"'


def test_files_written_by_a_publication_on_one_server_are_served_by_the_other(
    servers, s3_server, bucket, tmp_path
):
    first, second = servers
    name = f"Coopérative du port {first.port}"
    created = _manage(
        first.env,
        "shell",
        "--no-imports",
        "-c",
        "from commitments import workflow; from commitments.models import Campaign; "
        "from tests import factories; "
        f"coop = factories.make_coop({name!r}); "
        "selection = factories.make_selection(coop, Campaign.objects.current(), numbers=[1]); "
        "workflow.submit_selection(selection=selection, by=None); "
        "print('créée', coop.slug, selection.pk)",
    )
    # The last line: the shell may have logged before.
    slug, selection = re.search(r"^créée (\S+) (\d+)$", created, re.M).groups()
    csv_path = reverse("discovery:opendata_csv")
    # The files are written once before (the first download): a publication
    # writes again the sets already written.
    before = second.request("GET", csv_path)
    assert before.status == 200
    assert name not in before.body

    reviewer = _sign_in(first, REVIEWER)
    decided = first.request(
        "POST",
        reverse("federation:decide", args=[selection]),
        cookies=reviewer,
        form={"decision": "valider", "message": "Validée par le serveur 1."},
        headers={"X-CSRFToken": reviewer[settings.CSRF_COOKIE_NAME]},
    )
    assert decided.status == 302, decided.body

    # Written by server 1's publication, into the bucket, before server 2 is asked.
    objects = _bucket_objects(s3_server, bucket)
    written, etag = _current_file(objects, "projets", "projets.csv")
    assert name in written.decode()
    pdfs = [key for key in objects if key.startswith("documents/cooperatives/")]
    assert len(pdfs) == 1

    served = second.request("GET", csv_path)
    assert served.status == 200
    assert served.body.encode() == written
    assert second.request("GET", csv_path, headers={"If-None-Match": etag}).status == 304
    pdf = second.request("GET", reverse("documents:cooperative_pdf", args=[slug]))
    # Server 2 sends the reader to the very object server 1 kept, by a signed link.
    assert pdf.status == 302
    assert urlsplit(pdf.location).path == f"/{bucket}/{pdfs[0]}"
    with urllib.request.urlopen(pdf.location, timeout=REQUEST_SECONDS) as signed:  # noqa: S310
        assert signed.read() == objects[pdfs[0]]
    assert objects[pdfs[0]].startswith(b"%PDF")
    # Neither server wrote anything on its own disk.
    assert not (tmp_path / "disk-1").exists()
    assert not (tmp_path / "disk-2").exists()
