"""Remember the language each person last used, so e-mails reach them in it."""

from django.conf import settings
from django.utils.deprecation import MiddlewareMixin

from tenantdesk.accounts.models import User


class RememberLanguageMiddleware(MiddlewareMixin):
    """After LocaleMiddleware and AuthenticationMiddleware: when a signed-in person's page
    was answered in another language than the one stored (User.language), store it.

    It costs nothing on a page that never looked at the user (no session read is forced:
    /healthz, static files) and one UPDATE only when the language changed, never on
    every page. (MiddlewareMixin: it runs in whichever mode the chain runs, so it does
    not change how the chain is adapted; core/sync_chain.py.)
    """

    def process_response(self, request, response):
        # Only a user the page already loaded: asking request.user here would read the
        # session (a query) on pages that never needed it.
        user = getattr(request, "_cached_user", None)
        language = getattr(request, "LANGUAGE_CODE", None)
        if user is None or not user.is_authenticated or not language:
            return response
        # An empty User.language means the site's default language, so a person who
        # never left it costs no write either.
        if (user.language or settings.LANGUAGE_CODE) != language:
            User.objects.filter(pk=user.pk).update(language=language)
            user.language = language
        return response
