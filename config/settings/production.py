"""Production: PostgreSQL, Redis, S3 or local media behind nginx.

Secrets have no defaults here: a missing DJANGO_SECRET_KEY, DATABASE_URL or REDIS_URL
stops start-up instead of running on a laptop default.
"""

from .base import *  # noqa: F403
from .base import env

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
# Joining the browsers' HSTS preload list is hard to undo, so it is the operator's explicit
# choice (DJANGO_SECURE_HSTS_PRELOAD=true); until then its reminder is silenced.
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
