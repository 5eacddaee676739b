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
    ("/donnees/projets.json?engagement=1", "Données ouvertes JSON"),
    # The whole file, written ahead and served as a static file (opendata_files).
    ("/donnees/projets.json", "Données ouvertes JSON (fichier)"),
]
LOGGED_IN = [
    ("demo", "/espace/cooperative-de-demonstration/engagements/", "Espace : choix (demo)"),
    ("demo", "/espace/cooperative-de-demonstration/", "Espace : tableau de bord (demo)"),
    ("federation", "/federation/", "File de la fédération"),
]


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
        # Emptied with the cache for each size: no file of another database is served.
        "OPENDATA_ROOT": str(ROOT / "var" / "bench-opendata"),
        # One gunicorn, whose workers share the file cache: sessions and pages from it.
        "SINGLE_APP_SERVER": "true",
        "SITE_URL": BASE,
    }


def prepare(size, env):
    print(f"== {size} coopératives : base {env['DATABASE_URL']}", flush=True)
    reset_database(env["DATABASE_URL"])
    shutil.rmtree(ROOT / "var" / "bench-cache", ignore_errors=True)
    shutil.rmtree(ROOT / "var" / "bench-opendata", ignore_errors=True)
    manage(env, "migrate", "--noinput")
    manage(env, "loaddata", "reference", "cooperatives", "campaign_2024")
    manage(env, "create_demo_accounts", "--force")
    manage(env, "generate_bulk", "--cooperatives", str(size))
    manage(env, "collectstatic", "--noinput")
    demo_content(env)


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


def compressed_size(path, cookie=None):
    headers = {"Accept-Encoding": "gzip"}
    if cookie:
        headers["Cookie"] = cookie
    request = urllib.request.Request(BASE + path, headers=headers)
    with urllib.request.urlopen(request) as response:  # noqa: S310 - loopback
        body = response.read()
        status = response.status
        encoded = response.headers.get("Content-Encoding") == "gzip"
    # Whitenoise serves static files pre-compressed; pages are compressed as a
    # proxy would (gzip level 6) to count what travels.
    size = len(body) if encoded else len(gzip.compress(body, 6))
    return status, size, (gzip.decompress(body) if encoded else body)


def wrk(path, seconds, cookie=None):
    cmd = ["wrk", "-t2", "-c16", f"-d{seconds}s", "--latency", "--timeout", "5s"]
    if cookie:
        cmd += ["-H", f"Cookie: {cookie}"]
    out = subprocess.run(cmd + [BASE + path], capture_output=True, text=True, check=True).stdout

    def latency(label):
        match = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        value, unit = float(match.group(1)), match.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return rps, latency("50"), latency("99"), int(errors.group(1)) if errors else 0


def query_counts(env, paths):
    """Queries of one uncached render of each page, measured in-process."""
    code = (
        "import json, sys\n"
        "from django.contrib.auth.models import User\n"
        "from django.db import connection\n"
        "from django.test import Client\n"
        "from django.test.utils import CaptureQueriesContext\n"
        "counts = {}\n"
        "for user, path in json.loads(sys.argv[-1]):\n"
        "    client = Client()\n"
        "    if user: client.force_login(User.objects.get(username=user))\n"
        "    client.get(path)\n"
        "    with CaptureQueriesContext(connection) as ctx: client.get(path)\n"
        "    counts[path] = len(ctx)\n"
        "print(json.dumps(counts))\n"
    )
    local = {**env, "PUBLIC_PAGE_CACHE": "false", "DEBUG": "false", "SECURE_SSL_REDIRECT": "false"}
    local["ALLOWED_HOSTS"] = "testserver"
    out = subprocess.run(
        [PY, "-c", "import django, os, sys;"
         "os.environ.setdefault('DJANGO_SETTINGS_MODULE','qualicoop.settings');django.setup();"
         f"exec({code!r})", json.dumps(paths)],
        cwd=ROOT, env=local, capture_output=True, text=True, check=True,
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


def run_size(size, seconds):
    env = server_env(database_url_for(size))
    prepare(size, env)
    proc = start_server(env)
    try:
        cookies = {user: session_cookie(user) for user in {u for u, _, _ in LOGGED_IN}}
        targets = [(None, floor_path(env), "Plancher (fichier statique)")]
        targets += [(None, path, label) for path, label in ANONYMOUS]
        targets += LOGGED_IN
        counts = query_counts(env, [(user, path) for user, path, _ in targets[1:]])
        rows = []
        floor_rps = None
        for user, path, label in targets:
            cookie = cookies.get(user)
            status, size_bytes, _ = compressed_size(path, cookie)
            rps, p50, p99, errors = wrk(path, seconds, cookie)
            floor_rps = floor_rps or rps
            rows.append(
                {
                    "label": label,
                    "path": path,
                    "status": status,
                    "rps": rps,
                    "p50": p50,
                    "p99": p99,
                    "ratio": rps / floor_rps,
                    "queries": counts.get(path, 0),
                    "size": size_bytes,
                    "errors": errors,
                }
            )
            print(
                f"  {label:34} {rps:8.0f} req/s  p50 {p50:6.1f} ms  p99 {p99:6.1f} ms"
                f"  ×{rps / floor_rps:4.2f}  {counts.get(path, 0):3} req SQL"
                f"  {size_bytes / 1024:6.1f} Ko  erreurs {errors}",
                flush=True,
            )
        return {
            "size": size,
            "rows": rows,
            "rss": worker_rss_mb(proc),
            "home": home_transfer(),
            "pdf": pdf_seconds(env),
        }
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)


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
        " depuis le cache de pages (0 requête). Taille = réponse compressée (gzip).",
        "",
    ]
    for result in results:
        lines += [
            f"## {result['size']} coopératives synthétiques (+ les 8 du référentiel)",
            "",
            "| point d'entrée | chemin | req/s | p50 (ms) | p99 (ms) | ratio | SQL/req"
            " | taille (Ko) |",
            "|---|---|---:|---:|---:|---:|---:|---:|",
        ]
        for row in result["rows"]:
            lines.append(
                f"| {row['label']} | `{row['path']}` | {row['rps']:.0f} | {row['p50']:.1f} |"
                f" {row['p99']:.1f} | {row['ratio']:.2f} | {row['queries']} |"
                f" {row['size'] / 1024:.1f} |"
            )
        lines += [
            "",
            f"- Mémoire résidente maximale d'un worker gunicorn : {result['rss']:.0f} Mo.",
            f"- Transfert total de la page d'accueil (HTML + CSS + JS compressés) :"
            f" {result['home'] / 1024:.1f} Ko.",
            f"- Un PDF de coopérative ({PDF_COOPERATIVE}) : {result['pdf'][0]:.2f} s au premier,"
            f" {min(result['pdf'][1:] or result['pdf']):.2f} s ensuite (objectif : moins de 2 s).",
            "",
        ]
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="200,2000")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--output", default=str(ROOT / "docs" / "benchmarks.md"))
    parser.add_argument("--pdf-only", action="store_true", help="time one cooperative's PDF only")
    args = parser.parse_args()
    if args.pdf_only:
        pdf_only()
        return
    if not shutil.which("wrk"):
        raise SystemExit("wrk est nécessaire : apt-get install -y wrk")
    results = [run_size(int(size), args.seconds) for size in args.sizes.split(",")]
    report = markdown(results, args.seconds)
    existing = Path(args.output).read_text() if Path(args.output).exists() else ""
    marker = "\n## Analyse"
    analysis = existing[existing.index(marker) :] if marker in existing else ""
    Path(args.output).write_text(report + analysis)
    print(f"\nÉcrit dans {args.output}")


if __name__ == "__main__":
    main()
