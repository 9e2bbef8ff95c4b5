from django.conf import settings
from django.urls import translate_url
from django.utils.functional import SimpleLazyObject
from django.utils.translation import get_language


def _language_links(request) -> list[dict]:
    """The same page in each language. Plain links rather than a form posting to set_language:
    the URL prefix decides the language, and an anonymous page carries no CSRF token, so a
    shared cache may keep it."""
    current = get_language()
    return [
        {
            "code": code,
            "label": "Svenska" if code == "sv" else "English",
            "url": translate_url(request.get_full_path(), code),
            "current": code == current,
        }
        for code, _name in settings.LANGUAGES
    ]


def site(request):
    """The municipality's name and contact details, and the language links, for every page."""
    return {
        "MUNICIPALITY_NAME": settings.MUNICIPALITY_NAME,
        "MUNICIPALITY_PHONE": settings.MUNICIPALITY_PHONE,
        "language_links": SimpleLazyObject(lambda: _language_links(request)),
    }
