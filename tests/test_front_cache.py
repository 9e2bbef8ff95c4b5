"""The front cache (``haparanda_social.front_cache``): a repeated page is given again before the
middleware runs, yet never to a request the whole stack would answer otherwise — a session that
ended, a changed password, a second factor not given, a host not served — and always with the
headers the stack gives (issues 9 and 16)."""

import pytest
import time_machine
from django.contrib.auth import SESSION_KEY
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY

from signin.middleware import SESSION_FREE_UNTIL
from tests.moderation.conftest import make_item

pytestmark = pytest.mark.as_in_production

QUEUE = reverse("moderation:queue")
LIST = reverse("public:account_list")
JSON = reverse("public:account_list_json")
SECURITY_HEADERS = (
    "Content-Security-Policy",
    "X-Frame-Options",
    "Permissions-Policy",
    "X-Content-Type-Options",
    "Referrer-Policy",
)


@pytest.fixture(autouse=True)
def copies_on(settings):
    settings.MODERATION_PAGE_CACHE_SECONDS = 30
    settings.PUBLIC_CACHE_VERSION_SECONDS = 60
    with time_machine.travel(timezone.now(), tick=False):
        yield


@pytest.fixture
def item(active_account):
    return make_item(active_account)


@pytest.fixture
def owner_browser(owner_client):
    return owner_client


def _from_front(client, url, **extra):
    """The answer, and whether nothing behind the front cache ran (no query, no template)."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, **extra)
    return response, response.context is None and not queries.captured_queries


def _session_cache_key(client) -> str:
    return "django.contrib.sessions.cached_db" + client.cookies["sessionid"].value


def test_a_repeated_queue_comes_from_the_front_with_the_stacks_headers(owner_browser, item):
    first = owner_browser.get(QUEUE)
    again, from_front = _from_front(owner_browser, QUEUE)
    assert from_front
    assert again.status_code == 200
    assert again.content == first.content
    for header in (*SECURITY_HEADERS, "Cache-Control", "ETag", "Content-Type", "Vary"):
        assert again[header] == first[header], header


def test_a_signed_out_sessions_cookie_gets_no_copy(owner_browser, item):
    owner_browser.get(QUEUE)
    assert _from_front(owner_browser, QUEUE)[1]
    stolen = {name: morsel.value for name, morsel in owner_browser.cookies.items()}
    owner_browser.post(reverse("logout"))
    thief = Client()
    for name, value in stolen.items():
        thief.cookies[name] = value
    response = thief.get(QUEUE)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert item.text.encode() not in response.content


def test_a_password_changed_elsewhere_ends_the_copy(owner_browser, owner, item):
    owner_browser.get(QUEUE)
    assert _from_front(owner_browser, QUEUE)[1]
    owner.set_password("ett helt nytt lösenord")
    owner.save()
    response = owner_browser.get(QUEUE)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_deactivated_person_gets_no_copy(owner_browser, owner, item):
    owner_browser.get(QUEUE)
    assert _from_front(owner_browser, QUEUE)[1]
    owner.is_active = False
    owner.save()
    response = owner_browser.get(QUEUE)
    assert response.status_code == 302
    assert item.text.encode() not in response.content


def test_a_session_without_its_second_factor_is_sent_to_give_it(owner_browser, item):
    owner_browser.get(QUEUE)
    assert _from_front(owner_browser, QUEUE)[1]
    # The same session, as it is between the password and the code.
    key = _session_cache_key(owner_browser)
    session = cache.get(key)
    del session[DEVICE_ID_SESSION_KEY]
    session.pop(SESSION_FREE_UNTIL, None)
    cache.set(key, session)
    response = owner_browser.get(QUEUE)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("signin:two_factor_verify"))


def test_a_session_of_another_person_never_meets_the_copy(owner_browser, owner, deputy, item):
    owner_browser.get(QUEUE)
    assert _from_front(owner_browser, QUEUE)[1]
    key = _session_cache_key(owner_browser)
    session = cache.get(key)
    session[SESSION_KEY] = str(deputy.pk)
    cache.set(key, session)
    _response, from_front = _from_front(owner_browser, QUEUE)
    assert not from_front


def test_a_host_not_served_is_refused_not_given_the_copy(owner_browser, item):
    owner_browser.get(QUEUE)
    assert _from_front(owner_browser, QUEUE)[1]
    assert owner_browser.get(QUEUE, HTTP_HOST="elak.example").status_code == 400
    assert Client().get(LIST).status_code == 200
    assert Client().get(LIST, HTTP_HOST="elak.example").status_code == 400


def test_a_current_copy_gets_304_with_the_security_headers(owner_browser, item):
    first = owner_browser.get(QUEUE)
    response, from_front = _from_front(owner_browser, QUEUE, HTTP_IF_NONE_MATCH=first["ETag"])
    assert from_front
    assert response.status_code == 304
    assert response.content == b""
    for header in (*SECURITY_HEADERS, "ETag", "Cache-Control"):
        assert response[header] == first[header], header


def test_the_public_list_comes_from_the_front_and_a_change_shows_at_once(
    owner_client, active_account
):
    visitor = Client()
    first = visitor.get(LIST)
    again, from_front = _from_front(visitor, LIST)
    assert from_front
    assert again.content == first.content
    for header in (*SECURITY_HEADERS, "ETag", "Cache-Control", "Vary"):
        assert again[header] == first[header], header
    url = reverse("accounts:account_edit", args=[active_account.pk])
    form = owner_client.get(url).context["form"]
    post = {n: (v if v is not None else "") for n, v in form.initial.items()}
    post.pop("id", None)
    post.update(department=active_account.department_id, display_name="Haparanda kulturliv")
    post["comment"] = "Nytt namn."
    assert owner_client.post(url, post).status_code == 302
    assert "Haparanda kulturliv" in visitor.get(LIST).content.decode()


def test_a_cross_origin_reader_gets_the_cors_header_and_others_do_not(active_account):
    visitor = Client()
    visitor.get(JSON)
    plain, _ = _from_front(visitor, JSON)
    assert "Access-Control-Allow-Origin" not in plain
    visitor.get(JSON, HTTP_ORIGIN="https://www.haparanda.se")
    cross, from_front = _from_front(visitor, JSON, HTTP_ORIGIN="https://www.haparanda.se")
    assert from_front
    assert cross["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Origin" not in visitor.get(JSON)


def test_each_process_keeps_only_so_many_answers(settings, owner_browser, active_account):
    settings.FRONT_CACHE_ENTRIES = 2
    urls = [f"{QUEUE}?sida={n}" for n in (1, 2, 3)]
    make_item(active_account)
    for url in urls:
        owner_browser.get(url)
    assert not _from_front(owner_browser, urls[0])[1]  # the oldest went first
    assert _from_front(owner_browser, urls[2])[1]


def test_turned_off_nothing_is_given_from_the_front(settings, owner_browser, item):
    settings.FRONT_CACHE_ENTRIES = 0
    owner_browser.get(QUEUE)
    assert not _from_front(owner_browser, QUEUE)[1]


@pytest.mark.parametrize("cookie", ["x" * 5000, "abc\x07def ghijkl", "ä" * 40, "short"])
def test_a_hostile_session_cookie_is_answered_by_the_stack(db, cookie):
    visitor = Client()
    visitor.cookies["sessionid"] = cookie
    response = visitor.get(QUEUE)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert visitor.get(LIST).status_code == 200
