"""Every scenario of ``test_page_cache`` again as in production: sessions kept in the shared
cache and browsers that hold their CSRF cookie, so that a repeated request is answered by the
front cache (``haparanda_social.front_cache``) before any middleware runs. Each write still shows
at once, and nobody reaches a copy the checks would refuse them."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from moderation.models import Claim
from tests.moderation.test_page_cache import *  # noqa: F403 - the same scenarios, run again
from tests.moderation.test_page_cache import QUEUE, served_from_copy

pytestmark = pytest.mark.as_in_production


def test_a_repeated_queue_is_served_from_the_copy(owner_client, item):
    first, cached = served_from_copy(owner_client, QUEUE)
    assert not cached
    with CaptureQueriesContext(connection) as queries:
        again, cached = served_from_copy(owner_client, QUEUE)
    assert cached
    assert again.content == first.content
    # Not even the session or the person: one read of the shared cache answers it.
    assert len(queries) == 0
    assert "private" in again["Cache-Control"]
    for header in ("Content-Security-Policy", "X-Frame-Options", "Permissions-Policy", "ETag"):
        assert again[header] == first[header]


def test_the_triage_page_is_served_from_the_copy_and_writes_nothing(
    owner_client, item, response_model
):
    url = item.get_absolute_url()
    served_from_copy(owner_client, url)  # claims the item, which changes the page
    served_from_copy(owner_client, url)  # the page with the claim, kept
    expires = Claim.objects.get(item=item).expires_at
    with CaptureQueriesContext(connection) as queries:
        _again, cached = served_from_copy(owner_client, url)
    assert cached
    # The copy stands for the access check and the claim: nothing is read or written.
    assert len(queries) == 0
    assert Claim.objects.get(item=item).expires_at == expires
