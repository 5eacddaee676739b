"""Settings of the Quali'Coop portal, driven by the environment.

Development works with no variable at all (SQLite, DEBUG on). With DEBUG=False
the app refuses to start unless SECRET_KEY and ALLOWED_HOSTS are given.
"""

from datetime import timedelta
from pathlib import Path

from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from .lib.env import (
    cache_from_url,
    cache_is_shared,
    database_from_url,
    development_site_url,
    env_bool,
    env_int,
    env_list,
    env_str,
    file_store_from_env,
    site_url_from,
)
from .lib.error_tracking import start as start_error_tracking
from .lib.version import app_version

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", True)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is false.")
    SECRET_KEY = "dev-only-insecure-key-never-used-in-production"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DEBUG is false.")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

# The public address: every absolute link (e-mails, API, sitemap, canonical URLs)
# is built from it, never from the request's Host (qualicoop.lib.absolute_urls).
# In development it follows the address `make run` serves (HOST and PORT), so
# that `make run PORT=8101` sends invitation links to port 8101.
SITE_URL = env_str("SITE_URL", development_site_url() if DEBUG else "")
if not DEBUG and not SITE_URL:
    raise ImproperlyConfigured("SITE_URL must be set when DEBUG is false.")
SITE_URL = site_url_from(SITE_URL)
# Days an invitation link stays valid (coops.invitations); sending it again restarts them.
INVITATION_DAYS = env_int("INVITATION_DAYS", 7)
if INVITATION_DAYS <= 0:
    raise ImproperlyConfigured("INVITATION_DAYS must be a positive number of days.")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sitemaps",
    "crispy_forms",
    "crispy_bootstrap5",
    "simple_history",
    "axes",
    "csp",
    "django_tasks",
    # Before django_tasks_db: its db_worker command, which takes back the tasks
    # of a dead worker, replaces the package's own.
    "qualicoop.task_queue",
    "django_tasks_db",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "coops",
    "commitments",
    "qualicoop",
    "qualicoop.accounts",
    "qualicoop.documents",
    # After commitments: follows what it publishes (the open-data files).
    "qualicoop.public",
    # After commitments: tells partners' webhooks what it validates and publishes.
    "qualicoop.webhooks",
]

MIDDLEWARE = [
    # Outermost: it times the whole request and names it in every log line.
    "qualicoop.lib.request_log.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Outside everything that reads or writes the body: it compresses the final
    # one (brotli, else gzip); static files and cached pages come compressed already.
    "qualicoop.lib.compression.CompressionMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Outside the page cache, so that cached pages answer 304 too.
    "django.middleware.http.ConditionalGetMiddleware",
    "qualicoop.lib.public_cache.PublicPageCacheMiddleware",
    # Inside the conditional GET, so that a page no one may store gets no ETag either.
    "qualicoop.private_pages.PrivatePagesMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "qualicoop.lib.i18n.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Right after authentication: a session still owing its second factor reaches nothing else.
    "qualicoop.accounts.second_factor.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Forged admin input gets a 400 (with the headers above), not a database error.
    "qualicoop.admin_guard.AdminInputGuardMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, so that it sees the outcome of authentication and answers lockouts.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "qualicoop.urls"
WSGI_APPLICATION = "qualicoop.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            # Coverage of the templates (make test) reads their debug information.
            "debug": env_bool("TEMPLATE_DEBUG", DEBUG),
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "qualicoop.navigation.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": database_from_url(env_str("DATABASE_URL", "sqlite:///db.sqlite3"), base_dir=BASE_DIR)
}
# Reuse connections, and check them before use so that a restarted database
# is reconnected to instead of failing the next request.
DATABASES["default"]["CONN_MAX_AGE"] = env_int("CONN_MAX_AGE", 60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
FIXTURE_DIRS = [BASE_DIR / "fixtures"]
# Backups go to the file store (qualicoop.backups); `manage.py backup` keeps the
# newest of each of this many days, and of this many months, and deletes the rest.
BACKUP_KEEP_DAILY = env_int("BACKUP_KEEP_DAILY", 14)
BACKUP_KEEP_MONTHLY = env_int("BACKUP_KEEP_MONTHLY", 12)
if BACKUP_KEEP_DAILY < 1 or BACKUP_KEEP_MONTHLY < 0:
    raise ImproperlyConfigured(
        "BACKUP_KEEP_DAILY must be at least 1 and BACKUP_KEEP_MONTHLY at least 0."
    )
# The portable export keeps timestamps to the microsecond (see qualicoop/lib/backup_format.py).
SERIALIZATION_MODULES = {"json-exact": "qualicoop.lib.backup_format"}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Django's model backend, loading the header's rights and unread count with
    # the user (one query instead of four on every page).
    "qualicoop.accounts.backends.SignedInUserBackend",
]
# How many failed logins within the cool-off lock an account, never an address
# alone: a whole office shares one, and behind a misread proxy every visitor
# would. The account is locked first from the address the failures came from,
# so that one's typing errors lock nobody else out; then, at a higher count, from
# everywhere, which slows a guess spread over many addresses. A made-up username
# locks nothing that exists. Each limit is held by qualicoop.accounts.lockout.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
LOGIN_LOCKS = {
    ("username", "ip_address"): AXES_FAILURE_LIMIT,
    ("username",): env_int("AXES_ACCOUNT_FAILURE_LIMIT", 20),
}
if min(LOGIN_LOCKS.values()) < 1:
    raise ImproperlyConfigured("AXES_FAILURE_LIMIT and AXES_ACCOUNT_FAILURE_LIMIT must be above 0.")
AXES_LOCKOUT_PARAMETERS = [list(parameters) for parameters in LOGIN_LOCKS]
AXES_HANDLER = "qualicoop.accounts.lockout.LockoutHandler"
# An account is locked whichever of its names was typed (its address in any case).
AXES_USERNAME_CALLABLE = "qualicoop.accounts.lockout.locked_name"
AXES_CLIENT_IP_CALLABLE = "qualicoop.lib.client_address.client_address"
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
# Trying again while locked out does not restart the cool-off, so that the
# lockout page's "try again in 12 minutes" stays true.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "qualicoop.accounts.lockout.lockout_response"
AXES_LOCKOUT_TEMPLATE = "registration/lockout.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "workspace:home"
LOGOUT_REDIRECT_URL = "public:home"

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("Français")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"

# Work on what members typed is bounded, in the task worker that does it: a
# workbook read back, a PDF laid out. Past a bound the task stops, and the page
# that follows it says why.
SPREADSHEET_TIME_LIMIT = env_int("SPREADSHEET_TIME_LIMIT", 120)
PDF_TIME_LIMIT = env_int("PDF_TIME_LIMIT", 180)
PDF_MAX_PAGES = env_int("PDF_MAX_PAGES", 400)
STATICFILES_DIRS = [BASE_DIR / "static"]
# The file store of everything the portal keeps (evidence, documents, open-data
# files, backups):
# the local disk by default (no set-up), S3-compatible object storage when
# FILE_STORE_BUCKET is given, so that several app servers need no shared
# directory (qualicoop.lib.file_store).
MEDIA_ROOT = Path(env_str("MEDIA_ROOT") or BASE_DIR / "var" / "files")
STORAGES = {
    "default": file_store_from_env(media_root=MEDIA_ROOT),
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
WHITENOISE_MAX_AGE = 31536000 if not DEBUG else 0

# Evidence files (pièces justificatives): each file at most EVIDENCE_MAX_MB, each
# cooperative at most EVIDENCE_QUOTA_MB in all; uploads scanned by ClamAV's daemon
# when CLAMD_SOCKET, or CLAMD_HOST and CLAMD_PORT, say where it listens
# (qualicoop.lib.antivirus).
EVIDENCE_MAX_BYTES = env_int("EVIDENCE_MAX_MB", 10) * 1024 * 1024
EVIDENCE_QUOTA_BYTES = env_int("EVIDENCE_QUOTA_MB", 500) * 1024 * 1024
CLAMD_SOCKET = env_str("CLAMD_SOCKET")
CLAMD_HOST = env_str("CLAMD_HOST")
CLAMD_PORT = env_int("CLAMD_PORT", 3310)
CLAMD_TIMEOUT = env_int("CLAMD_TIMEOUT", 30)
if EVIDENCE_MAX_BYTES <= 0 or EVIDENCE_QUOTA_BYTES <= 0 or CLAMD_TIMEOUT <= 0:
    raise ImproperlyConfigured("EVIDENCE_MAX_MB, EVIDENCE_QUOTA_MB and CLAMD_TIMEOUT must be > 0.")
if CLAMD_SOCKET and CLAMD_HOST:
    raise ImproperlyConfigured("Give CLAMD_SOCKET or CLAMD_HOST, not both.")
# A revision dossier stays downloadable this many days, then is asked for again.
DOSSIER_KEPT_DAYS = env_int("DOSSIER_KEPT_DAYS", 7)

CACHES = {
    "default": cache_from_url(
        env_str("CACHE_URL") or env_str("REDIS_URL"), debug=DEBUG, base_dir=BASE_DIR
    )
}
# With several app servers, only a cache they all share (Redis) keeps a logout
# and a publication true on every one of them. On a file cache (one per machine)
# the site is therefore taken to have several, unless told it has one: sessions
# are then read from the database and the page cache is off, correct but slower,
# and the check qualicoop.W001 says so (qualicoop.checks).
SINGLE_APP_SERVER = env_bool("SINGLE_APP_SERVER", False)
SHARED_CACHE = cache_is_shared(CACHES["default"], debug=DEBUG, single_app_server=SINGLE_APP_SERVER)
# Anonymous public pages are served from the cache (qualicoop.lib.public_cache).
PUBLIC_PAGE_CACHE = env_bool("PUBLIC_PAGE_CACHE", SHARED_CACHE)
if PUBLIC_PAGE_CACHE and not SHARED_CACHE:
    raise ImproperlyConfigured(
        "PUBLIC_PAGE_CACHE=true needs a cache shared by every app server: set REDIS_URL, "
        "or SINGLE_APP_SERVER=true if there is only one (and no in-process cache)."
    )

# Webhooks go to the partners' own servers. Off (production): only HTTPS, and
# only to public addresses (no private, loopback, link-local, multicast or
# reserved one: the portal must not be made to call its own network). On, for
# tests and development: http and a receiver on this machine are accepted.
WEBHOOKS_ALLOW_PRIVATE = env_bool("WEBHOOKS_ALLOW_PRIVATE", False)
# What was sent to each webhook, and each try, is kept this many days, then purged
# (manage.py purge_webhook_deliveries, each day).
WEBHOOK_DELIVERIES_KEEP_DAYS = env_int("WEBHOOK_DELIVERIES_KEEP_DAYS", 90)
if WEBHOOK_DELIVERIES_KEEP_DAYS <= 0:
    raise ImproperlyConfigured("WEBHOOK_DELIVERIES_KEEP_DAYS must be a positive number of days.")

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Quali'Coop <qualicoop@example.org>")
# The federation's address for questions about personal data (the privacy page).
CONTACT_EMAIL = env_str("CONTACT_EMAIL", "qualicoop@example.org")
# Who publishes and who hosts the portal, as the legal notice must say
# (/mentions-legales/). The publisher is the federation; a phone number or a
# named publication director is shown only once given. With no hosting
# provider named, the notice says the publisher hosts the portal itself.
PUBLISHER_NAME = env_str("PUBLISHER_NAME", "Fédération nationale des sociétés coopératives d'HLM")
PUBLISHER_ADDRESS = env_str("PUBLISHER_ADDRESS", "14 rue Lord Byron, 75008 Paris")
PUBLISHER_PHONE = env_str("PUBLISHER_PHONE")
PUBLICATION_DIRECTOR = env_str("PUBLICATION_DIRECTOR")
HOSTING_PROVIDER_NAME = env_str("HOSTING_PROVIDER_NAME")
HOSTING_PROVIDER_ADDRESS = env_str("HOSTING_PROVIDER_ADDRESS")
HOSTING_PROVIDER_PHONE = env_str("HOSTING_PROVIDER_PHONE")
# Seconds before a silent mail server counts as failed: the mail task then tries
# again later instead of holding the worker.
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
if EMAIL_TIMEOUT <= 0:
    raise ImproperlyConfigured("EMAIL_TIMEOUT must be a positive number of seconds.")

# Every e-mail is a background task (qualicoop.lib.mail). The database backend needs
# a worker beside the web server (manage.py db_worker); "immediate" sends in the
# request, as before, and needs none.
TASK_BACKENDS = {
    "database": "django_tasks_db.DatabaseBackend",
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
}
TASKS_BACKEND = env_str("TASKS_BACKEND", "database")
if TASKS_BACKEND not in TASK_BACKENDS:
    raise ImproperlyConfigured(
        f"TASKS_BACKEND={TASKS_BACKEND!r} is not supported (use database or immediate)."
    )
TASKS = {"default": {"BACKEND": TASK_BACKENDS[TASKS_BACKEND]}}
# Seconds a task may stay running before its worker counts as dead (killed, out
# of memory, its machine restarted): the task is then queued again
# (qualicoop.task_queue.recovery). It must outlast the longest task, else a slow
# one would run twice at once: an e-mail takes a few EMAIL_TIMEOUTs at worst.
TASK_LEASE_SECONDS = env_int("TASK_LEASE_SECONDS", 600)
if TASK_LEASE_SECONDS <= EMAIL_TIMEOUT:
    raise ImproperlyConfigured(
        f"TASK_LEASE_SECONDS={TASK_LEASE_SECONDS} must be longer than EMAIL_TIMEOUT "
        f"({EMAIL_TIMEOUT} s): a slow e-mail would be sent again while it is being sent."
    )

# Seconds an e-mail notification waits before it leaves, so that several about
# the same selection for the same person leave as one (qualicoop.accounts.delivery).
NOTIFICATION_DELAY = env_int("NOTIFICATION_DELAY", 300)
if NOTIFICATION_DELAY < 0:
    raise ImproperlyConfigured("NOTIFICATION_DELAY must be a number of seconds, 0 or more.")

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

MESSAGE_TAGS = {40: "danger"}

# Sessions are read from the cache on every logged-in request (one query fewer),
# and still written to the database, so that a cache flush logs nobody out. Read
# from a cache another server does not share, a session signed out there would
# stay valid here: then the database alone.
SESSION_ENGINE = (
    "django.contrib.sessions.backends.cached_db"
    if SHARED_CACHE
    else "django.contrib.sessions.backends.db"
)
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 60 * 60 * 8)
# Reviewers and administrators sign in with a second factor (TOTP) in production;
# the development demo keeps the password alone, so that it stays one command.
SECOND_FACTOR_REQUIRED = env_bool("SECOND_FACTOR_REQUIRED", not DEBUG)
OTP_TOTP_ISSUER = "Quali'Coop"
# Administrators may remove a lost device (the person then pairs a new one), never
# read a secret that would let them pass for its owner.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
# The language switch is a link to the server, which alone reads the cookie.
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
# An expired form answers with the site's own page, saying how to send it again.
CSRF_FAILURE_VIEW = "qualicoop.accounts.views.csrf_failure"
X_FRAME_OPTIONS = "DENY"
# No inline script anywhere: scripts come from our own static files only.
# Inline styles stay allowed (style attributes of progress bars and charts).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, "'unsafe-inline'"],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
# A load balancer probes /healthz (alive) and /readyz (ready for traffic) over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
# Seconds /readyz gives the cache and the file store to answer (qualicoop.readiness).
READINESS_TIMEOUT = env_int("READINESS_TIMEOUT", 2)
# Seconds the oldest waiting task may wait before /readyz says the queue is failing:
# no worker runs, or it cannot keep up.
READINESS_QUEUE_MAX_AGE = env_int("READINESS_QUEUE_MAX_AGE", 600)
if READINESS_TIMEOUT <= 0 or READINESS_QUEUE_MAX_AGE <= 0:
    raise ImproperlyConfigured("READINESS_TIMEOUT and READINESS_QUEUE_MAX_AGE must be above 0.")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
BEHIND_HTTPS_PROXY = not DEBUG and env_bool("BEHIND_HTTPS_PROXY", True)
if not DEBUG:
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
    CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", True)
    LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    if BEHIND_HTTPS_PROXY:
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# The client's address (login lockout, security log) is read in X-Forwarded-For,
# from the right, past this many proxies (qualicoop.lib.client_address): behind them,
# the TCP peer's address is the proxy's, everyone's.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 1 if BEHIND_HTTPS_PROXY else 0)
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured("TRUSTED_PROXY_COUNT cannot be negative.")

# "text" for a person at a terminal; "json" for a host's log collector: one
# object per line with the request's id, user, route, status and duration
# (qualicoop.lib.request_log).
LOG_FORMAT = env_str("LOG_FORMAT", "text")
if LOG_FORMAT not in ("text", "json"):
    raise ImproperlyConfigured(f"LOG_FORMAT={LOG_FORMAT!r} is not supported (use text or json).")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "qualicoop.lib.request_log.JSONFormatter"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
    },
}

# Errors go to Sentry or a self-hosted GlitchTip when a DSN is given
# (qualicoop.lib.error_tracking says what is never sent).
SENTRY_DSN = env_str("SENTRY_DSN")
SENTRY_ENVIRONMENT = env_str("SENTRY_ENVIRONMENT", "development" if DEBUG else "production")
APP_VERSION = app_version()
if SENTRY_DSN:
    start_error_tracking(dsn=SENTRY_DSN, environment=SENTRY_ENVIRONMENT, release=APP_VERSION)
