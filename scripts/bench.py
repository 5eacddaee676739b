"""`make bench`: load the portal served by gunicorn with wrk and print one table.

For each size (number of synthetic cooperatives) it builds a dedicated
database (SQLite file under var/, or a `<name>_bench_<size>` database on the
PostgreSQL server of DATABASE_URL), fills it with `generate_bulk`, serves the
app with production settings (DEBUG=False, 2 sync workers, loopback only),
and measures every endpoint against a floor: a static file served by
whitenoise from the same server. Query counts come from rendering each page
once in-process with the page cache off. Results go to docs/benchmarks.md.

Every load is bounded (wrk -d, 127.0.0.1 only); the server is stopped at the end.
"""

import argparse
import gzip
import http.cookiejar
import json
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

from dburl import database_name, with_database

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
PORT = 8765
BASE = f"http://127.0.0.1:{PORT}"
DEMO_PASSWORD = "qualicoop-demo"  # the public demo password (create_demo_accounts)

ANONYMOUS = [
    ("/", "Accueil"),
    ("/engagements/1/", "Engagement 1"),
    ("/cooperatives/grand-delta-habitat/", "Profil de coopérative"),
    ("/cooperatives/", "Annuaire"),
    ("/projets/?q=coop%C3%A9rateur", "Recherche"),
    ("/projets/?q=coop%C3%A9rateur&engagement=7&pilier=2", "Recherche + filtres"),
    ("/projets/?engagement=3&page=2", "Filtres seuls"),
    ("/statistiques/", "Statistiques"),
    ("/projets/1/", "Page d'un projet"),
    ("/projets/{evidence}/", "Page d'un projet avec pièces"),
    ("/reseau-en-chiffres/", "Le réseau en chiffres"),
    ("/donnees/projets.json?engagement=1", "Données ouvertes JSON, un filtre (fichier)"),
    ("/donnees/projets.json?engagement=1&exemplaire=0", "Données ouvertes JSON, 2 filtres (flux)"),
]
# The whole file, written ahead (opendata_files), against the very same bytes
# served by whitenoise: the floor of a file that size. Both asked gzip, as a
# harvester asks them.
OPENDATA_FILE = "/donnees/projets.json"
OPENDATA_STATIC = "/static/bench/projets.json"
# The projects of one engagement, written ahead: the same against its own bytes.
OPENDATA_FILTERED = "/donnees/projets.json?engagement=1"
OPENDATA_FILTERED_FILE = "projets.engagement-1.json"
OPENDATA_FILTERED_STATIC = f"/static/bench/{OPENDATA_FILTERED_FILE}"
# Pages people work in. {project} and {submitted} are filled in per database
# (`placeholders`): one of demo's projects, the oldest submitted selection.
WORKSPACE = "/espace/cooperative-de-demonstration"
LOGGED_IN = [
    ("demo", f"{WORKSPACE}/", "Espace : tableau de bord (demo)"),
    ("demo", f"{WORKSPACE}/engagements/", "Espace : choix (demo)"),
    ("demo", f"{WORKSPACE}/engagements/1/", "Espace : engagement (demo)"),
    ("demo", f"{WORKSPACE}/projets/{{project}}/modifier/", "Espace : éditeur de projet (demo)"),
    ("demo", f"{WORKSPACE}/comparaison/", "Espace : comparaison avec les pairs (demo)"),
    ("federation", "/federation/", "File de la fédération"),
    ("federation", "/federation/selections/{submitted}/", "Revue d'une sélection"),
    ("federation", "/federation/tableau-de-bord/", "Tableau de bord de la fédération"),
]
# What every browser sends: pages, the floor included, are asked as a browser
# asks them. The open-data files are asked gzip, as a harvester asks them.
BROWSER = "gzip, deflate, br"
# A client that accepts no compression (curl, some harvesters): the biggest
# cached page measured once more that way.
PLAIN = [("/statistiques/", "Statistiques (client sans compression)")]
# Measured again with the page cache off: what the first visitor after a
# publication pays (every publication empties the page cache), and a search
# no one asked before.
UNCACHED = [
    ("/", "Accueil (sans cache de pages)"),
    ("/statistiques/", "Statistiques (sans cache de pages)"),
    ("/engagements/1/", "Engagement 1 (sans cache de pages)"),
    ("/reseau-en-chiffres/", "Le réseau en chiffres (sans cache de pages)"),
    ("/projets/?q=coop%C3%A9rateur", "Recherche (sans cache de pages)"),
    ("/projets/?q=coop%C3%A9rateur&engagement=7&pilier=2", "Recherche + filtres (sans cache)"),
]
# The one-line logged-in page the logged-in ones are compared with (`in_process`).
MINIMAL = "/__bench__/minimal/"
# Renderings timed in process per page; --quick: fewer, and 3 s of wrk per address.
RUNS = 30
QUICK_RUNS = 5
QUICK_SECONDS = 3


def database_url_for(size):
    base = os.environ.get("DATABASE_URL", "")
    if not base:
        return f"sqlite:///var/bench-{size}.sqlite3"
    return with_database(base, f"{database_name(base)}_bench_{size}")


def reset_database(url):
    parts = urllib.parse.urlsplit(url)
    if parts.scheme == "sqlite":
        path = ROOT / parts.path[1:]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.unlink(missing_ok=True)
        return
    import psycopg

    name = database_name(url)
    admin = with_database(url, "postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def manage(env, *args, quiet=True):
    subprocess.run(
        [PY, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL if quiet else None,
        stderr=subprocess.DEVNULL if quiet else None,
    )


def server_env(url):
    return {
        **os.environ,
        "DATABASE_URL": url,
        "DEBUG": "false",
        "SECRET_KEY": "bench-only-secret-key-not-for-production-0123456789abcdef",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        # Plain HTTP on loopback: no TLS redirect, cookies without Secure.
        "SECURE_SSL_REDIRECT": "false",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
        # The virtual reviewers sign in with their password: the second factor's
        # pages are not what is measured.
        "SECOND_FACTOR_REQUIRED": "false",
        "SECURE_HSTS_SECONDS": "0",
        "LOG_LEVEL": "WARNING",
        "CACHE_URL": f"file://{ROOT / 'var' / 'bench-cache'}",
        # The file store (open-data files included) of the bench's own.
        "MEDIA_ROOT": str(ROOT / "var" / "bench-files"),
        # One gunicorn, whose workers share the file cache: sessions and pages from it.
        "SINGLE_APP_SERVER": "true",
        "SITE_URL": BASE,
    }


def prepare(size, env):
    print(f"== {size} coopératives : base {env['DATABASE_URL']}", flush=True)
    reset_database(env["DATABASE_URL"])
    shutil.rmtree(ROOT / "var" / "bench-cache", ignore_errors=True)
    shutil.rmtree(ROOT / "var" / "bench-files", ignore_errors=True)
    manage(env, "migrate", "--noinput")
    manage(env, "loaddata", "reference", "cooperatives", "campaign_2024")
    manage(env, "create_demo_accounts", "--force")
    started = time.monotonic()
    manage(env, "generate_bulk", "--cooperatives", str(size))
    generated = time.monotonic() - started
    manage(env, "collectstatic", "--noinput")
    demo_content(env)
    return generated


def demo_content(env):
    """Give demo's draft real content, so the editor pages are measured full."""
    code = (
        "from commitments.models import Choice, Engagement, Project, Selection\n"
        "s = Selection.objects.filter(cooperative__slug='cooperative-de-demonstration')"
        ".latest('pk')\n"
        "for e in Engagement.objects.all()[:10]:\n"
        "    c, _ = Choice.objects.get_or_create(selection=s, engagement=e)\n"
        "    for i in range(3):\n"
        "        Project.objects.create(choice=c, title=f'Projet {e.number}.{i}',"
        " description='Description ' * 40, position=i)\n"
    )
    subprocess.run([PY, "manage.py", "shell", "-c", code], cwd=ROOT, env=env, check=True)
    evidence_content(env)


def evidence_content(env):
    """Accepted public pieces on a published project of PDF_COOPERATIVE: its page shows
    them, and its dossier holds them."""
    code = (
        "from django.core.files.base import ContentFile\n"
        "from django.core.files.storage import default_storage\n"
        "from commitments.models import Evidence, EvidenceStatus, Project\n"
        "project = Project.objects.published().filter(choice__selection__cooperative__slug="
        f"{PDF_COOPERATIVE!r}).order_by('pk').first()\n"
        "coop = project.choice.selection.cooperative\n"
        "data = b'%PDF-1.4 ' + b'piece ' * 20000\n"
        "for i in range(5):\n"
        "    key = default_storage.save(f'evidence/{coop.pk}/bench-{i}', ContentFile(data))\n"
        "    Evidence.objects.create(cooperative=coop, project=project, title=f'Pièce {i}',"
        " public=True, key=key, original_name=f'piece-{i}.pdf', content_type='application/pdf',"
        " size=len(data), sha256='0' * 64, status=EvidenceStatus.ACCEPTED)\n"
    )
    subprocess.run([PY, "manage.py", "shell", "-c", code], cwd=ROOT, env=env, check=True)


def start_server(env):
    proc = subprocess.Popen(
        [
            PY,
            "-m",
            "gunicorn",
            "qualicoop.wsgi",
            "--workers",
            "2",
            "--worker-class",
            "sync",
            "--bind",
            f"127.0.0.1:{PORT}",
            "--log-level",
            "warning",
        ],  # fmt: skip
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    for _ in range(100):
        try:
            urllib.request.urlopen(f"{BASE}/healthz", timeout=1)  # noqa: S310 - loopback
            return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("gunicorn did not answer on /healthz")


def session_cookie(username):
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{BASE}/compte/connexion/").read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    data = urllib.parse.urlencode(
        {"username": username, "password": DEMO_PASSWORD, "csrfmiddlewaretoken": token}
    ).encode()
    request = urllib.request.Request(
        f"{BASE}/compte/connexion/", data=data, headers={"Referer": f"{BASE}/compte/connexion/"}
    )
    opener.open(request)
    cookies = {cookie.name: cookie.value for cookie in jar}
    if "sessionid" not in cookies:
        raise SystemExit(f"login as {username} failed")
    return "; ".join(f"{name}={value}" for name, value in cookies.items())


def fetch(path, cookie=None, accept=None):
    """One request to the server under test: status, Content-Encoding and body as sent."""
    headers = {"Accept-Encoding": accept} if accept else {}
    if cookie:
        headers["Cookie"] = cookie
    request = urllib.request.Request(BASE + path, headers=headers)
    with urllib.request.urlopen(request) as response:  # noqa: S310 - loopback
        return response.status, response.headers.get("Content-Encoding"), response.read()


def compressed_size(path, cookie=None):
    status, encoding, body = fetch(path, cookie, "gzip")
    encoded = encoding == "gzip"
    # Whitenoise serves static files pre-compressed; pages are compressed as a
    # proxy would (gzip level 6) to count what travels.
    size = len(body) if encoded else len(gzip.compress(body, 6))
    return status, size, (gzip.decompress(body) if encoded else body)


def wrk(path, seconds, cookie=None, accept=BROWSER):
    cmd = ["wrk", "-t2", "-c16", f"-d{seconds}s", "--latency", "--timeout", "5s"]
    if cookie:
        cmd += ["-H", f"Cookie: {cookie}"]
    if accept:
        cmd += ["-H", f"Accept-Encoding: {accept}"]
    out = subprocess.run(cmd + [BASE + path], capture_output=True, text=True, check=True).stdout

    def latency(label):
        match = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        value, unit = float(match.group(1)), match.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return rps, latency("50"), latency("99"), int(errors.group(1)) if errors else 0


IN_PROCESS = """
import json, statistics, sys, time, types
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.db import connection
from django.http import HttpResponse
from django.template import engines
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import clear_url_caches, include, path

# The minimal logged-in view: the same middleware, the session and the user
# loaded, a one-line template rendered with the request's context.
line = engines["django"].from_string("<p>{{ request.user.get_username }}</p>")

@login_required
def minimal(request):
    return HttpResponse(line.render({}, request))

urls = types.ModuleType("bench_urls")
urls.urlpatterns = [path("__bench__/minimal/", minimal), path("", include(settings.ROOT_URLCONF))]
sys.modules["bench_urls"] = urls
settings.ROOT_URLCONF = "bench_urls"
clear_url_caches()

results = {}
for user, path_ in json.loads(sys.argv[-1]):
    client = Client()
    if user:
        client.force_login(User.objects.get(username=user))
    for _ in range(3):
        client.get(path_)
    with CaptureQueriesContext(connection) as ctx:
        status = client.get(path_).status_code
    queries = len(ctx)
    times = []
    # A slow page (a whole download) is timed three times, not thirty.
    while len(times) < RUNS and (len(times) < 3 or sum(times) < 3000):
        start = time.perf_counter()
        client.get(path_)
        times.append((time.perf_counter() - start) * 1000)
    results[path_] = {"queries": queries, "ms": statistics.median(times), "status": status}
print(json.dumps(results))
"""


def in_process(env, targets, runs=30):
    """Queries and median service time of each page, rendered in-process without page cache.

    Logged-in pages are then compared with ``MINIMAL``, served by the same
    settings and middleware: the ratio says what each page costs beyond
    loading a session and a user, whatever the speed of the machine.
    """
    local = {**env, "PUBLIC_PAGE_CACHE": "false", "DEBUG": "false", "SECURE_SSL_REDIRECT": "false"}
    local["ALLOWED_HOSTS"] = "testserver"
    code = IN_PROCESS.replace("RUNS", str(runs))
    out = subprocess.run(
        [PY, "-c", "import django, os, sys;"
         "os.environ.setdefault('DJANGO_SETTINGS_MODULE','qualicoop.settings');django.setup();"
         f"exec({code!r})", json.dumps(targets)],
        cwd=ROOT, env=local, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return json.loads(out.stdout.strip().splitlines()[-1])


def placeholders(env):
    """The pks the logged-in paths need, read from the bench database."""
    code = (
        "import json\n"
        "from commitments.models import Project, Selection\n"
        "project = Project.objects.filter(choice__selection__cooperative__slug="
        "'cooperative-de-demonstration').order_by('pk').first()\n"
        "submitted = Selection.objects.filter(status='submitted').order_by('submitted_at', 'pk')"
        ".first()\n"
        "evidence = Project.objects.published().filter(evidence__public=True).order_by('pk')"
        ".first()\n"
        "print(json.dumps({'project': project.pk, 'submitted': submitted.pk,"
        " 'evidence': evidence.pk}))\n"
    )
    out = subprocess.run(
        [PY, "manage.py", "shell", "-c", code],
        cwd=ROOT, env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return json.loads(out.stdout.strip().splitlines()[-1])


PDF_COOPERATIVE = "grand-delta-habitat"


def pdf_seconds(env, runs=3):
    """Seconds to make one cooperative's Quali'Coop PDF (target: under 2 s), run after run.

    In-process, as the task worker does it; the first run pays WeasyPrint's
    start (fonts, Pango), as a worker's first PDF does.
    """
    code = (
        "import json, time\n"
        "from commitments.models import Selection\n"
        "from qualicoop.documents import cooperative\n"
        "from qualicoop.documents.models import CooperativeDocument\n"
        f"selection = Selection.objects.published().get(cooperative__slug={PDF_COOPERATIVE!r})\n"
        "times = []\n"
        f"for _ in range({runs}):\n"
        "    CooperativeDocument.objects.filter(selection=selection).delete()\n"
        "    start = time.perf_counter()\n"
        "    cooperative.refresh(selection.pk)\n"
        "    times.append(time.perf_counter() - start)\n"
        "print(json.dumps(times))\n"
    )
    local = {**env, "LOG_LEVEL": "WARNING"}
    out = subprocess.run(
        [PY, "manage.py", "shell", "-c", code],
        cwd=ROOT, env=local, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return json.loads(out.stdout.strip().splitlines()[-1])


def dossier_seconds(env, runs=2):
    """Seconds the worker takes to make the dossier de révision of PDF_COOPERATIVE (its
    cycles' PDFs, its accepted pieces, the index), run after run."""
    code = (
        "import json, time\n"
        "from coops.models import Cooperative\n"
        "from qualicoop.documents import dossier\n"
        f"cooperative = Cooperative.objects.get(slug={PDF_COOPERATIVE!r})\n"
        "times = []\n"
        f"for _ in range({runs}):\n"
        "    start = time.perf_counter()\n"
        "    dossier.build(cooperative)\n"
        "    times.append(time.perf_counter() - start)\n"
        "print(json.dumps(times))\n"
    )
    out = subprocess.run(
        [PY, "manage.py", "shell", "-c", code],
        cwd=ROOT, env={**env, "LOG_LEVEL": "WARNING"}, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return json.loads(out.stdout.strip().splitlines()[-1])


def pdf_only():
    """`make bench BENCH_ARGS=--pdf-only`: the PDF measurement alone, on the reference data."""
    env = server_env(database_url_for("pdf"))
    reset_database(env["DATABASE_URL"])
    manage(env, "migrate", "--noinput")
    manage(env, "loaddata", "reference", "cooperatives", "campaign_2024")
    times = pdf_seconds(env)
    print(
        f"PDF de {PDF_COOPERATIVE} : "
        + ", ".join(f"{seconds:.2f} s" for seconds in times)
        + " (objectif : moins de 2 s)"
    )


def worker_rss_mb(proc):
    children = subprocess.run(
        ["pgrep", "-P", str(proc.pid)], capture_output=True, text=True, check=False
    ).stdout.split()
    sizes = []
    for pid in children:
        status = Path(f"/proc/{pid}/status").read_text()
        sizes.append(int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) / 1024)
    return max(sizes) if sizes else 0.0


def floor_path(env):
    manifest = json.loads((ROOT / "staticfiles" / "staticfiles.json").read_text())
    return "/static/" + manifest["paths"]["img/favicon.svg"]


def home_transfer():
    _, html_size, html = compressed_size("/")
    total = html_size
    for asset in re.findall(rb'(?:href|src)="(/static/[^"]+\.(?:css|js))"', html):
        total += compressed_size(asset.decode())[1]
    return total


def measure(label, path, seconds, cookie, floor_rps, timing, accept=BROWSER):
    status, size_bytes, body = compressed_size(path, cookie)
    # Asked once as wrk will ask: the page cache then holds the form wrk gets.
    fetch(path, cookie, accept)
    rps, p50, p99, errors = wrk(path, seconds, cookie, accept)
    floor_rps = floor_rps or rps
    row = {
        "label": label,
        "path": path,
        "status": status,
        "rps": rps,
        "p50": p50,
        "p99": p99,
        "ratio": rps / floor_rps,
        "queries": timing.get("queries", 0),
        "ms": timing.get("ms"),
        "size": size_bytes,
        "raw": len(body),
        "errors": errors,
    }
    print(
        f"  {label:38} {rps:8.0f} req/s  p50 {p50:6.1f} ms  p99 {p99:6.1f} ms"
        f"  ×{row['ratio']:4.2f}  {row['queries']:3} req SQL"
        f"  {size_bytes / 1024:6.1f} Ko  erreurs {errors}",
        flush=True,
    )
    return row


def opendata_floor(env):
    """Write the open-data files now, and put a copy of the JSON where whitenoise serves it."""
    target = ROOT / "staticfiles" / "bench"
    target.mkdir(parents=True, exist_ok=True)
    code = (
        "from pathlib import Path\n"
        "from qualicoop.lib import file_store\n"
        "from qualicoop.public import opendata_files as f\n"
        "for name in f.SETS: f.refresh(name, f.current_stamp())\n"
        "files = f.manifest('projets').files\n"
        f"for file in ('projets.json', {OPENDATA_FILTERED_FILE!r}):\n"
        "    for form, name in ((f.IDENTITY, file), (f.GZIP, file + '.gz')):\n"
        f"        Path({str(target)!r}, name).write_bytes(file_store.read(files[file][form].key))\n"
    )
    subprocess.run([PY, "manage.py", "shell", "-c", code], cwd=ROOT, env=env, check=True)


def run_size(size, seconds, reuse=False, runs=30):
    env = server_env(database_url_for(size))
    if reuse:
        print(f"== {size} coopératives : base existante {env['DATABASE_URL']}", flush=True)
        shutil.rmtree(ROOT / "var" / "bench-cache", ignore_errors=True)
        manage(env, "collectstatic", "--noinput")
        generated = None
    else:
        generated = prepare(size, env)
    pks = placeholders(env)
    logged_in = [(user, path.format(**pks), label) for user, path, label in LOGGED_IN]
    anonymous = [(None, path.format(**pks), label) for path, label in ANONYMOUS]
    timings = in_process(
        env,
        [(user, path) for user, path, _ in anonymous + logged_in] + [("demo", MINIMAL)],
        runs,
    )
    minimal_ms = timings[MINIMAL]["ms"]
    opendata_floor(env)
    proc = start_server(env)
    rows = []
    try:
        cookies = {user: session_cookie(user) for user in {u for u, _, _ in logged_in}}
        floor = measure("Plancher (fichier statique)", floor_path(env), seconds, None, None, {})
        rows.append(floor)
        for user, path, label in anonymous + logged_in:
            rows.append(
                measure(label, path, seconds, cookies.get(user), floor["rps"], timings[path])
            )
        same_file = measure(
            "Le même fichier, servi en statique", OPENDATA_STATIC, seconds, None, floor["rps"],
            {}, accept="gzip",
        )  # fmt: skip
        served = measure(
            "Données ouvertes JSON (fichier)", OPENDATA_FILE, seconds, None, floor["rps"], {},
            accept="gzip",
        )  # fmt: skip
        served["versus_static_file"] = served["rps"] / same_file["rps"]
        same_filtered = measure(
            "Le fichier d'un filtre, servi en statique", OPENDATA_FILTERED_STATIC, seconds, None,
            floor["rps"], {}, accept="gzip",
        )  # fmt: skip
        filtered = measure(
            "Données ouvertes JSON, un filtre (gzip)", OPENDATA_FILTERED, seconds, None,
            floor["rps"], {}, accept="gzip",
        )  # fmt: skip
        filtered["versus_static_file"] = filtered["rps"] / same_filtered["rps"]
        rows += [same_file, served, same_filtered, filtered]
        for path, label in PLAIN:
            rows.append(
                measure(label, path, seconds, None, floor["rps"], timings[path], accept=None)
            )
        rss = worker_rss_mb(proc)
        home = home_transfer()
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
    # The same search without the page cache: what a query no one asked before costs.
    proc = start_server({**env, "PUBLIC_PAGE_CACHE": "false"})
    try:
        for path, label in UNCACHED:
            rows.append(measure(label, path, seconds, None, floor["rps"], timings[path]))
        rss = max(rss, worker_rss_mb(proc))
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
    for row in rows:
        if row["ms"] is not None and row["path"].startswith(("/espace/", "/federation/")):
            row["versus_minimal"] = row["ms"] / minimal_ms
    return {
        "size": size,
        "rows": rows,
        "minimal_ms": minimal_ms,
        "generated": generated,
        "opendata_ratio": served["versus_static_file"],
        "filtered_ratio": filtered["versus_static_file"],
        "opendata_size": served["size"],
        "rss": rss,
        "home": home,
        "pdf": pdf_seconds(env),
        "dossier": dossier_seconds(env),
    }


def machine():
    cpu = "?"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
    database = "PostgreSQL" if os.environ.get("DATABASE_URL") else "SQLite"
    return (
        f"{os.cpu_count()} cœurs ({cpu}), {mem / 1024 / 1024:.0f} Gio de mémoire, "
        f"Python {platform.python_version()}, base {database}, gunicorn 2 workers sync, "
        f"wrk 2 threads / 16 connexions"
    )


def markdown(results, seconds):
    lines = [
        "# Benchmarks",
        "",
        "Produit par `make bench` (`scripts/bench.py`) : gunicorn (DEBUG=False, 2 workers sync)"
        f" sur 127.0.0.1, chargé par wrk pendant {seconds} s par point d'entrée.",
        "",
        f"Machine : {machine()}.",
        "",
        "Le plancher est un fichier statique servi par whitenoise depuis le même serveur ;"
        " « ratio » = requêtes/s du point d'entrée ÷ requêtes/s du plancher. Les requêtes SQL"
        " sont celles d'un rendu sans cache ; les pages publiques anonymes sont ensuite servies"
        " depuis le cache de pages (0 requête). Taille = réponse compressée (gzip)."
        f" wrk demande chaque page comme un navigateur (`Accept-Encoding: {BROWSER}`),"
        " le plancher compris ; les fichiers de données ouvertes en gzip, comme un moissonneur.",
        "",
    ]
    for result in results:
        lines += [
            f"## {result['size']} coopératives synthétiques (+ les 8 du référentiel)",
            "",
            "| point d'entrée | chemin | req/s | p50 (ms) | p99 (ms) | ratio | SQL/req"
            " | en process (ms) | × minimale | HTML (Ko) | compressé (Ko) |",
            "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for row in result["rows"]:
            in_ms = f"{row['ms']:.1f}" if row["ms"] is not None else "–"
            versus = f"{row['versus_minimal']:.1f}" if "versus_minimal" in row else "–"
            lines.append(
                f"| {row['label']} | `{row['path']}` | {row['rps']:.0f} | {row['p50']:.1f} |"
                f" {row['p99']:.1f} | {row['ratio']:.2f} | {row['queries']} | {in_ms} |"
                f" {versus} | {row['raw'] / 1024:.1f} | {row['size'] / 1024:.1f} |"
            )
        lines += [
            "",
            f"- Page connectée minimale (session, utilisateur, gabarit d'une ligne), en process :"
            f" {result['minimal_ms']:.1f} ms ; « × minimale » = temps en process de la page"
            " ÷ celui-ci.",
            f"- Fichier JSON des données ouvertes ({result['opendata_size'] / 1024 / 1024:.1f} Mo"
            f" compressé) : {result['opendata_ratio']:.2f} × le même fichier servi en statique ;"
            f" celui d'un filtre (`{OPENDATA_FILTERED}`) : {result['filtered_ratio']:.2f} × ses"
            " octets servis en statique.",
            f"- Mémoire résidente maximale d'un worker gunicorn : {result['rss']:.0f} Mo.",
            *(
                [f"- Données générées (`generate_bulk`) en {result['generated']:.0f} s."]
                if result["generated"] is not None
                else []
            ),
            f"- Transfert total de la page d'accueil (HTML + CSS + JS compressés) :"
            f" {result['home'] / 1024:.1f} Ko.",
            f"- Un PDF de coopérative ({PDF_COOPERATIVE}) : {result['pdf'][0]:.2f} s au premier,"
            f" {min(result['pdf'][1:] or result['pdf']):.2f} s ensuite (objectif : moins de 2 s).",
            f"- Le dossier de révision de {PDF_COOPERATIVE} (tâche du worker, en process) :"
            f" {result['dossier'][0]:.2f} s au premier,"
            f" {min(result['dossier'][1:] or result['dossier']):.2f} s ensuite.",
            "",
        ]
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="200,2000,20000", help="e.g. --sizes 200,2000")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument(
        "--quick",
        action="store_true",
        help="200 cooperatives, 3 s of load per address, 5 runs in process (a check, not figures)",
    )
    parser.add_argument("--output", default=str(ROOT / "docs" / "benchmarks.md"))
    parser.add_argument("--pdf-only", action="store_true", help="time one cooperative's PDF only")
    parser.add_argument(
        "--reuse", action="store_true", help="measure the databases of a previous run as they are"
    )
    args = parser.parse_args()
    if args.pdf_only:
        pdf_only()
        return
    if not shutil.which("wrk"):
        raise SystemExit("wrk est nécessaire : apt-get install -y wrk")
    if args.quick:
        args.sizes, args.seconds = "200", QUICK_SECONDS
    runs = QUICK_RUNS if args.quick else RUNS
    results = [
        run_size(int(size), args.seconds, args.reuse, runs) for size in args.sizes.split(",")
    ]
    report = markdown(results, args.seconds)
    existing = Path(args.output).read_text() if Path(args.output).exists() else ""
    marker = "\n## Analyse"
    analysis = existing[existing.index(marker) :] if marker in existing else ""
    Path(args.output).write_text(report + analysis)
    print(f"\nÉcrit dans {args.output}")


if __name__ == "__main__":
    main()
