"""Settings of the bare Channels consumer: Channels on the channel layer production uses,
built from the same REDIS_URL by the same code (config/settings/base.py), and nothing
else: no database, no sessions, no middleware."""

from config.settings.base import CHANNEL_LAYERS  # noqa: F401  (the layer under test)

SECRET_KEY = "bench-bare-consumer-not-a-secret"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS = ["channels"]
DATABASES: dict = {}
USE_TZ = True
ASGI_APPLICATION = "bench.bare_asgi.application"
