"""Korean by default for people of Korean organisations who have not picked a language."""

from __future__ import annotations

from django.conf import settings
from django.utils import translation


class OrganisationLanguageMiddleware:
    """After LocaleMiddleware: a KR organisation's user with no language cookie gets Korean.

    Someone who chose a language with the switcher has the cookie, and it wins; everybody
    else keeps what Accept-Language gave them.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            settings.LANGUAGE_COOKIE_NAME not in request.COOKIES
            and user is not None
            and user.is_authenticated
            and user.organisation_id
            and user.organisation.country == "KR"
        ):
            translation.activate("ko")
            request.LANGUAGE_CODE = "ko"
        return self.get_response(request)
