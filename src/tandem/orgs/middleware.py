"""Attach the active organization and membership to each request, and speak the person's language."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import translation

from tandem.orgs import selectors

SESSION_KEY = "tandem_organization"


class TenancyMiddleware:
    """Sets ``request.membership`` and ``request.organization`` (both ``None`` when signed out).

    The organization comes from the session (chosen with the switcher) and falls back to the
    person's first organization. API token requests are resolved later, by the API's auth.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.membership = None  # type: ignore[attr-defined]
        request.organization = None  # type: ignore[attr-defined]
        if request.user.is_authenticated:
            membership = selectors.membership_for(request.user, request.session.get(SESSION_KEY))
            if membership is not None:
                request.membership = membership  # type: ignore[attr-defined]
                request.organization = membership.organization  # type: ignore[attr-defined]
        return self.get_response(request)


class LanguageMiddleware:
    """The person's language, else the organization's default, else the browser's."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        membership = getattr(request, "membership", None)
        if membership is not None:
            language = membership.user.language or membership.organization.language
        else:
            language = translation.get_language_from_request(request)
        # For this request only: a thread that serves a Vietnamese reader and then runs anything else (the
        # next request before its middleware, a task, a test) must not keep speaking Vietnamese.
        with translation.override(language):
            request.LANGUAGE_CODE = translation.get_language()
            response = self.get_response(request)
            response.headers.setdefault("Content-Language", translation.get_language())
        return response
