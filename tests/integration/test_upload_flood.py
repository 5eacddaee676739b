"""Four swollen workbooks at once no longer take the portal down.

A 170 KB workbook whose sheet unpacks to 40 MB once kept a web worker busy
until gunicorn killed it; four at once left no worker for anybody. On an app
server with two workers, run as in production, with the tasks run in the
request itself (the worst case: no worker process to hand them to), four such
uploads are answered within seconds, each refused in French from the zip's
declared sizes, while the home page keeps answering.
"""

import io
import re
import threading
import time
import uuid

import pytest
from django.urls import reverse
from openpyxl import Workbook

from tests.integration.support import manage
from tests.integration.test_two_app_servers import Server, _production_env, _sign_in
from tests.unit.test_spreadsheet_import import SHEET_START, _with_sheet

pytestmark = pytest.mark.integration

UPLOADS = 4
# Seconds: a refusal read from the zip's directory takes milliseconds; the
# bound leaves room for a loaded machine, far below the 30 s that killed workers.
ANSWER_WITHIN = 8
SLUG = "cooperative-alpha"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(scope="module")
def database_url(tmp_path_factory):
    """A migrated SQLite file: Alice, référente of Alpha, with a draft in an open campaign."""
    url = f"sqlite:///{tmp_path_factory.mktemp('flood') / 'db.sqlite3'}"
    env = _production_env(url, "dummy://")
    manage(env, "migrate", "--noinput", "-v0", timeout=180)
    manage(env, "loaddata", "reference", "-v0")
    manage(
        env,
        "shell",
        "--no-imports",
        "-c",
        "from tests import factories; "
        "coop = factories.make_coop('Coopérative Alpha'); "
        "factories.make_user('alice', coop=coop, first_name='Alice'); "
        "factories.make_selection(coop, factories.make_campaign(), numbers=[1, 2])",
    )
    return url


@pytest.fixture
def server(database_url, tmp_path):
    app = Server(
        _production_env(database_url, f"file://{tmp_path / 'cache'}"),
        log=tmp_path / "gunicorn.log",
    )
    app.start()
    try:
        app.wait_until_ready()
        yield app
    finally:
        app.stop()


def _swollen_workbook():
    """A real workbook whose sheet is a 40 MB comment, compressed to a few hundred KB."""
    book = io.BytesIO()
    Workbook().save(book)
    comment = SHEET_START + b"<!--" + b"x" * (40 * 1024 * 1024) + b"--><sheetData/></worksheet>"
    return _with_sheet(book.getvalue(), comment)


def _multipart(fields, name, filename, content):
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode()
        for key, value in fields.items()
    ]
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
        f"Content-Type: {XLSX}\r\n\r\n"
    )
    parts.append(head.encode() + content + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def test_four_swollen_workbooks_at_once_are_refused_while_the_site_answers(server):
    cookies = _sign_in(server)
    page = reverse("workspace:spreadsheet_import", args=[SLUG])
    form = server.request("GET", page, cookies=cookies)
    assert form.status == 200, form.body[:500]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.body).group(1)
    body, content_type = _multipart(
        {"csrfmiddlewaretoken": token}, "fichier", "selection.xlsx", _swollen_workbook()
    )
    assert len(body) < 500 * 1024

    answers, home = [], []
    stop = threading.Event()

    def upload():
        started = time.monotonic()
        answer = server.request(
            "POST",
            page,
            cookies=cookies,
            body=body,
            headers={"Content-Type": content_type, "Referer": f"http://127.0.0.1{page}"},
        )
        answers.append((answer, time.monotonic() - started))

    def visit_home():
        while not stop.is_set():
            started = time.monotonic()
            home.append((server.request("GET", "/").status, time.monotonic() - started))
            time.sleep(0.1)

    visitor = threading.Thread(target=visit_home)
    visitor.start()
    uploads = [threading.Thread(target=upload) for _ in range(UPLOADS)]
    for thread in uploads:
        thread.start()
    for thread in uploads:
        thread.join(timeout=60)
    stop.set()
    visitor.join(timeout=30)

    assert len(answers) == UPLOADS
    for answer, seconds in answers:
        assert answer.status == 302, answer.body[:500]
        assert seconds < ANSWER_WITHIN, f"an upload took {seconds:.1f} s"
        job = server.request("GET", answer.location, cookies=cookies)
        assert "trop volumineux une fois décompressé" in job.body
    assert home, "the home page was never asked"
    assert {status for status, _seconds in home} == {200}
    assert max(seconds for _status, seconds in home) < ANSWER_WITHIN
