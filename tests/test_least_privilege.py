"""A sweep over every URL of the staff apps: nothing but the public pages answers an anonymous
visitor with content (R24). Each view's own tests check outsiders with real objects; this test
makes sure a new view cannot forget its access check."""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

STAFF_NAMESPACES = {"accounts", "moderation", "archiving", "records", "retention", "signin"}
REFUSED = {301, 302, 401, 403, 404, 405}


def _patterns(resolver=None, namespace=None, prefix=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            yield from _patterns(entry, entry.namespace or namespace, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern) and namespace in STAFF_NAMESPACES:
            yield namespace, entry, prefix + str(entry.pattern)


def _example_path(route: str) -> str:
    # Fill every converter with a plausible value; access is checked before any lookup matters.
    route = route.lstrip("^").rstrip("$")
    return "/" + re.sub(
        r"<(?:(\w+):)?(\w+)>",
        lambda m: "1" if m.group(1) in ("int", None) else "x",
        route,
    )


STAFF_URLS = sorted({_example_path(route) for _ns, _p, route in _patterns()})


def test_the_sweep_finds_the_staff_views():
    assert len(STAFF_URLS) > 30


@pytest.mark.django_db
@pytest.mark.parametrize("path", STAFF_URLS)
@pytest.mark.parametrize("method", ["get", "post"])
def test_anonymous_visitors_are_refused_everywhere_but_the_public_pages(
    anonymous_client, path, method
):
    response = getattr(anonymous_client, method)(path)
    assert response.status_code in REFUSED, (path, response.status_code)
    if response.status_code == 302:
        assert response["Location"].startswith("/logga-in/"), response["Location"]
