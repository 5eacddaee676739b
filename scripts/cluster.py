"""`make cluster`: two app servers behind nginx; one stops and starts again mid-run.

The production topology of docs/deployment.md, on one machine: nginx (Debian's,
run in the foreground with a configuration generated for the run) in front of
two gunicorn app servers, one task worker (`manage.py db_worker`), all on one
PostgreSQL database and one Redis database, with DEBUG=False.

The virtual staff of `make soak` (scripts/soak.py) work through nginx while app
server 1 is stopped and started again: unannounced by default (a crash or a
careless restart: nginx finds out by failing to reach it), or with --drain
taken out of nginx first, as a planned restart does. Then:

* a selection validated through app server 1 must show at once on app server 2
  (reached directly) and through nginx, every page cache having been warmed;
* a logout through app server 1 must end the session on both servers: the
  session cookie replayed on each gets the login page;
* the worker must have run every task queued (the reviewers' and the
  cooperative's e-mails), none failed.

The report counts requests, errors before, during and after the stop (0 after
recovery), acknowledged saves missing from the database (0), and what nginx's
log says of each server; it goes into docs/soak.md. The exit code is non-zero
if any check fails.

Runs against a dedicated `<name>_cluster` database on the server of
DATABASE_URL and a Redis database of its own (flushed at start).
"""

import argparse
import gzip
import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections import Counter
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path

import brotli
from soak import (
    PASSWORD,
    ROOT,
    manage_shell,
    prepare,
    server_env,
    sibling_database_url,
    start_gunicorn,
    start_staff,
    stop_server,
    tally,
    wait_until_up,
    write_section,
)

HEADING = "# Grappe : deux serveurs d'application derrière nginx, l'un arrêté puis relancé"
DRAIN_HEADING = "# Grappe : le même arrêt, le serveur retiré de nginx avant (--drain)"
# A database number of its own: the run flushes it, and it alone.
REDIS_URL = "redis://127.0.0.1:6379/14"
DEMO_PASSWORD = "qualicoop-demo"  # the public demo password (create_demo_accounts)
REVIEWER = "federation"
PUBLISHED_NAME = "Coopérative de la grappe"
PUBLISHED_SLUG = "cooperative-de-la-grappe"
MEMBER = "grappe"
PROBE = "/engagements/1/"
SIGNED_IN_PAGE = "/compte/"
LOGIN_PAGE = "/compte/connexion/"

# A cooperative whose selection is submitted, waiting for a reviewer: validated
# through app server 1 during the checks, it is the publication looked for.
PUBLICATION_SETUP = f"""
from django.contrib.auth.models import User
from commitments import workflow
from commitments.models import Campaign, Choice, Engagement, Project
from coops.models import Cooperative, Membership
campaign = Campaign.objects.current()
coop = Cooperative.objects.create(name={PUBLISHED_NAME!r}, slug={PUBLISHED_SLUG!r})
user = User.objects.create_user({MEMBER!r}, email="grappe@example.org", password={PASSWORD!r})
Membership.objects.create(user=user, cooperative=coop, role="referent")
selection = workflow.start_selection(cooperative=coop, campaign=campaign, by=user)
for engagement in Engagement.objects.filter(number__in=range(1, 9)):
    choice = Choice.objects.create(selection=selection, engagement=engagement)
    Project.objects.create(
        choice=choice,
        title=f"Projet {{engagement.number}} de la grappe",
        description="Projet décrit pour l'essai de la grappe.",
    )
workflow.submit_selection(selection=selection, by=user)
print("selection", selection.pk)
"""

# Every path nginx writes (pid, logs, temporary files) is in the run's own
# directory: nothing of the machine's nginx is read or touched. The upstream
# log line says which app server answered each request, and every server tried.
NGINX_CONF = """\
daemon off;
worker_processes 1;
pid {run}/nginx.pid;
error_log {run}/nginx-error.log warn;
events {{
    worker_connections 512;
}}
http {{
    log_format upstreams '$msec $status $request_method "$upstream_addr" "$upstream_status"';
    access_log {run}/nginx-access.log upstreams;
    client_body_temp_path {run}/client_body;
    proxy_temp_path {run}/proxy;
    fastcgi_temp_path {run}/fastcgi;
    uwsgi_temp_path {run}/uwsgi;
    scgi_temp_path {run}/scgi;
    upstream qualicoop {{
        server 127.0.0.1:{app1} max_fails=1 fail_timeout=5s{app1_down};
        server 127.0.0.1:{app2} max_fails=1 fail_timeout=5s;
    }}
    server {{
        listen 127.0.0.1:{port};
        server_name 127.0.0.1;
        client_max_body_size 11m;
        location / {{
            proxy_pass http://qualicoop;
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            # A server that refuses the connection, or does not answer in time,
            # is skipped for the other one. A POST already sent is not sent
            # again (nginx's default): it may have been saved.
            proxy_next_upstream error timeout;
            proxy_next_upstream_tries 2;
            proxy_connect_timeout 2s;
            proxy_read_timeout 30s;
        }}
    }}
}}
"""


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def cluster_env(database_url, redis_url, site_url, run):
    """The production settings of several app servers (docs/deployment.md), on loopback."""
    env = server_env(database_url, site_url)
    env.pop("REDIS_URL", None)
    env.update(
        {
            # One cache for every server: sessions (cached_db) and public pages.
            "CACHE_URL": redis_url,
            "SINGLE_APP_SERVER": "false",
            # Refused at start-up if the cache were not shared: said, not assumed.
            "PUBLIC_PAGE_CACHE": "true",
            # nginx is the one proxy: the client's address is its X-Forwarded-For.
            "BEHIND_HTTPS_PROXY": "true",
            "TRUSTED_PROXY_COUNT": "1",
            # E-mails are queued in the database and sent by the worker.
            "TASKS_BACKEND": "database",
            "EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend",
            # The file store of the run (one machine: its disk stands for the bucket
            # that servers on several machines would share).
            "MEDIA_ROOT": str(run / "files"),
            "LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


def flush_redis(url):
    import redis

    try:
        redis.Redis.from_url(url, socket_timeout=2).flushdb()
    except redis.RedisError as error:
        raise SystemExit(f"make cluster needs Redis at {url}: {error}") from None


def nginx_binary():
    found = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")
    if not found:
        raise SystemExit("make cluster needs nginx (Debian: apt-get install nginx)")
    return found


@dataclass
class Answer:
    status: int
    location: str
    encoding: str
    body: str


@dataclass
class Browser:
    """One person's browser: its cookies, its requests (no redirect followed)."""

    cookies: dict = field(default_factory=dict)

    def request(self, base, method, path, *, form=None, encoding="", direct=False):
        parts = urllib.parse.urlsplit(base)
        headers = {}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        if encoding:
            headers["Accept-Encoding"] = encoding
        if direct:
            # An app server reached without nginx, as only the proxy should: the
            # header nginx would have added, for the client's address it reads.
            headers["X-Forwarded-For"] = "127.0.0.1"
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["X-CSRFToken"] = self.cookies.get("csrftoken", "")
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=15)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            raw = response.read()
            for header in response.headers.get_all("Set-Cookie") or []:
                jar = SimpleCookie()
                jar.load(header)
                for name, morsel in jar.items():
                    if morsel.value:
                        self.cookies[name] = morsel.value
                    else:
                        self.cookies.pop(name, None)
            content_encoding = response.getheader("Content-Encoding", "")
            if content_encoding == "br":
                raw = brotli.decompress(raw)
            elif content_encoding == "gzip":
                raw = gzip.decompress(raw)
            return Answer(
                response.status,
                response.getheader("Location", ""),
                content_encoding,
                raw.decode(errors="replace"),
            )
        finally:
            connection.close()

    def sign_in(self, base, username, password, *, direct=False):
        self.request(base, "GET", LOGIN_PAGE, direct=direct)
        answer = self.request(
            base,
            "POST",
            LOGIN_PAGE,
            form={"username": username, "password": password},
            direct=direct,
        )
        if answer.status != 302 or "sessionid" not in self.cookies:
            raise SystemExit(f"sign-in of {username} through {base} failed ({answer.status})")


@dataclass
class Check:
    label: str
    ok: bool
    detail: str = ""

    def line(self):
        return f"{self.label:46}: {'oui' if self.ok else 'NON'}{self.detail}"


def publication_checks(app1, app2, proxy, selection_pk):
    """A validation through app server 1, seen at once on app server 2 and through nginx."""
    visitor = Browser()
    # Twice each: the second visit comes from the page cache, which must not
    # keep the page once the validation is made.
    warmed = [
        visitor.request(base, "GET", PROBE, direct=direct)
        for base, direct in ((app2, True), (app2, True), (proxy, False), (proxy, False))
    ]
    if any(PUBLISHED_NAME in answer.body for answer in warmed):
        raise SystemExit(f"{PUBLISHED_NAME} is public before its validation")
    reviewer = Browser()
    reviewer.sign_in(app1, REVIEWER, DEMO_PASSWORD, direct=True)
    decided = reviewer.request(
        app1,
        "POST",
        f"/federation/selections/{selection_pk}/decision/",
        form={"decision": "valider", "message": "Validée pendant l'essai de la grappe."},
        direct=True,
    )
    on_app2 = visitor.request(app2, "GET", PROBE, encoding="gzip, deflate", direct=True)
    on_proxy = visitor.request(proxy, "GET", PROBE, encoding="gzip, deflate, br")
    return [
        Check("validation par le serveur 1 acquittée", decided.status == 302),
        Check(
            "publication visible aussitôt sur le serveur 2",
            on_app2.status == 200 and PUBLISHED_NAME in on_app2.body,
            f" (en direct, réponse {on_app2.encoding or 'non compressée'})",
        ),
        Check(
            "publication visible aussitôt par nginx",
            on_proxy.status == 200 and PUBLISHED_NAME in on_proxy.body,
            f" (réponse {on_proxy.encoding or 'non compressée'})",
        ),
    ]


def logout_checks(app1, app2, proxy):
    """A logout through app server 1 ends the session on both servers."""
    member = Browser()
    member.sign_in(proxy, MEMBER, PASSWORD)
    # Both servers read the session first, and may keep it in their cache.
    before = [
        member.request(base, "GET", SIGNED_IN_PAGE, direct=direct).status
        for base, direct in ((app1, True), (app2, True))
    ]
    replayed = Browser(dict(member.cookies))
    signed_out = member.request(app1, "POST", "/compte/deconnexion/", form={}, direct=True)
    after = {
        label: replayed.request(base, "GET", SIGNED_IN_PAGE, direct=direct)
        for label, base, direct in (
            ("serveur 1", app1, True),
            ("serveur 2", app2, True),
            ("nginx", proxy, False),
        )
    }

    def refused(answer):
        return answer.status == 302 and answer.location.startswith(LOGIN_PAGE)

    return [
        Check("session ouverte lue par les deux serveurs", before == [200, 200]),
        Check("déconnexion par le serveur 1 acquittée", signed_out.status == 302),
        *(
            Check(
                f"cookie rejoué après déconnexion, {label}", refused(answer), " (page de connexion)"
            )
            for label, answer in after.items()
        ),
    ]


def task_counts(env):
    import psycopg

    with psycopg.connect(env["DATABASE_URL"]) as conn:
        rows = conn.execute(
            "SELECT status, count(*) FROM django_tasks_database_dbtaskresult GROUP BY status"
        ).fetchall()
    return dict(rows)


def worker_checks(env, worker_log, seconds=60):
    """Every task queued (e-mails) run by the worker, none failed."""
    deadline = time.monotonic() + seconds
    counts = task_counts(env)
    while time.monotonic() < deadline and (counts.get("READY") or counts.get("RUNNING")):
        time.sleep(1)
        counts = task_counts(env)
    done, failed = counts.get("SUCCESSFUL", 0), counts.get("FAILED", 0)
    waiting = counts.get("READY", 0) + counts.get("RUNNING", 0)
    mails = len(re.findall(r"^Subject: ", worker_log.read_text(errors="replace"), re.M))
    return [
        Check(
            "file de tâches vidée par le worker",
            done > 0 and failed == 0 and waiting == 0,
            f" ({done} exécutées, {failed} en échec, {waiting} en attente ; {mails} courriels)",
        )
    ]


@dataclass
class ProxyLog:
    """What nginx's log says of the run, before, during and after the stop."""

    served: dict  # app server port -> period -> requests it answered
    retried: int  # requests passed on to the other server after a failure
    failures: dict  # period -> Counter of "status method" of the error answers


PERIODS = ("avant", "pendant", "après")


def read_proxy_log(access_log, ports, cut, back):
    log = ProxyLog({port: dict.fromkeys(PERIODS, 0) for port in ports}, 0, {})
    for line in access_log.read_text().splitlines():
        stamp, status, method, rest = line.split(" ", 3)
        moment = float(stamp)
        period = "avant" if moment < cut else "pendant" if moment <= back else "après"
        if int(status) >= 500 or status == "499":
            log.failures.setdefault(period, Counter())[f"{status} {method}"] += 1
        addresses = rest.split('" "')[0].strip('"')
        tried = [address.strip() for address in addresses.split(",") if address.strip()]
        log.retried += len(tried) > 1
        # "-" (answered by nginx itself) or "qualicoop" (no server available): no port.
        host, _, port = (tried[-1] if tried else "").rpartition(":")
        if host and port.isdigit() and int(port) in log.served:
            log.served[int(port)][period] += 1
    return log


def start_process(command, env, log):
    return subprocess.Popen(
        command, cwd=ROOT, env=env, start_new_session=True, stdout=log, stderr=subprocess.STDOUT
    )


def stop_process(process, sig=signal.SIGTERM):
    if process is not None:
        stop_server(process, sig)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=8)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--down", type=float, default=5, help="secondes d'arrêt du serveur 1")
    parser.add_argument("--redis", default=os.environ.get("CLUSTER_REDIS_URL", REDIS_URL))
    parser.add_argument("--keep", action="store_true", help="garder les journaux de la grappe")
    parser.add_argument(
        "--drain", action="store_true", help="retirer le serveur 1 de nginx avant de l'arrêter"
    )
    args = parser.parse_args()

    nginx = nginx_binary()
    flush_redis(args.redis)
    run = Path(tempfile.mkdtemp(prefix="qualicoop-cluster-"))
    # nginx's workers run as an unprivileged user when it is started as root:
    # they must reach their temporary directories in the run's directory.
    run.chmod(0o755)
    port, app_ports = free_port(), (free_port(), free_port())
    proxy = f"http://127.0.0.1:{port}"
    apps = [f"http://127.0.0.1:{app_port}" for app_port in app_ports]
    env = cluster_env(sibling_database_url("cluster", "make cluster"), args.redis, proxy, run)

    prepare(env, args.users)
    selection_pk = int(manage_shell(env, PUBLICATION_SETUP).split("selection", 1)[1].split()[0])
    conf = run / "nginx.conf"

    def configure(app1_down=False):
        conf.write_text(
            NGINX_CONF.format(
                run=run,
                port=port,
                app1=app_ports[0],
                app2=app_ports[1],
                app1_down=" down" if app1_down else "",
            )
        )

    def reload_nginx(app1_down):
        # A planned stop: nginx stops sending requests to the server first. Its
        # master reloads the configuration on SIGHUP; the old workers finish
        # the requests they hold.
        configure(app1_down)
        os.kill(proxy_process.pid, signal.SIGHUP)
        time.sleep(1)

    configure()
    logs = {name: (run / f"{name}.log").open("ab") for name in ("app1", "app2", "worker", "nginx")}
    servers, worker, proxy_process = [None, None], None, None
    try:
        for index in (0, 1):
            servers[index] = start_gunicorn(env, app_ports[index], log=logs[f"app{index + 1}"])
        worker = start_process(
            [sys.executable, "manage.py", "db_worker", "--no-reload"], env, logs["worker"]
        )
        for index in (0, 1):
            wait_until_up(apps[index], servers[index])
        subprocess.run([nginx, "-t", "-q", "-p", str(run), "-c", str(conf), "-e",
                        str(run / "nginx-error.log")], check=True)  # fmt: skip
        proxy_process = start_process(
            [nginx, "-p", str(run), "-c", str(conf), "-e", str(run / "nginx-error.log")],
            env,
            logs["nginx"],
        )
        wait_until_up(proxy, proxy_process)
        print(f"== nginx {proxy} -> serveurs {', '.join(apps)}, worker, Redis {args.redis}")

        ledger, staff, start = start_staff(args.users, args.seconds, args.seed, base=proxy)
        time.sleep(args.seconds / 2)
        cut, cut_wall = time.monotonic(), time.time()
        if args.drain:
            print(f"== {cut - start:.0f} s : serveur 1 retiré de nginx", flush=True)
            reload_nginx(app1_down=True)
        print(f"== {time.monotonic() - start:.0f} s : arrêt du serveur 1", flush=True)
        stop_server(servers[0])
        stopped = time.monotonic() - cut
        time.sleep(max(0.0, args.down - stopped))
        servers[0] = start_gunicorn(env, app_ports[0], log=logs["app1"])
        wait_until_up(apps[0], servers[0])
        if args.drain:
            reload_nginx(app1_down=False)
        back, back_wall = time.monotonic(), time.time()
        print(f"== serveur 1 de nouveau prêt après {back - cut:.1f} s", flush=True)
        for member in staff:
            member.join(timeout=args.seconds + 30)
        logged_in = all(member.logged_in for member in staff)

        checks = publication_checks(apps[0], apps[1], proxy, selection_pk)
        checks += logout_checks(apps[0], apps[1], proxy)
        checks += worker_checks(env, run / "worker.log")
    finally:
        stop_process(proxy_process, signal.SIGQUIT)
        for process in servers:
            stop_process(process)
        stop_process(worker)
        for log in logs.values():
            log.close()

    counted = tally(env, ledger, cut, back)
    proxy_log = read_proxy_log(run / "nginx-access.log", app_ports, cut_wall, back_wall)
    served = proxy_log.served
    rejoined = served[app_ports[0]]["après"] > 0
    checks.append(
        Check(
            "serveur 1 de nouveau servi par nginx",
            rejoined,
            f" ({served[app_ports[0]]['après']} requêtes après son retour)",
        )
    )
    report = [
        "serveurs d'application      : 2 (gunicorn, 2 workers sync chacun) derrière nginx",
        *counted.lines(args.users, args.seconds, "l'arrêt"),
        *(
            f"servies par le serveur {number}    : "
            f"{served[app_port]['avant']} avant, {served[app_port]['pendant']} pendant,"
            f" {served[app_port]['après']} après"
            for number, app_port in enumerate(app_ports, start=1)
        ),
        f"reprises sur l'autre serveur : {proxy_log.retried} (journal de nginx)",
        "erreurs vues par nginx      : "
        + (
            " ; ".join(
                f"{period} : "
                + ", ".join(f"{kind} ×{count}" for kind, count in sorted(kinds.items()))
                for period, kinds in sorted(
                    proxy_log.failures.items(), key=lambda item: PERIODS.index(item[0])
                )
            )
            or "aucune"
        ),
        "",
        *(check.line() for check in checks),
    ]
    print("\n".join(report))
    for item in counted.missing[:20]:
        print("  perdu :", item)
    if not logged_in:
        print("Des comptes n'ont pas pu se connecter.")
    ok = (
        logged_in
        and counted.errors_before == 0
        and counted.errors_after == 0
        and not counted.missing
        and counted.after > 0
        and all(check.ok for check in checks)
    )
    write_report(args, report, back - cut)
    if ok and not args.keep:
        shutil.rmtree(run, ignore_errors=True)
    else:
        print(f"Journaux (nginx, serveurs, worker) : {run}")
    print("RÉSULTAT :", "réussi" if ok else "ÉCHEC")
    sys.exit(0 if ok else 1)


def write_report(args, report, downtime):
    stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    options = f"--users {args.users} --seconds {args.seconds} --down {args.down:g}"
    command = "make cluster"
    if args.drain:
        options += " --drain"
        command = 'make cluster CLUSTER_ARGS="--drain"'
    if args.drain:
        stop = (
            "Le serveur 1 est d'abord retiré de nginx (`down`, configuration rechargée), puis"
            " arrêté (SIGTERM : il finit ses requêtes en cours), relancé et remis dans nginx"
        )
    else:
        stop = (
            "Le serveur 1 est arrêté à mi-parcours sans que nginx en soit prévenu (SIGTERM :"
            " il finit les requêtes qu'il a acceptées), puis relancé"
        )
    write_section(
        DRAIN_HEADING if args.drain else HEADING,
        [
            f"Produit par `{command}` (`scripts/cluster.py {options}`) le {stamp}, sur"
            f" {os.cpu_count()} cœurs : nginx sur 127.0.0.1 devant deux gunicorn (2 workers"
            " sync chacun, DEBUG=False), un worker de tâches (`manage.py db_worker`), une base"
            " PostgreSQL et une base Redis partagées (cache et sessions)."
            f" {stop} : de nouveau prêt après {downtime:.1f} s.",
            "",
            "Les utilisateurs virtuels de `make soak` passent par nginx. Ensuite, une sélection"
            " est validée par le serveur 1 (joint directement) et doit se voir aussitôt sur le"
            " serveur 2 (joint directement) et par nginx, chaque cache de pages ayant été rempli"
            " avant ; une déconnexion par le serveur 1 doit fermer la session partout (le cookie"
            " rejoué sur chaque serveur reçoit la page de connexion) ; le worker doit avoir"
            " exécuté toutes les tâches mises en file, dont les courriels de la soumission et"
            " de la validation."
            " « Pendant l'arrêt » va de l'arrêt du serveur 1 à son retour. Les « reprises »"
            " sont les requêtes que nginx a passées à l'autre serveur après un échec de"
            " connexion ; une requête POST déjà transmise n'est jamais renvoyée (elle a pu être"
            " enregistrée) : nginx répond alors 502.",
            "",
            "```",
            *report,
            "```",
        ],
    )


if __name__ == "__main__":
    main()
