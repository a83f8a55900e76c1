"""Settings shared by every environment.

Every value comes from the environment (django-environ) with an embedded default that
makes `make run` work on a laptop: SQLite, the in-memory channel layer, local media and
console e-mail. `.env.example` lists every variable; production.py removes the defaults
that must never reach production.
"""

from datetime import timedelta
from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError as RedisConnectionError

from config.csp import content_security_policy, s3_origins

BASE_DIR = Path(__file__).resolve().parent.parent.parent
APPS_DIR = BASE_DIR / "tenantdesk"

env = environ.Env()
# A developer may keep local overrides in .env; the environment always wins over it.
if (BASE_DIR / ".env").is_file():
    environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=False)
# Only for local runs; production.py requires a real one.
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="insecure-local-development-key-change-me")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    # daphne first: its runserver replaces Django's and serves WebSockets too.
    "daphne",
    # Our apps before the contrib apps, so our templates and translations take precedence.
    "tenantdesk.core",
    "tenantdesk.accounts",
    "tenantdesk.people",
    "tenantdesk.places",
    "tenantdesk.announcements",
    "tenantdesk.service_requests",
    "tenantdesk.chat",
    "tenantdesk.incidents",
    "tenantdesk.notifications",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "channels",
    "axes",
    # Two-factor sign-in: TOTP devices and single-use recovery codes (docs/two-factor.md).
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "phonenumber_field",
    "csp",
    "django_tasks",
    "django_tasks_db",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Pages and JSON gzipped (core/compression.py); outside every middleware that writes a body.
    "tenantdesk.core.compression.PageGZipMiddleware",
    # Before WhiteNoise, so static files carry the policy too.
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # A database outage answers 503 + Retry-After, not 500 (core/database_outage.py).
    "tenantdesk.core.database_outage.DatabaseOutageMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # After LocaleMiddleware and auth: stores the language a person last used (e-mails).
    "tenantdesk.accounts.language.RememberLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # A manager who must set up two-factor sign-in reaches only its setup page until then.
    "tenantdesk.accounts.two_factor_middleware.TwoFactorSetupRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last of the real ones, as django-axes asks: it turns a lock-out into the 429 page.
    "axes.middleware.AxesMiddleware",
    # Innermost and sync-only, so the whole chain runs in one thread (core/sync_chain.py).
    "tenantdesk.core.sync_chain.SyncChain",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [APPS_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "tenantdesk.service_requests.context_processors.roles",
                "tenantdesk.chat.context_processors.unread",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=0)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the ASGI server's threads write without "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;",
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Channels ---------------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
CHANNELS_PREFIX = env.str("CHANNELS_PREFIX", default="tenantdesk")
# How the channel layer talks to Redis. channels_redis waits for a socket's next message
# with a blocking pop of 5 s (RedisChannelLayer.brpop_timeout); redis-py 8 gives up on any
# read after socket_timeout, 5 s by default, so every idle socket died with "Timeout
# reading from …" (channels_redis issue #422). Reads may now take longer than the pop,
# but stay bounded, so a Redis that stops answering is still noticed within 15 s. A
# connection found broken (Redis restarted) is opened again and the command retried
# instead of failing the first socket that uses it; timeouts are not retried, so a dead
# Redis is reported, not waited for three times.
REDIS_CONNECTION_OPTIONS = {
    "socket_timeout": 15,
    "socket_connect_timeout": 5,
    "health_check_interval": 30,
    "retry": Retry(
        ExponentialBackoff(cap=1.0, base=0.05), retries=3, supported_errors=(RedisConnectionError,)
    ),
}
CHANNEL_LAYER_BACKENDS = {
    "queue": "channels_redis.core.RedisChannelLayer",
    "pubsub": "tenantdesk.chat.layer.WatchedPubSubChannelLayer",
}
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": CHANNEL_LAYER_BACKENDS[env.str("CHANNEL_LAYER", default="pubsub")],
            "CONFIG": {
                "hosts": [{"address": REDIS_URL, **REDIS_CONNECTION_OPTIONS}],
                "prefix": CHANNELS_PREFIX,
            },
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# --- Caches ---------------------------------------------------------------------------
# Only the chat's HTTP send limit uses a cache; with Redis every worker shares the count.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "ratelimit": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": CHANNELS_PREFIX + "-ratelimit",
            # A send waits at most this long for the count; without Redis it fails open.
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "ratelimit"}
    ),
}

# --- Authentication ---------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # First: it takes the client address's slot in the lock-out count (or refuses the
    # attempt) before any later backend checks a password, for every caller of
    # authenticate(): the sign-in page and the admin login page (accounts/gate.py).
    "tenantdesk.accounts.backends.SignInGateBackend",
    # Checks the password; reads the signed-in user of each page in one query.
    "tenantdesk.accounts.backends.PeopleBackend",
    # Still listed for the sessions begun before PeopleBackend (a session names the
    # backend that signed it in, and one not listed here signs its user out). Safe to
    # remove once those have expired (SESSION_COOKIE_AGE after the release of 2026-12).
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# The lock-out: the sign-in gate (accounts/gate.py) counts attempts per IP address in a
# locked database row BEFORE the password is checked, so parallel attempts on any number
# of workers cannot slip past it. django-axes keeps its records (AccessAttempt, in the
# admin), the lock-out signal and the blocked page; its handler asks the gate.
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=4)
LOGIN_COOLOFF_SECONDS = env.int("LOGIN_COOLOFF_SECONDS", default=60)
AXES_COOLOFF_TIME = timedelta(seconds=LOGIN_COOLOFF_SECONDS)
# The block lasts LOGIN_COOLOFF_SECONDS from the failure that caused it; knocking while
# blocked does not extend it.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# Our own sign-in log (accounts.SignInEvent) replaces axes' access logs.
AXES_DISABLE_ACCESS_LOG = True
AXES_ENABLE_ACCESS_FAILURE_LOG = False
AXES_LOCKOUT_PARAMETERS = ["ip_address"]
# A success gives back only its own slot in the gate and does not wipe the address's
# failures (see accounts/gate.py); axes' records keep them too, so both tell one story.
AXES_RESET_ON_SUCCESS = False
AXES_HANDLER = "tenantdesk.accounts.lockout_handler.SignInGateAxesHandler"
AXES_LOCKOUT_CALLABLE = "tenantdesk.accounts.views.lockout_response"
AXES_USERNAME_FORM_FIELD = "username"
# The name axes stores, cleaned and cut to its column: a NUL or a 256+ character name is
# a failure to record, not a database error.
AXES_USERNAME_CALLABLE = "tenantdesk.accounts.usernames.axes_username"
AXES_VERBOSE = False
# How many reverse proxies (nginx …) stand in front of the app. 0: X-Forwarded-For is
# ignored entirely, so a client cannot forge its address to escape the lock-out.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
AXES_CLIENT_IP_CALLABLE = "tenantdesk.accounts.client_ip.client_ip"

# Password reset (/accounts/password-reset, Django's own views and tokens): how long the
# e-mailed link works, in seconds (Django's own setting; the link also works only once).
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT", default=3600)
# At most this many reset e-mails per address, and per client address, in an hour; past
# either the page answers the same and nothing is sent (accounts/email_limits.py). The
# confirmation e-mails of a change of address (profile) count the same way, separately.
PASSWORD_RESET_LIMIT_PER_ADDRESS = env.int("PASSWORD_RESET_LIMIT_PER_ADDRESS", default=3)
PASSWORD_RESET_LIMIT_PER_IP = env.int("PASSWORD_RESET_LIMIT_PER_IP", default=20)
# How long the link that confirms a new e-mail address (profile) works, in seconds.
EMAIL_CHANGE_TIMEOUT = env.int("EMAIL_CHANGE_TIMEOUT", default=24 * 3600)

# Two-factor sign-in (docs/two-factor.md). How long, in seconds, a sign-in whose password
# was right may take to give its code at /accounts/login/verify.
TWO_FACTOR_PENDING_SECONDS = env.int("TWO_FACTOR_PENDING_SECONDS", default=300)
# When on, a manager without a confirmed device reaches only the setup page.
TWO_FACTOR_REQUIRED_FOR_MANAGERS = env.bool("TWO_FACTOR_REQUIRED_FOR_MANAGERS", default=False)
# The name authenticator apps show beside the account.
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="Tenant Desk")
# The admin site lists and deletes people's devices (someone lost their phone) but never
# shows a key or a QR code: whoever saw one could make the person's codes.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# --- Internationalisation ---------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("ru", _("Russian"))]
LOCALE_PATHS = [APPS_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="Europe/Moscow")
USE_I18N = True
USE_TZ = True
# Our own date and time formats per language (24-hour, day before month): tenantdesk/formats.
FORMAT_MODULE_PATH = ["tenantdesk.formats"]

PHONENUMBER_DEFAULT_REGION = env.str("PHONE_REGION", default="RU")
PHONENUMBER_DB_FORMAT = "E164"

# --- Static files and media -------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
# Our own stylesheet and scripts only (static/css/ui.css, static/js/ui.js; docs/look.md):
# nothing third-party is copied into the repository or loaded from a CDN.
STATICFILES_DIRS = [APPS_DIR / "static"]
# The third: a page's stylesheets served as one file (tenantdesk/core/static_bundles.py).
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    "tenantdesk.core.static_bundles.BundleFinder",
]
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
# Media are private: nothing serves MEDIA_URL directly; files go through the access-checked
# download views (tenantdesk/core/private_files.py).
MEDIA_URL = "/media-not-served/"

S3_BUCKET = env.str("S3_BUCKET", default="")
S3_ENDPOINT_URL = env.str("S3_ENDPOINT_URL", default="")
S3_REGION = env.str("S3_REGION", default="")
if S3_BUCKET:
    _default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "endpoint_url": S3_ENDPOINT_URL or None,
            "access_key": env.str("S3_ACCESS_KEY_ID", default="") or None,
            "secret_key": env.str("S3_SECRET_ACCESS_KEY", default="") or None,
            "region_name": S3_REGION or None,
            "default_acl": "private",
            "querystring_auth": True,
            "querystring_expire": env.int("S3_URL_EXPIRE_SECONDS", default=300),
            "file_overwrite": False,
        },
    }
else:
    _default_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {
    "default": _default_storage,
    "staticfiles": {"BACKEND": "tenantdesk.core.staticfiles.StaticFilesStorage"},
}
# With nginx in front, local files are handed over with X-Accel-Redirect under this prefix
# (an `internal` location); empty: Django streams them itself.
PRIVATE_MEDIA_ACCEL_PREFIX = env.str("PRIVATE_MEDIA_ACCEL_PREFIX", default="")

# Request bodies (tenantdesk/core/body_limit.py): every route takes this much; the upload
# routes (/request/new, /chat/<id>/messages) take their files on top, from signed-in
# sessions only. deploy/nginx/tenantdesk.conf repeats the defaults per location.
REQUEST_BODY_MAX_BYTES = env.int("REQUEST_BODY_MAX_BYTES", default=2 * 1024 * 1024)
# Upload limits. Django's own limit on request bodies must admit the largest video.
IMAGE_MAX_BYTES = env.int("IMAGE_MAX_BYTES", default=15 * 1024 * 1024)
IMAGE_MAX_PIXELS = env.int("IMAGE_MAX_PIXELS", default=40_000_000)
IMAGE_MIN_SIDE = env.int("IMAGE_MIN_SIDE", default=320)
IMAGE_MAX_STORED_SIDE = env.int("IMAGE_MAX_STORED_SIDE", default=4096)
# Photos decoded at once per process; each takes up to ~8 bytes per pixel (16 for WebP):
# README, "Photo decoding and memory".
IMAGE_DECODE_CONCURRENCY = env.int("IMAGE_DECODE_CONCURRENCY", default=1)
THUMBNAIL_SIDE = env.int("THUMBNAIL_SIDE", default=480)
VIDEO_MAX_BYTES = env.int("VIDEO_MAX_BYTES", default=100 * 1024 * 1024)
CHAT_MESSAGE_MAX_LENGTH = env.int("CHAT_MESSAGE_MAX_LENGTH", default=4000)
CHAT_MAX_ATTACHMENTS = env.int("CHAT_MAX_ATTACHMENTS", default=5)
CHAT_SEND_RATE = env.int("CHAT_SEND_RATE", default=20)  # messages per 10 s per person
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- E-mail -----------------------------------------------------------------------------
# EMAIL_URL names the server: smtp+tls://user:password@host:587 in production; the default
# prints each e-mail on the worker's console.
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Tenant Desk <noreply@localhost>")
# The site's own address, for links in e-mails and push notifications (no request there).
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
SITE_NAME = env.str("SITE_NAME", default="Tenant Desk")

# --- Places (tenantdesk/places, docs/places.md) -----------------------------------------------
# A buildings import file (CSV or XLSX) may be this large (bytes) …
PLACES_IMPORT_MAX_BYTES = env.int("PLACES_IMPORT_MAX_BYTES", default=5 * 1024 * 1024)
# … and have this many rows; a preview is kept this many seconds for its "Import".
PLACES_IMPORT_MAX_ROWS = env.int("PLACES_IMPORT_MAX_ROWS", default=10_000)
PLACES_IMPORT_PREVIEW_SECONDS = env.int("PLACES_IMPORT_PREVIEW_SECONDS", default=3600)

# --- People (tenantdesk/people) ---------------------------------------------------------------
# An invitation link works this many days …
INVITATION_VALID_DAYS = env.int("INVITATION_VALID_DAYS", default=7)
# … and one organisation sends at most this many invitations (first ones and resends) an hour.
INVITATIONS_PER_HOUR = env.int("INVITATIONS_PER_HOUR", default=20)

# --- Notifications (tenantdesk/notifications) ----------------------------------------------
# A message of the other side still unread after this long is e-mailed in a digest …
NOTIFY_DELAY_SECONDS = env.int("NOTIFY_DELAY_SECONDS", default=300)
# … at most once per person and request in this long.
NOTIFY_MIN_INTERVAL_SECONDS = env.int("NOTIFY_MIN_INTERVAL_SECONDS", default=1800)
# Manager side: the e-mail addresses (comma-separated) that get the managers' e-mails
# when set; empty: every active manager (or the request's assignee, once there is one).
NOTIFY_MANAGER_EMAILS = env.list("NOTIFY_MANAGER_EMAILS", default=[])
# Reply by e-mail: digests carry Reply-To reply+<token>@REPLY_DOMAIN (empty: no Reply-To).
REPLY_DOMAIN = env.str("REPLY_DOMAIN", default="")
REPLY_TOKEN_MAX_AGE_DAYS = env.int("REPLY_TOKEN_MAX_AGE_DAYS", default=30)
# The bearer token an inbound-mail provider sends to /email/inbound (empty: endpoint off).
INBOUND_EMAIL_TOKEN = env.str("INBOUND_EMAIL_TOKEN", default="")
UNSUBSCRIBE_TOKEN_MAX_AGE_DAYS = env.int("UNSUBSCRIBE_TOKEN_MAX_AGE_DAYS", default=90)
# Web Push (empty keys: browsers get notifications only while a tab is open).
VAPID_PUBLIC_KEY = env.str("VAPID_PUBLIC_KEY", default="")
VAPID_PRIVATE_KEY = env.str("VAPID_PRIVATE_KEY", default="")
VAPID_SUBJECT = env.str("VAPID_SUBJECT", default="mailto:admin@localhost")
# The only hosts a browser's push endpoint may name (anything else is refused, 400): the
# push services of Chrome and Android (FCM), Firefox (autopush), Safari and Edge.
# "*.example.com" matches the names below example.com, not example.com itself.
PUSH_SERVICE_HOSTS = env.list(
    "PUSH_SERVICE_HOSTS",
    default=[
        "fcm.googleapis.com",
        "updates.push.services.mozilla.com",
        "*.push.apple.com",
        "*.notify.windows.com",
    ],
)

# --- Outbound requests (tenantdesk/core/outbound.py) ---------------------------------------
# The server's own connections to addresses people give it (web push, webhooks) reach public
# addresses only. These networks (addresses or CIDR, comma-separated) are allowed although
# they are not public: for an intranet whose webhooks go to an internal system. Empty by
# default; `check --deploy` warns while it is set (core.W001).
OUTBOUND_ALLOW = env.list("OUTBOUND_ALLOW", default=[])

# --- Due times of requests (service_requests/due_times.py) --------------------------------
# Per priority: (first response, resolution). Units: m, h (calendar), wh (working hours),
# wd (working days). Defaults for a business centre.
REQUEST_TARGETS = {
    "urgent": tuple(env.list("TARGETS_URGENT", default=["15m", "4h"])),
    "high": tuple(env.list("TARGETS_HIGH", default=["1wh", "1wd"])),
    "normal": tuple(env.list("TARGETS_NORMAL", default=["4wh", "3wd"])),
    "low": tuple(env.list("TARGETS_LOW", default=["1wd", "10wd"])),
}
WORKING_HOURS = env.str("WORKING_HOURS", default="09:00-18:00")
WORKING_DAYS = env.str("WORKING_DAYS", default="1-5")  # ISO weekdays, Monday is 1
HOLIDAYS = env.list("HOLIDAYS", default=[])  # ISO dates
WORKING_TIME_ZONE = env.str("WORKING_TIME_ZONE", default=TIME_ZONE)

# --- The closure loop (service_requests/services/closure.py) ------------------------------
# A customer may reopen a closed request for this many days after it was closed; later the
# page offers a new request that links to the old one.
REOPEN_DAYS = env.int("REOPEN_DAYS", default=14)

# --- Background jobs (django-tasks with its database backend; `manage.py db_worker`) -------
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# A job RUNNING this long, or an e-mail "sending" this long, belongs to a worker that died
# (`manage.py sweep_stale_jobs`, docs/email.md). Far above the longest job: an e-mail's SMTP
# conversation is bounded by 30 s per step.
TASKS_STALE_AFTER_SECONDS = env.int("TASKS_STALE_AFTER_SECONDS", default=600)

# --- Security defaults (hardened further in production.py) ------------------------------
SESSION_COOKIE_HTTPONLY = True
# Django's database sessions, read with one hand-written statement (every signed-in
# request loads its session first; accounts/session_store.py).
SESSION_ENGINE = "tenantdesk.accounts.session_store"
CSRF_COOKIE_HTTPONLY = False  # the chat's JavaScript reads it for its POSTs
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
# The probes answer on plain HTTP too: nginx and process managers ask a worker directly
# (core/health.py). SecurityMiddleware matches these against the path without its "/".
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
# Each /readyz check (database, cache, channel layer, storage) answers within this or
# counts as failed.
READINESS_TIMEOUT_SECONDS = env.float("READINESS_TIMEOUT_SECONDS", default=2.0)
CONTENT_SECURITY_POLICY = content_security_policy(
    media_origins=s3_origins(bucket=S3_BUCKET, endpoint_url=S3_ENDPOINT_URL, region=S3_REGION)
)

# --- Bootstrap administrator (created at start when all three are set) -------------------
ADMIN_LOGIN = env.str("ADMIN_LOGIN", default="")
ADMIN_EMAIL = env.str("ADMIN_EMAIL", default="")
ADMIN_PASS = env.str("ADMIN_PASS", default="")

# Demo accounts for local runs only; production.py forces this off.
DEMO_DATA = env.bool("DEMO_DATA", default=DEBUG)

LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Every record gets `request_id`, the id of the request or socket it was emitted for
    # (core/request_id.py); production.py writes it into its JSON lines.
    "filters": {"request_id": {"()": "tenantdesk.core.request_id.RequestIdFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # axes logs every successful sign-in at INFO; our sign-in log already keeps them.
        "axes": {"level": "WARNING"},
        # The pub/sub layer logs a traceback every second while Redis is away; the chat
        # logs the outage once instead (tenantdesk/chat/layer.py, core/outages.py).
        "channels_redis.pubsub": {"level": "CRITICAL"},
    },
}

# A refused CSRF token gets the site's own page, not Django's bare one.
CSRF_FAILURE_VIEW = "tenantdesk.core.views.csrf_failure"
