"""Every scenario of ``test_registry_page_cache`` again as in production: sessions kept in the
shared cache and browsers that hold their CSRF cookie, so that a repeated request is answered by
the front cache (``haparanda_social.front_cache``) before any middleware runs."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.accounts.test_registry_page_cache import *  # noqa: F403 - the same scenarios, run again
from tests.accounts.test_registry_page_cache import DASHBOARD, served_from_copy
from tests.conftest import browser_as_in_production


@pytest.fixture(autouse=True)
def sessions_in_the_cache(settings):
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"


@pytest.fixture
def communicator_client(settings, communicator):
    return browser_as_in_production(settings, communicator)


@pytest.fixture
def owner_client(settings, owner):
    return browser_as_in_production(settings, owner)


@pytest.fixture
def outsider_client(settings, outsider):
    return browser_as_in_production(settings, outsider)


@pytest.fixture
def manager_client(settings, manager):
    return browser_as_in_production(settings, manager)


def test_a_repeated_dashboard_is_served_from_the_copy(communicator_client, active_account):
    first, cached = served_from_copy(communicator_client, DASHBOARD)
    assert not cached
    with CaptureQueriesContext(connection) as queries:
        again, cached = served_from_copy(communicator_client, DASHBOARD)
    assert cached
    assert again.content == first.content
    assert len(queries) == 0
