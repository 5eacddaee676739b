"""`make lighthouse`: Lighthouse scores of the public pages (home, engagement, project…).

Serves the app with production settings on loopback (gunicorn, the database of
DATABASE_URL or the development SQLite file, which `make setup` fills), runs
Lighthouse (pinned, from npm; Node 20 compatible) with the system Chromium, and
prints the four category scores for each page.
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LIGHTHOUSE = "lighthouse@12.8.2"
PORT = 8766
PAGES = [
    "/",
    "/engagements/1/",
    "/projets/1/",
    "/cooperatives/",
    "/statistiques/",
    "/a-propos/",
    "/accessibilite/",
]
# Lighthouse itself sometimes fails to record a page load on a busy machine
# ("NO_NAVSTART: please run Lighthouse again"): it is run again, twice at most.
ATTEMPTS = 3
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROME_FLAGS = (
    "--headless=new --no-sandbox --disable-gpu --disable-background-networking "
    "--disable-component-update --disable-sync --no-first-run"
)
CATEGORIES = ["performance", "accessibility", "best-practices", "seo"]


def install():
    prefix = ROOT / "var" / "lighthouse"
    binary = prefix / "node_modules" / ".bin" / "lighthouse"
    if not binary.exists():
        subprocess.run(
            ["npm", "install", "--silent", "--no-audit", "--no-fund", "--prefix", str(prefix),
             LIGHTHOUSE],
            check=True,
        )  # fmt: skip
    return binary


def serve():
    env = {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": "lighthouse-only-secret-key-not-for-production-0123456789",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "false",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
        "SECURE_HSTS_SECONDS": "0",
        "LOG_LEVEL": "WARNING",
        # One gunicorn, whose workers share the default file cache.
        "SINGLE_APP_SERVER": "true",
        "SITE_URL": f"http://127.0.0.1:{PORT}",
    }
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env,
        check=True,
    )  # fmt: skip
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "qualicoop.wsgi", "--workers", "2",
         "--bind", f"127.0.0.1:{PORT}", "--log-level", "warning"],
        cwd=ROOT, env=env, start_new_session=True,
    )  # fmt: skip
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{PORT}/healthz", timeout=1)  # noqa: S310
            return proc
        except OSError:
            time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGTERM)
    raise SystemExit("the server did not start")


def main():
    if not shutil.which("npm"):
        raise SystemExit("npm est nécessaire pour Lighthouse.")
    binary = install()
    proc = serve()
    failures = 0
    try:
        for page in PAGES:
            with tempfile.TemporaryDirectory() as tmp:
                report = Path(tmp) / "report.json"
                for attempt in range(1, ATTEMPTS + 1):
                    run = subprocess.run(
                        [str(binary), f"http://127.0.0.1:{PORT}{page}", "--quiet",
                         "--output=json", f"--output-path={report}",
                         f"--chrome-flags={CHROME_FLAGS}",
                         "--only-categories=" + ",".join(CATEGORIES)],
                        check=attempt == ATTEMPTS, env={**os.environ, "CHROME_PATH": CHROMIUM},
                    )  # fmt: skip
                    if run.returncode == 0:
                        break
                data = json.loads(report.read_text())
            scores = {name: round(data["categories"][name]["score"] * 100) for name in CATEGORIES}
            print(page, "  ".join(f"{name} {score}" for name, score in scores.items()))
            failures += any(scores[name] < 95 for name in CATEGORIES[1:])
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
