"""`make soak`: staff keep saving while PostgreSQL restarts; nothing acknowledged is lost.

A bounded number of virtual staff members (one cooperative each) log in to a
gunicorn server on loopback and, for a bounded time, create projects, edit
them and save their choice of engagements. In the middle, PostgreSQL is
restarted once. The report counts requests, errors during the outage, errors
after recovery (must be 0) and acknowledged saves missing from the database
afterwards (must be 0); the exit code is non-zero otherwise.

Runs against a dedicated `<name>_soak` database on the server of DATABASE_URL.

The machinery (database, server, virtual staff, ledger, report) is also what
`make cluster` (scripts/cluster.py) runs through nginx and two app servers.
"""

import argparse
import http.cookiejar
import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from dburl import database_name, with_database

ROOT = Path(__file__).resolve().parent.parent
PORT = 8767
BASE = f"http://127.0.0.1:{PORT}"
PASSWORD = "endurance-soak-2026"  # noqa: S105 - throwaway accounts of a throwaway database
ENGAGEMENTS = range(1, 9)
REPORT = ROOT / "docs" / "soak.md"
SOAK_HEADING = "# Endurance : coupure de PostgreSQL pendant l'enregistrement"


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@dataclass
class Outcome:
    started: float
    ended: float
    ok: bool


@dataclass
class Ledger:
    """What the server acknowledged, to be found in the database afterwards."""

    outcomes: list = field(default_factory=list)
    created: dict = field(default_factory=dict)  # title -> acknowledged?
    edits: dict = field(default_factory=dict)  # project id -> [(description, acknowledged)]
    lock: threading.Lock = field(default_factory=threading.Lock)


def sibling_database_url(suffix, command):
    """`<name>_<suffix>` on the PostgreSQL server of DATABASE_URL, for ``command`` alone."""
    base = os.environ.get("DATABASE_URL") or "postgres:///qualicoop"
    parts = urllib.parse.urlsplit(base)
    if not parts.scheme.startswith("postgres"):
        raise SystemExit(f"{command} needs PostgreSQL: set DATABASE_URL=postgres://…")
    return with_database(base, f"{database_name(base)}_{suffix}")


def soak_database_url():
    return sibling_database_url("soak", "make soak")


def server_env(url, site_url=BASE):
    return {
        **os.environ,
        "DATABASE_URL": url,
        "DEBUG": "false",
        "SECRET_KEY": "soak-only-secret-key-not-for-production-0123456789abcdef",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "false",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
        # The virtual reviewers sign in with their password: the second factor's
        # pages are not what is measured.
        "SECOND_FACTOR_REQUIRED": "false",
        "SECURE_HSTS_SECONDS": "0",
        "LOG_LEVEL": "ERROR",
        "AXES_FAILURE_LIMIT": "1000",
        "CACHE_URL": "locmem://",
        "SITE_URL": site_url,
    }


def manage(env, *args):
    subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True,
        stdout=subprocess.DEVNULL,
    )  # fmt: skip


def manage_shell(env, code):
    """Run ``code`` in `manage.py shell`; what it prints, as text."""
    return subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code], cwd=ROOT, env=env, check=True,
        stdout=subprocess.PIPE, text=True,
    ).stdout  # fmt: skip


def prepare(env, users):
    import psycopg

    name = database_name(env["DATABASE_URL"])
    admin = with_database(env["DATABASE_URL"], "postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')

    manage(env, "migrate", "--noinput")
    manage(env, "collectstatic", "--noinput")
    manage(env, "loaddata", "reference")
    manage(env, "create_demo_accounts", "--force")
    code = f"""
from django.contrib.auth.models import User
from commitments import workflow
from commitments.models import Campaign, Choice, Engagement
from coops.models import Cooperative, Membership
campaign = Campaign.objects.current()
for i in range({users}):
    coop = Cooperative.objects.create(name=f"Coop d'endurance {{i}}", slug=f"endurance-{{i}}")
    user = User.objects.create_user(f"soak{{i}}", password={PASSWORD!r})
    Membership.objects.create(user=user, cooperative=coop, role="referent")
    selection = workflow.start_selection(cooperative=coop, campaign=campaign, by=user)
    for number in {list(ENGAGEMENTS)!r}:
        Choice.objects.create(selection=selection, engagement=Engagement.objects.get(number=number))
"""
    manage_shell(env, code)


def start_gunicorn(env, port, *, log=None, workers=2):
    """A gunicorn on 127.0.0.1:``port``, in a process group of its own (stopped as one)."""
    return subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "qualicoop.wsgi", "--workers", str(workers),
         "--bind", f"127.0.0.1:{port}", "--log-level", "warning", "--timeout", "30"],
        cwd=ROOT, env=env, start_new_session=True, stdout=log, stderr=log,
    )  # fmt: skip


def wait_until_up(base, process=None, seconds=30):
    """Until ``base``/healthz answers; SystemExit if it does not in time or ``process`` died."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise SystemExit(f"{base}: the server stopped (exit code {process.returncode})")
        try:
            urllib.request.urlopen(f"{base}/healthz", timeout=1)  # noqa: S310 - loopback
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"{base}/healthz did not answer within {seconds} s")


def stop_server(process, sig=signal.SIGTERM):
    """Stop a server started by start_gunicorn, workers included."""
    if process.poll() is None:
        os.killpg(process.pid, sig)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


class Staff(threading.Thread):
    def __init__(self, index, ledger, deadline, seed, base=BASE):
        super().__init__(daemon=True)
        self.index = index
        self.base = base
        self.slug = f"endurance-{index}"
        self.ledger = ledger
        self.deadline = deadline
        self.rng = random.Random(seed + index)
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), NoRedirect
        )
        self.projects = []
        self.counter = 0
        self.logged_in = False

    def csrf(self):
        return next((c.value for c in self.jar if c.name == "csrftoken"), "")

    def request(self, path, data=None):
        """(status, body, location); status 0 for a connection failure."""
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        request = urllib.request.Request(self.base + path, data=body)
        if data is not None:
            request.add_header("X-CSRFToken", self.csrf())
        try:
            with self.opener.open(request, timeout=10) as response:
                return response.status, response.read().decode(), None
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(errors="replace"), error.headers.get("Location")
        except OSError:
            return 0, "", None

    def timed(self, path, data=None, expect=(200,)):
        started = time.monotonic()
        status, body, location = self.request(path, data)
        ok = status in expect
        with self.ledger.lock:
            self.ledger.outcomes.append(Outcome(started, time.monotonic(), ok))
        return ok, body, location

    def login(self):
        for _ in range(50):
            self.request("/compte/connexion/")
            status, _, _ = self.request(
                "/compte/connexion/", {"username": f"soak{self.index}", "password": PASSWORD}
            )
            if status == 302:
                self.logged_in = True
                return
            time.sleep(0.2)

    def run(self):
        self.login()
        while self.logged_in and time.monotonic() < self.deadline:
            roll = self.rng.random()
            if roll < 0.45 or not self.projects:
                self.create()
            elif roll < 0.9:
                self.edit()
            else:
                self.timed(
                    f"/espace/{self.slug}/engagements/",
                    {"engagements": [str(n) for n in ENGAGEMENTS]},
                    expect=(302,),
                )

    def fields(self, title, description):
        return {
            "title": title,
            "description": description,
            "objectives": "",
            "indicators": "",
            "target_date": "",
            "progress": "planned",
        }

    def create(self):
        self.counter += 1
        title = f"soak{self.index}-projet-{self.counter}"
        number = self.rng.choice(ENGAGEMENTS)
        with self.ledger.lock:
            self.ledger.created[title] = False
        ok, _, location = self.timed(
            f"/espace/{self.slug}/engagements/{number}/projets/nouveau/",
            self.fields(title, f"Description initiale de {title}."),
            expect=(302,),
        )
        match = re.search(r"#projet-(\d+)", location or "")
        if ok and match:
            with self.ledger.lock:
                self.ledger.created[title] = True
            self.projects.append((int(match.group(1)), title))

    def edit(self):
        pk, title = self.rng.choice(self.projects)
        ok, body, _ = self.timed(f"/espace/{self.slug}/projets/{pk}/modifier/")
        version = re.search(r'name="version" value="(\d+)"', body)
        if not (ok and version):
            return
        self.counter += 1
        description = f"Version {self.counter} de {title}, enregistrée pendant l'endurance."
        with self.ledger.lock:
            attempts = self.ledger.edits.setdefault(pk, [])
            attempts.append([description, False])
        ok, _, _ = self.timed(
            f"/espace/{self.slug}/projets/{pk}/modifier/",
            {**self.fields(title, description), "version": version.group(1)},
            expect=(302,),
        )
        if ok:
            with self.ledger.lock:
                attempts[-1][1] = True


def restart_postgres():
    command = os.environ.get("SOAK_RESTART_COMMAND")
    if command:
        subprocess.run(command, shell=True, check=True)  # noqa: S602 - operator-supplied
    else:
        version = sorted(os.listdir("/etc/postgresql"), key=float)[-1]
        subprocess.run(
            ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart"], check=True
        )
    for _ in range(60):
        if subprocess.run(["pg_isready", "-q"], check=False).returncode == 0:
            return
        time.sleep(0.5)
    raise SystemExit("PostgreSQL did not come back")


def missing_saves(env, ledger):
    """Acknowledged saves that the database does not hold."""
    import psycopg

    with psycopg.connect(env["DATABASE_URL"]) as conn:
        rows = conn.execute("SELECT id, title, description FROM commitments_project").fetchall()
    titles = {title for _, title, _ in rows}
    descriptions = {pk: description for pk, _, description in rows}
    missing = [title for title, acked in ledger.created.items() if acked and title not in titles]
    for pk, attempts in ledger.edits.items():
        acked = [i for i, (_, ok) in enumerate(attempts) if ok]
        if not acked:
            continue
        # The last acknowledged edit, or a later one the server applied without
        # managing to answer, must be what the database holds.
        allowed = {description for description, _ in attempts[acked[-1] :]}
        if descriptions.get(pk) not in allowed:
            missing.append(f"projet {pk} : {attempts[acked[-1]][0]}")
    return missing


def start_staff(users, seconds, seed, base=BASE):
    """``users`` virtual staff members at work on ``base`` for ``seconds``, started now."""
    ledger = Ledger()
    start = time.monotonic()
    staff = [Staff(i, ledger, start + seconds, seed, base) for i in range(users)]
    for member in staff:
        member.start()
    return ledger, staff, start


@dataclass
class Tally:
    """The requests of a run, counted around one disruption (from ``cut`` to ``back``)."""

    requests: int
    acked: int
    errors_before: int
    during: int
    errors_during: int
    after: int
    errors_after: int
    missing: list

    def lines(self, users, seconds, disruption):
        return [
            f"utilisateurs simultanés     : {users}",
            f"durée                       : {seconds} s",
            f"requêtes                    : {self.requests}",
            f"enregistrements acquittés   : {self.acked}",
            f"erreurs avant {disruption:14}: {self.errors_before}",
            f"erreurs pendant {disruption:12}: {self.errors_during} (sur {self.during} requêtes)",
            f"erreurs après reprise       : {self.errors_after} (sur {self.after} requêtes)",
            f"enregistrements perdus      : {len(self.missing)}",
        ]


def tally(env, ledger, cut, back):
    outcomes = ledger.outcomes
    during = [o for o in outcomes if o.started < back and o.ended >= cut]
    after = [o for o in outcomes if o.started >= back]
    return Tally(
        requests=len(outcomes),
        acked=sum(ledger.created.values())
        + sum(ok for attempts in ledger.edits.values() for _, ok in attempts),
        errors_before=sum(not o.ok for o in outcomes if o.ended < cut),
        during=len(during),
        errors_during=sum(not o.ok for o in during),
        after=len(after),
        errors_after=sum(not o.ok for o in after),
        missing=missing_saves(env, ledger),
    )


def write_section(heading, lines, path=REPORT):
    """Put ``heading`` and ``lines`` in the report, in place of that section if it is there.

    A section runs from its heading (a level-1 title) to the next one: each
    script rewrites its own and keeps the others'.
    """
    existing = path.read_text().splitlines() if path.exists() else []
    section = [heading, "", *lines]
    while section and not section[-1]:
        section.pop()
    if heading in existing:
        start = existing.index(heading)
        end = next(
            (i for i in range(start + 1, len(existing)) if existing[i].startswith("# ")),
            len(existing),
        )
        existing[start:end] = [*section, ""] if end < len(existing) else section
    else:
        existing = [*existing, "", *section] if existing else section
    path.write_text("\n".join(existing).rstrip("\n") + "\n")


def write_report(args, report, outage_seconds):
    stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    text = [
        f"Produit par `make soak` (`scripts/soak.py --users {args.users} --seconds {args.seconds}`)"
        f" le {stamp}, sur {os.cpu_count()} cœurs : gunicorn (2 workers sync, DEBUG=False) sur"
        " 127.0.0.1, PostgreSQL redémarré une fois à mi-parcours"
        f" (de nouveau prêt après {outage_seconds:.1f} s).",
        "",
        "Chaque utilisateur virtuel (référent de sa coopérative) crée des projets, les modifie"
        " et enregistre son choix d'engagements. « Acquitté » = le serveur a répondu par une"
        " redirection de succès ; chaque enregistrement acquitté est ensuite recherché dans la"
        " base.",
        "",
        "```",
        *report,
        "```",
    ]
    write_section(SOAK_HEADING, text)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=8)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    env = server_env(soak_database_url())
    prepare(env, args.users)
    server = start_gunicorn(env, PORT)
    try:
        wait_until_up(BASE, server)
        ledger, staff, start = start_staff(args.users, args.seconds, args.seed)
        time.sleep(args.seconds / 2)
        outage_start = time.monotonic()
        print(f"== {outage_start - start:.0f} s : redémarrage de PostgreSQL", flush=True)
        restart_postgres()
        recovered = time.monotonic()
        print(f"== PostgreSQL répond de nouveau après {recovered - outage_start:.1f} s", flush=True)
        for member in staff:
            member.join(timeout=args.seconds + 30)
    finally:
        stop_server(server)

    counted = tally(env, ledger, outage_start, recovered)
    report = counted.lines(args.users, args.seconds, "la coupure")
    print("\n".join(report))
    for item in counted.missing[:20]:
        print("  perdu :", item)
    write_report(args, report, recovered - outage_start)
    if not all(member.logged_in for member in staff):
        print("Des comptes n'ont pas pu se connecter.")
    ok = (
        all(member.logged_in for member in staff)
        and counted.errors_after == 0
        and counted.errors_before == 0
        and not counted.missing
        and bool(counted.after)
    )
    print("RÉSULTAT :", "réussi" if ok else "ÉCHEC")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
