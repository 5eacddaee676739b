"""The container image runs the portal: migrations, a web and a worker container.

`make image` builds it (podman, no registry); then, against PostgreSQL and a
Redis of the test's own, with the host's network: the release step, the web
container answering the home page and a sign-in, and the worker container
sending the e-mail of a password reset asked through the web container, to an
SMTP sink of the test. Run once in CI (it takes minutes); skipped elsewhere
when podman is missing.
"""

import os
import re
import secrets
import shutil
import subprocess
import time
import uuid
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.urls import reverse

from tests.integration.test_two_app_servers import Server, _free_port, _production_env
from tests.unit.test_mail_tasks import FakeSMTPServer
from tests.views.test_readyz import _start_redis

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(
        shutil.which("podman") is None and not os.environ.get("CI"),
        reason="podman absent (the image is built in CI)",
    ),
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith("postgres"),
        reason="the containers need PostgreSQL (DATABASE_URL=postgres://…)",
    ),
]

IMAGE = "localhost/qualicoop:latest"
BUILD_SECONDS = 1800
START_SECONDS = 60
MAIL_SECONDS = 60


def _podman_env():
    return {**os.environ, "CONTAINERS_CONF": str(Path(settings.BASE_DIR) / "build/containers.conf")}


@pytest.fixture(scope="module")
def image():
    subprocess.run(
        ["make", "image"],  # noqa: S607 - the project's own target
        cwd=settings.BASE_DIR,
        check=True,
        timeout=BUILD_SECONDS,
    )
    return IMAGE


@pytest.fixture
def database():
    """A role with a password and a database of its own, reached over TCP from the containers."""
    name = f"qualicoop_image_{uuid.uuid4().hex[:8]}"
    password = secrets.token_hex(16)
    admin = psycopg.connect(dbname="postgres", autocommit=True)
    admin.execute(f"CREATE ROLE {name} LOGIN PASSWORD '{password}'")
    admin.execute(f"CREATE DATABASE {name} OWNER {name}")
    yield f"postgres://{name}:{password}@127.0.0.1:5432/{name}"
    admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    admin.execute(f"DROP ROLE IF EXISTS {name}")
    admin.close()


def _env_file(path: Path, env: dict) -> Path:
    path.write_text("".join(f"{key}={value}\n" for key, value in env.items()))
    return path


def test_the_image_runs_migrations_a_web_and_a_worker_container(image, database, tmp_path):
    redis_port = _free_port()
    redis = _start_redis(redis_port, tmp_path)
    smtp = FakeSMTPServer()
    smtp.answer()
    web_port = _free_port()
    production = _production_env(database, f"redis://127.0.0.1:{redis_port}/0")
    env = {
        key: production[key]
        for key in production
        if key
        in {
            "DEBUG",
            "SECRET_KEY",
            "ALLOWED_HOSTS",
            "SITE_URL",
            "DATABASE_URL",
            "CACHE_URL",
            "BEHIND_HTTPS_PROXY",
            "SECURE_SSL_REDIRECT",
            "SESSION_COOKIE_SECURE",
            "CSRF_COOKIE_SECURE",
            "SECURE_HSTS_SECONDS",
            "SECOND_FACTOR_REQUIRED",
        }
    }
    env.update(
        {
            "PORT": str(web_port),
            "WEB_CONCURRENCY": "2",
            "TASKS_BACKEND": "database",
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(smtp.port),
            "LOG_FORMAT": "json",
        }
    )
    env_file = _env_file(tmp_path / "prod.env", env)
    podman = ["podman", "run", "--rm", "--network", "host", "--env-file", str(env_file)]
    names = [f"qualicoop-web-{web_port}", f"qualicoop-worker-{web_port}"]
    logs = {name: tmp_path / f"{name}.log" for name in names}
    running = []
    try:
        subprocess.run(  # noqa: S603
            [
                *podman,
                image,
                "sh",
                "-c",
                "python manage.py migrate --noinput && python manage.py load_reference_data "
                "&& python manage.py create_demo_accounts --force",
            ],
            env=_podman_env(),
            check=True,
            capture_output=True,
            timeout=300,
        )
        for name, command in zip(
            names, [[], ["python", "manage.py", "db_worker", "--no-reload"]], strict=True
        ):
            with logs[name].open("wb") as log:
                running.append(
                    subprocess.Popen(  # noqa: S603
                        [*podman, "--name", name, image, *command],
                        env=_podman_env(),
                        stdout=log,
                        stderr=subprocess.STDOUT,
                    )
                )
        web = Server(env=env, log=logs[names[0]], port=web_port, process=running[0])
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            try:
                if web.request("GET", "/readyz").status == 200:
                    break
            except OSError:
                pass
            assert running[0].poll() is None, logs[names[0]].read_text()
            time.sleep(0.5)
        assert web.request("GET", "/readyz").status == 200, logs[names[0]].read_text()

        home = web.request("GET", "/")
        assert home.status == 200 and "Quali" in home.body

        login_page = web.request("GET", reverse("accounts:login"))
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login_page.body).group(1)
        signed_in = web.request(
            "POST",
            reverse("accounts:login"),
            cookies=login_page.cookies,
            form={"csrfmiddlewaretoken": token, "username": "demo", "password": "qualicoop-demo"},
        )
        assert signed_in.status == 302, signed_in.body[:500]
        assert "sessionid" in signed_in.cookies

        reset_page = web.request("GET", reverse("accounts:password_reset"))
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', reset_page.body).group(1)
        asked = web.request(
            "POST",
            reverse("accounts:password_reset"),
            cookies=reset_page.cookies,
            form={"csrfmiddlewaretoken": token, "email": "demo@example.org"},
        )
        assert asked.status == 302

        deadline = time.monotonic() + MAIL_SECONDS
        while not smtp.received and time.monotonic() < deadline:
            assert running[1].poll() is None, logs[names[1]].read_text()
            time.sleep(0.5)
        assert [message.recipients for message in smtp.received] == [["demo@example.org"]]
        assert '"logger": "qualicoop.lib.mail"' in logs[names[1]].read_text()
    finally:
        for name in names:
            subprocess.run(  # noqa: S603
                ["podman", "stop", "--time", "5", name],  # noqa: S607
                env=_podman_env(),
                capture_output=True,
                timeout=60,
                check=False,
            )
        for process in running:
            process.wait(timeout=30)
        smtp.stop()
        redis.terminate()
        redis.wait(timeout=10)
