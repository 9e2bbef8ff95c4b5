from django.conf import settings
from django.urls import translate_url
from django.utils.functional import SimpleLazyObject
from django.utils.translation import get_language, get_language_info

from . import i18n


def _language_links(request) -> list[dict]:
    """The same page in each language it is offered in (all four on the public pages, Swedish
    and English on the staff pages), each named in itself ("suomi", "meänkieli"). Plain links
    rather than a form posting to set_language: the URL prefix decides the language, and an
    anonymous page carries no CSRF token, so a shared cache may keep it."""
    current = get_language()
    return [
        {
            "code": code,
            "label": get_language_info(code)["name_local"],
            "url": translate_url(request.get_full_path(), code),
            "current": code == current,
        }
        for code in i18n.languages_for(request)
    ]


class _Fallbacks:
    """Read when the template reaches it, so that it counts the texts rendered before it."""

    @property
    def texts(self) -> list[str]:
        # Only a page in a fall-back language says so; a staff page that merely generated
        # texts in such a language (the visitor information's languages) does not.
        return i18n.fallbacks_in_this_request() if self.language else []

    @property
    def language(self) -> str | None:
        return settings.TRANSLATION_FALLBACKS.get(get_language())


def site(request):
    """The municipality's name and contact details, and the language links, for every page."""
    return {
        "MUNICIPALITY_NAME": settings.MUNICIPALITY_NAME,
        "MUNICIPALITY_PHONE": settings.MUNICIPALITY_PHONE,
        "language_links": SimpleLazyObject(lambda: _language_links(request)),
        "translation_fallbacks": _Fallbacks(),
    }
