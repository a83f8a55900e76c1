"""Which of the site's languages to answer in, when a client names one itself."""

from django.conf import settings


def supported_language(code: str | None) -> str:
    """The code if the site speaks it, else the site's default language."""
    return code if code in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
