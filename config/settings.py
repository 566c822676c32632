"""luoshi settings: one file, driven by the environment (LUOSHI_*, DATABASE_URL, SECRET_KEY)."""
from pathlib import Path
import os

import dj_database_url

from config.env import env_bool, env_count_seconds, env_int, env_seconds

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("LUOSHI_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


DEMO_SECRET_KEY = "luoshi-demo-insecure-secret-key-change-me"
SECRET_KEY = os.environ.get("SECRET_KEY", DEMO_SECRET_KEY)
DEBUG = env_bool("LUOSHI_DEBUG", False)
ALLOWED_HOSTS = [h for h in os.environ.get("LUOSHI_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("LUOSHI_CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "ninja",
    "django_tasks",
    "django_tasks_db",
    "luoshi.core",
    "luoshi.org",
    "luoshi.programs",
    "luoshi.tasks",
    "luoshi.ledger",
    "luoshi.assessment",
    "luoshi.intake",
    "luoshi.ideas",
    "luoshi.projects",

    "luoshi.cockpit",
    "luoshi.instructions",

    "luoshi.cases",

    "luoshi.procedures",

    "luoshi.policies",
    "luoshi.portal",
    "luoshi.documents",
    "luoshi.api",
    "luoshi.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "luoshi.core.middleware.ChineseFirstMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "luoshi.core.edge.EdgeMiddleware",  # refuse NUL, ids past 64 bits, year-1 dates before any view (core/edge.py)
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "luoshi.core.middleware.MethodNotAllowedPage",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

# The project's pages, documents and e-mails are Jinja2 templates in each app's `templates/` directory (ADR 0043:
# `luoshi.core.jinja` keeps the Django template language's lookups and localization). Django's own engine stays
# second, only for what Django itself ships (the admin's pages).
_CONTEXT_PROCESSORS = [
    "django.template.context_processors.request",
    "django.contrib.auth.context_processors.auth",
    "django.contrib.messages.context_processors.messages",
    "django.template.context_processors.i18n",
    "luoshi.core.context_processors.luoshi",
    "luoshi.org.context_processors.scope",
]
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [BASE_DIR / app.replace(".", "/") / "templates" for app in INSTALLED_APPS
                 if app.startswith("luoshi.") and (BASE_DIR / app.replace(".", "/") / "templates").is_dir()],
        "APP_DIRS": False,
        "OPTIONS": {"environment": "luoshi.core.jinja.environment", "context_processors": _CONTEXT_PROCESSORS},
    },
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {"context_processors": _CONTEXT_PROCESSORS},
    },
]

DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'luoshi.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("LUOSHI_CONN_MAX_AGE", 60))}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers run while one writer writes; IMMEDIATE takes the write lock at BEGIN so
    # two writers queue on the busy timeout instead of failing mid-transaction. The connection is kept between
    # requests (LUOSHI_CONN_MAX_AGE, as for PostgreSQL): a new SQLite connection parses the whole schema at its first
    # statement, ~2 ms of CPU per request at this project's 139 tables and 482 indexes (ADR 0039).
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
    }
    DATABASES["default"]["TEST"] = {"NAME": os.environ.get("LUOSHI_TEST_SQLITE", "")} if os.environ.get("LUOSHI_TEST_SQLITE") else {}

if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Django's backend with a faster reader of timestamptz values (luoshi/core/postgresql/base.py)
    DATABASES["default"]["ENGINE"] = "luoshi.core.postgresql"
    # Server-side binding and psycopg's automatic prepared statements stay off (ADR 0039, 0048): after five runs
    # PostgreSQL may keep a prepared statement's generic plan, and for the 工作台 lists, the tallies and the ledger counts
    # that plan is 10–60 times slower for this project's skewed programs and subtrees; psycopg also keeps failing on a
    # statement deallocated behind its back (a pooler's DISCARD ALL) until the connection is renewed.
    if env_bool("LUOSHI_PG_SERVER_BINDING", False):
        DATABASES["default"].setdefault("OPTIONS", {})["server_side_binding"] = True
    if os.environ.get("LUOSHI_PG_PREPARE_THRESHOLD"):
        DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = env_int("LUOSHI_PG_PREPARE_THRESHOLD", 0)
# The per-request statements (session, person, scope, header) prepared once per PostgreSQL connection (core.prepared,
# ADR 0040); 0 behind a pooler in transaction mode, which does not keep a connection's prepared statements.
LUOSHI_PG_PREPARED_PER_REQUEST = env_bool("LUOSHI_PG_PREPARED_PER_REQUEST", True)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# The score-card index carries extra columns for PostgreSQL (INCLUDE); SQLite ignores them, which is fine.
SILENCED_SYSTEM_CHECKS = ["models.W040"]
AUTH_USER_MODEL = "org.Person"
# one statement each for the session and the signed-in person on every request (luoshi/core/sessions.py); Django's
# ModelBackend stays listed so sessions stored under its name stay valid
AUTHENTICATION_BACKENDS = ["luoshi.core.sessions.PersonBackend", "django.contrib.auth.backends.ModelBackend"]
SESSION_ENGINE = "luoshi.core.sessions"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "workbench"
LOGOUT_REDIRECT_URL = "login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("LUOSHI_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"  # only for `collectstatic`; whitenoise serves from the finders
STATIC_ROOT.mkdir(exist_ok=True)
MEDIA_ROOT = Path(os.environ.get("LUOSHI_MEDIA_ROOT", VAR_DIR / "media"))
# Evidence files are never served as public media: downloads go through a view that checks scope.
MEDIA_URL = "/media-not-served/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

DATA_UPLOAD_MAX_MEMORY_SIZE = 30 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
LUOSHI_UPLOAD_MAX_BYTES = env_int("LUOSHI_UPLOAD_MAX_BYTES", 20 * 1024 * 1024)
LUOSHI_IMPORT_MAX_BYTES = env_int("LUOSHI_IMPORT_MAX_BYTES", 20 * 1024 * 1024)
# rows one import may write in its one transaction (core.bulk.import_size_check, ADR 0028)
LUOSHI_IMPORT_MAX_ROWS = env_int("LUOSHI_IMPORT_MAX_ROWS", 20000)

# By default mail is written to files under var/mail (an intranet demo has no mail server);
# set LUOSHI_EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend and LUOSHI_EMAIL_HOST for real mail.
EMAIL_BACKEND = os.environ.get("LUOSHI_EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = VAR_DIR / "mail"
EMAIL_HOST = os.environ.get("LUOSHI_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("LUOSHI_EMAIL_PORT", 25)
DEFAULT_FROM_EMAIL = os.environ.get("LUOSHI_FROM_EMAIL", "luoshi@localhost")
# The default cache holds cached list bodies. The default (per process) is right for one machine; with several app
# servers LUOSHI_CACHE=db shares it (run `luoshi createcachetable` once).
# Shared by every process and server (nothing in memory): the database cache (table luoshi_cache, migration core
# 0008) by default, Redis when LUOSHI_REDIS_URL is set; LUOSHI_CACHE=locmem keeps a per-process cache (one process).
CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "luoshi_cache"}}
if os.environ.get("LUOSHI_CACHE", "db") == "locmem":
    CACHES["default"] = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "luoshi-default"}
# The public site's rate-limit counters (core.throttle, django-ratelimit) are shared by every process: the database
# cache, in the table migration core 0006 creates. Its increment is a read and a write, not atomic: a burst of
# concurrent submissions from one address can slip one or two past the limit, which a throttle against floods
# tolerates (django-ratelimit's own check, which asks for memcached or Redis, is not run: the app is not installed).
CACHES["ratelimit"] = {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "luoshi_ratelimit"}
RATELIMIT_USE_CACHE = "ratelimit"
# Redis (e.g. Debian's redis-server) for every piece of shared state at once: the cache, the rate-limit and sign-in
# counters (atomic increments there) and the single-flight locks. LUOSHI_REDIS_URL=redis://127.0.0.1:6379/0
LUOSHI_REDIS_URL = os.environ.get("LUOSHI_REDIS_URL", "")
if LUOSHI_REDIS_URL:
    for _alias, _prefix in (("default", "luoshi"), ("ratelimit", "luoshi-rl")):
        CACHES[_alias] = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": LUOSHI_REDIS_URL,
                          "KEY_PREFIX": _prefix}
# Behind a reverse proxy REMOTE_ADDR is the proxy: name the header the proxy writes the client's address into
# (e.g. HTTP_X_REAL_IP for nginx `proxy_set_header X-Real-IP $remote_addr`), or everyone shares one limit.
LUOSHI_CLIENT_IP_HEADER = os.environ.get("LUOSHI_CLIENT_IP_HEADER", "")
# the public request form: at most this many submissions per client address and window ("count/seconds")
LUOSHI_INTAKE_THROTTLE = os.environ.get("LUOSHI_INTAKE_THROTTLE", "5/600")
# where citizens reach the public site: links in e-mails to requesters (the rating link) start with it
LUOSHI_PUBLIC_URL = os.environ.get("LUOSHI_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/")

# Text messages (core.sms): verification codes for portal applications (core.verification). The file backend writes
# var/sms/*.txt; for a real gateway set LUOSHI_SMS_BACKEND=luoshi.core.sms.HttpGatewayBackend and the gateway's
# URL, token and 短信签名 (docs/deployment.md).
LUOSHI_SMS_BACKEND = os.environ.get("LUOSHI_SMS_BACKEND", "luoshi.core.sms.FileBackend")
LUOSHI_SMS_FILE_PATH = Path(os.environ.get("LUOSHI_SMS_FILE_PATH", VAR_DIR / "sms"))
LUOSHI_SMS_GATEWAY_URL = os.environ.get("LUOSHI_SMS_GATEWAY_URL", "")
LUOSHI_SMS_GATEWAY_TOKEN = os.environ.get("LUOSHI_SMS_GATEWAY_TOKEN", "")
LUOSHI_SMS_SIGN = os.environ.get("LUOSHI_SMS_SIGN", "")
LUOSHI_SMS_TIMEOUT = env_seconds("LUOSHI_SMS_TIMEOUT", 5.0)
LUOSHI_VERIFY_CODE_MINUTES = env_int("LUOSHI_VERIFY_CODE_MINUTES", 15)
LUOSHI_VERIFY_MAX_ATTEMPTS = env_int("LUOSHI_VERIFY_MAX_ATTEMPTS", 5)
LUOSHI_VERIFY_THROTTLE = env_count_seconds("LUOSHI_VERIFY_THROTTLE", (10, 3600), separator="/")
LUOSHI_VERIFY_THROTTLE_PER_ADDRESS = env_count_seconds("LUOSHI_VERIFY_THROTTLE_PER_ADDRESS", (5, 3600), separator="/")

# Where reminders go besides the in-app 消息 list. Each entry is a dotted path to a luoshi.core.notify.Channel subclass;
# an SMS gateway or 政务IM bot is one more class here.
LUOSHI_NOTIFY_CHANNELS = [
    c for c in os.environ.get(
        "LUOSHI_NOTIFY_CHANNELS", "luoshi.core.notify.EmailChannel"
    ).split(",") if c
]
LUOSHI_SITE_NAME = os.environ.get("LUOSHI_SITE_NAME", "落实 · 督查督办平台")

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("LUOSHI_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LUOSHI_LOG_LEVEL", "WARNING")},
}

# Background work (photo resizing, later long exports): the django-tasks API with a database-backed
# worker (`luoshi db_worker`), so no broker is needed. Tests use the immediate backend.
TASKS = {"default": {"BACKEND": os.environ.get("LUOSHI_TASKS_BACKEND", "django_tasks_db.DatabaseBackend")}}

# Open311 GeoReport v2 facade (/open311/v2/, luoshi.intake.open311). One jurisdiction per installation:
# a client may send this jurisdiction_id (any other value is a 404). Discovery advertises the contact and how to
# get an api_key. SERVICE_TYPE "realtime" returns the request id at once; "batch" returns a token instead.
LUOSHI_OPEN311_JURISDICTION = os.environ.get("LUOSHI_OPEN311_JURISDICTION", "luoshi.local")
# Open311 list answers are kept this long in the cache (keyed by the newest update); 0 turns it off
LUOSHI_OPEN311_LIST_CACHE_SECONDS = env_int("LUOSHI_OPEN311_LIST_CACHE_SECONDS", 60)
LUOSHI_OPEN311_CONTACT = os.environ.get("LUOSHI_OPEN311_CONTACT", "")
LUOSHI_OPEN311_ENDPOINT_TYPE = os.environ.get("LUOSHI_OPEN311_ENDPOINT_TYPE", "production")
LUOSHI_OPEN311_SERVICE_TYPE = os.environ.get("LUOSHI_OPEN311_SERVICE_TYPE", "realtime")

# ---- production safety (docs/deployment.md) ----------------------------------------------------------------
# HTTPS behind nginx: redirect, HSTS and the header the proxy sets, all from the environment
SECURE_SSL_REDIRECT = env_bool("LUOSHI_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = env_int("LUOSHI_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("LUOSHI_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("LUOSHI_HSTS_PRELOAD", False)
if env_bool("LUOSHI_BEHIND_HTTPS_PROXY", False):  # nginx: proxy_set_header X-Forwarded-Proto $scheme;
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REFERRER_POLICY = "same-origin"
# Content-Security-Policy (core/middleware.ContentSecurityPolicyMiddleware): scripts, styles, fonts and images
# come from this site only (no CDN: intranets have no internet); inline style attributes are allowed.
LUOSHI_CSP = os.environ.get("LUOSHI_CSP", "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                            "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; object-src 'none'; "
                            "base-uri 'self'; form-action 'self'; frame-ancestors 'none'")
MIDDLEWARE.insert(1, "luoshi.core.middleware.ContentSecurityPolicyMiddleware")
# sign-in: failed passwords per account and per address before sign-in pauses ("count, seconds"; core/login.py)
LUOSHI_LOGIN_LIMIT_ACCOUNT = env_count_seconds("LUOSHI_LOGIN_LIMIT_ACCOUNT", (5, 900))
LUOSHI_LOGIN_LIMIT_ADDRESS = env_count_seconds("LUOSHI_LOGIN_LIMIT_ADDRESS", (20, 900))
# a server started with DEBUG off on the public demo key refuses to serve (config/wsgi.py); `make demo` allows it
LUOSHI_ALLOW_DEMO_KEY = env_bool("LUOSHI_ALLOW_DEMO_KEY", False)
# a server process loads every view, template and translation at its start (config/wsgi.py); the test suite sets 0
LUOSHI_WARM_UP = env_bool("LUOSHI_WARM_UP", True)
