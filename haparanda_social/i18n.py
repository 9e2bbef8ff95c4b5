"""Finnish and Meänkieli on the public pages (issue #17; lag 2009:724 om nationella minoriteter).

Three things that Django does not do by itself:

**Fall-back to Finnish.** Django's ``DjangoTranslation._add_fallback`` makes every language fall
back to ``settings.LANGUAGE_CODE`` (Swedish) for a string that its catalogue lacks. The
Meänkieli catalogue is filled in by the municipality's translator over time, and a Meänkieli
reader reads Finnish, so until a string is translated it should be shown in Finnish.
``FallbackTranslation`` makes each language in ``settings.TRANSLATION_FALLBACKS`` fall back to
the language named there (fit → fi), which itself still falls back to Swedish (fi → sv).
``install()`` puts the class in the place where ``trans_real.translation()`` creates a
language's translation object, so that every way of translating (``gettext``, templates,
lazy strings, ``translation.override``) gets the chain; it is called from
``AccountsConfig.ready()``.

**Saying which parts fell back.** While a request is answered, every string that a
fall-back language had to take from its fall-back is noted (``fallbacks_in_this_request``);
the page lists them at its end, so a Meänkieli reader sees which texts are still in Finnish. The
note is part of the rendered page, so a cached copy carries it too.

**Staff pages stay Swedish and English.** ``PublicLanguagesMiddleware`` redirects a staff URL
under a public-only prefix (``/fi/konton/``) to the Swedish one (``/konton/``). The language is
decided by the URL prefix alone (``i18n_patterns`` with LocaleMiddleware, no cookie or
Accept-Language for unprefixed URLs), so a cache keyed by the path keeps each language apart.
"""

from __future__ import annotations

import re
from contextvars import ContextVar

from django.conf import settings
from django.shortcuts import redirect
from django.urls import translate_url
from django.utils import translation
from django.utils.translation import trans_real

# msgid → the text shown in its place, for the strings that fell back in this request.
_fallbacks: ContextVar[dict[str, str] | None] = ContextVar("translation_fallbacks", default=None)


class FallbackTranslation(trans_real.DjangoTranslation):
    """A ``DjangoTranslation`` whose fall-back is ``settings.TRANSLATION_FALLBACKS[language]``
    rather than the default language, and which notes each string that fell back."""

    def _add_fallback(self, localedirs=None):
        fallback = settings.TRANSLATION_FALLBACKS.get(self.language())
        self.fallback_language = fallback
        if fallback is None:
            return super()._add_fallback(localedirs)
        if self.domain == "django":
            self.add_fallback(trans_real.translation(fallback))
        else:
            self.add_fallback(FallbackTranslation(fallback, domain=self.domain))

    def _own(self, key) -> bool:
        try:
            self._catalog[key]
        except KeyError:
            return False
        return True

    def _note(self, message: str, shown: str) -> None:
        noted = _fallbacks.get()
        if noted is not None and message.strip():
            noted.setdefault(message, shown)

    def gettext(self, message):
        shown = super().gettext(message)
        if getattr(self, "fallback_language", None) and not self._own(message):
            self._note(message, shown)
        return shown

    def ngettext(self, msgid1, msgid2, n):
        shown = super().ngettext(msgid1, msgid2, n)
        if getattr(self, "fallback_language", None):
            try:
                self._catalog.plural(msgid1, n)
            except KeyError:
                self._note(msgid1, shown)
        return shown


def install() -> None:
    """Make ``trans_real.translation()`` create ``FallbackTranslation`` objects. Idempotent."""
    if trans_real.DjangoTranslation is not FallbackTranslation:
        trans_real.DjangoTranslation = FallbackTranslation
        trans_real._translations.clear()
        trans_real._default = None


_PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


def fallbacks_in_this_request() -> list[str]:
    """The texts on the page so far that are shown in the fall-back language, sorted; a
    placeholder (a name, a number) is shown as "…", since the text is noted before it is
    filled in."""
    noted = _fallbacks.get()
    return sorted({_PLACEHOLDER.sub("…", text) for text in noted.values()}) if noted else []


def is_public_request(request) -> bool:
    """The public pages and feeds, and the start page that leads to them."""
    match = getattr(request, "resolver_match", None)
    return match is not None and (match.namespace == "public" or match.url_name == "home")


def languages_for(request) -> list[str]:
    """The languages a page is offered in: all of them on the public pages, Swedish and English
    on the staff pages."""
    codes = [code for code, _name in settings.LANGUAGES]
    if is_public_request(request):
        return codes
    return [code for code in codes if code not in settings.PUBLIC_ONLY_LANGUAGES]


class PublicLanguagesMiddleware:
    """Collects the fall-backs of each request, and sends a staff page asked for in a
    public-only language to its Swedish address. Placed after LocaleMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _fallbacks.set({})
        try:
            return self.get_response(request)
        finally:
            _fallbacks.reset(token)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if translation.get_language() in settings.PUBLIC_ONLY_LANGUAGES and not (
            is_public_request(request)
        ):
            return redirect(translate_url(request.get_full_path(), settings.LANGUAGE_CODE))
        return None
