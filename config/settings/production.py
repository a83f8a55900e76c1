"""Production: PostgreSQL, Redis, S3 or local media behind nginx.

Secrets have no defaults here: a missing DJANGO_SECRET_KEY, DATABASE_URL or REDIS_URL
stops start-up instead of running on a laptop default.
"""

from pythonjsonlogger.core import RESERVED_ATTRS

from .base import *  # noqa: F403
from .base import INSTALLED_APPS, LOG_LEVEL, env

# Daphne is the development server's (`make run`: its runserver serves WebSockets); the
# workers are uvicorn. Importing Daphne's Twisted was a large part of each worker's start
# (with pywebpush's aiohttp, no longer imported at start either: 4.2 → 2.6 s of CPU).
INSTALLED_APPS = [app for app in INSTALLED_APPS if app != "daphne"]

DEBUG = False
DEMO_DATA = False
SECRET_KEY = env.str("DJANGO_SECRET_KEY")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")
DATABASES = {"default": env.db_url("DATABASE_URL")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A pool of connections per worker (psycopg_pool). Under ASGI every request runs in a
    # new thread, and Django's connections are per thread: without the pool each page
    # opened a connection to PostgreSQL, whatever CONN_MAX_AGE said. A connection is
    # checked when taken, so after a PostgreSQL restart the pool replaces broken ones
    # instead of failing a request with each of them.
    DATABASES["default"]["CONN_MAX_AGE"] = 0  # the pool keeps connections; Django must not
    # With the pool, Django turns health checks into the pool's check of a connection taken.
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": env.int("DATABASE_POOL_MIN", default=2),
        "max_size": env.int("DATABASE_POOL_MAX", default=10),
        # How long a request waits for a connection: psycopg_pool's 30 s default held every
        # send and page for 30 s while PostgreSQL was down (make scale-test) before the 503.
        "timeout": env.float("DATABASE_POOL_TIMEOUT", default=5.0),
    }
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Required: the workers share one channel layer and one send-limit count through Redis.
# base.py has already built CHANNEL_LAYERS and CACHES["ratelimit"] from this same variable;
# reading it again without a default only makes its absence stop start-up.
REDIS_URL = env.str("REDIS_URL")

# nginx terminates TLS and sets X-Forwarded-Proto.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=1)
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 30)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=False)
SECURE_REFERRER_POLICY = "same-origin"
# Joining the browsers' HSTS preload list is hard to undo (removal takes months to reach
# browsers, and every subdomain must serve HTTPS meanwhile), so it is the operator's explicit
# choice (DJANGO_SECURE_HSTS_PRELOAD=true); until then its reminder, security.W021, is
# silenced: the one check `check --deploy` leaves out (deploy/README.md, tests/unit/test_config.py).
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]

# --- Logs -------------------------------------------------------------------------------
# One JSON object per line on stderr, which journald keeps (deploy/README.md): time, level,
# logger, message, request_id (core/request_id.py: nginx's X-Request-ID, for the request
# and for every frame of a socket), and `exception` with the traceback when there is one.
# python-json-logger: the maintained, dependency-free formatter of the standard logging
# module, so every library's records (Django, Channels, uvicorn) come out alike, extra=
# fields included, without a logging framework of our own.
LOGGING = {
    **LOGGING,  # noqa: F405
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(levelname)s %(name)s %(message)s %(request_id)s",
            "rename_fields": {"levelname": "level", "name": "logger", "exc_info": "exception"},
            "timestamp": "time",  # ISO 8601 in UTC
            # uvicorn's copy of its message with terminal colours; django.request's request
            # object (its method and path are in the message already).
            "reserved_attrs": [*RESERVED_ATTRS, "color_message", "request"],
        }
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "filters": ["request_id"],
        }
    },
    "loggers": {
        **LOGGING["loggers"],  # noqa: F405
        # uvicorn configured its own loggers before it loaded the application; these
        # replace its handlers. Its access log stays (one line per HTTP request and socket
        # handshake, with the request id, at INFO): the application does not log requests
        # itself, and the line ties nginx's access log to the worker that answered.
        # Silence it with LOG_LEVEL=WARNING, or --no-access-log in the unit.
        "uvicorn": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False},
        "uvicorn.error": {"handlers": [], "level": LOG_LEVEL, "propagate": True},
        "uvicorn.access": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False},
    },
}
