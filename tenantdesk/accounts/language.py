"""Remember the language each person last used, so e-mails reach them in it."""

from tenantdesk.accounts.models import User


class RememberLanguageMiddleware:
    """After LocaleMiddleware and AuthenticationMiddleware: when a signed-in person's page
    was answered in another language than the one stored (User.language), store it.

    It costs nothing on a page that never looked at the user (no session read is forced:
    /healthz, static files) and one UPDATE only when the language changed, never on
    every page.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        # Only a user the page already loaded: asking request.user here would read the
        # session (a query) on pages that never needed it.
        user = getattr(request, "_cached_user", None)
        language = getattr(request, "LANGUAGE_CODE", None)
        if user is not None and user.is_authenticated and language and user.language != language:
            User.objects.filter(pk=user.pk).update(language=language)
            user.language = language
        return response
