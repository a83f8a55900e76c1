"""Settings for the test suite.

It runs on the embedded defaults; DATABASE_URL, REDIS_URL and S3_* from the environment
switch it to real services (CI's second run does so).
"""

import os
import tempfile
from datetime import timedelta

# Under pytest-xdist every worker has its own database (pytest-django appends the worker's
# name) and must have its own channel-layer groups too: ids repeat between the workers'
# databases, so "request.1" of one worker would reach the other's sockets on a shared Redis.
# The process id as well: two sessions at once (unit and browser tests) each have a "gw0".
if _xdist_worker := os.environ.get("PYTEST_XDIST_WORKER"):
    os.environ["CHANNELS_PREFIX"] = (
        f"{os.environ.get('CHANNELS_PREFIX', 'tenantdesk')}-{_xdist_worker}-{os.getpid()}"
    )

from .base import *  # noqa: E402, F403
from .base import DATABASES, env  # noqa: E402

DEBUG = False
DEMO_DATA = False
SECRET_KEY = "test-secret-key-not-for-production"
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver", "[::1]"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast tests
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
SITE_URL = "http://testserver"
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}
MEDIA_ROOT = env.path("TEST_MEDIA_ROOT", default="/tmp/tenantdesk-test-media")  # noqa: S108
# A short cool-off keeps the lock-out tests (unit and browser) quick; the limit stays 4.
LOGIN_COOLOFF_SECONDS = env.int("LOGIN_COOLOFF_SECONDS", default=3)
AXES_COOLOFF_TIME = timedelta(seconds=LOGIN_COOLOFF_SECONDS)

# SQLite's test database is a file (in WAL mode, as `make run`'s), one per test process:
# an in-memory database shares one cache between connections, and a socket's database
# thread reading while a test writes got "database table is locked" (no busy wait in a
# shared cache), which the socket rightly took for an outage. Browser tests need a file
# anyway: their server is another process.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    _test_name = env.str(
        "TEST_SQLITE_NAME",
        default=os.path.join(tempfile.gettempdir(), f"tenantdesk-test-{os.getpid()}.sqlite3"),
    )
    DATABASES["default"]["TEST"] = {"NAME": _test_name}
else:
    DATABASES["default"]["TEST"] = {
        "NAME": env.str("TEST_DATABASE_NAME", default="test_tenantdesk")
    }

# Serve static files from the finders (no collectstatic needed before the tests).
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True

# The send limit's counters stay in this process, so a test can reset them safely.
CACHES["ratelimit"] = {  # noqa: F405
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "ratelimit-tests",
}
