"""Settings for `make run` on a laptop: DEBUG, demo accounts, everything embedded."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
DEMO_DATA = env.bool("DEMO_DATA", default=True)
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}
