"""Every scenario of ``test_registry_page_cache`` again as in production: sessions kept in the
shared cache and browsers that hold their CSRF cookie, so that a repeated request is answered by
the front cache (``haparanda_social.front_cache``) before any middleware runs."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.accounts.test_registry_page_cache import *  # noqa: F403 - the same scenarios, run again
from tests.accounts.test_registry_page_cache import DASHBOARD, served_from_copy

pytestmark = pytest.mark.as_in_production


def test_a_repeated_dashboard_is_served_from_the_copy(communicator_client, active_account):
    first, cached = served_from_copy(communicator_client, DASHBOARD)
    assert not cached
    with CaptureQueriesContext(connection) as queries:
        again, cached = served_from_copy(communicator_client, DASHBOARD)
    assert cached
    assert again.content == first.content
    assert len(queries) == 0
