"""The public list, feeds and lookup are served from the cache, yet a registry change shows at
once, and a visitor whose copy is current gets 304 (issue 16)."""

import pytest
from django.urls import reverse

from accounts.models import AccountStatus, AssignmentStatus
from accounts.public_cache import current_version

LIST = reverse("public:account_list")
JSON = reverse("public:account_list_json")
CSV = reverse("public:account_list_csv")
EMBED = reverse("public:account_list_embed")
LOOKUP = reverse("public:verify_json")


def _names(client) -> set[str]:
    return {a["display_name"] for a in client.get(JSON).json()["accounts"]}


def _lookup(client, url: str) -> str:
    return client.get(LOOKUP, {"url": url}).json()["result"]


@pytest.fixture
def warm(anonymous_client, active_account, submitted_account):
    """Every cached page asked once, so that a stale copy would be there to be served."""
    for url in (LIST, JSON, CSV, EMBED):
        assert anonymous_client.get(url).status_code == 200
    anonymous_client.get(LOOKUP, {"url": submitted_account.url})
    anonymous_client.get(LOOKUP, {"url": active_account.url})
    return anonymous_client


def test_an_approval_appears_at_once_in_list_feeds_and_lookup(
    warm, communicator_client, submitted_account
):
    assert "Haparanda bibliotek" not in _names(warm)
    assert "Haparanda bibliotek" not in warm.get(LIST).content.decode()
    assert _lookup(warm, submitted_account.url) == "not_official"
    submitted_account.roles.update(
        assignment_status=AssignmentStatus.CONFIRMED, assignment_decided_at="2026-01-01T00:00Z"
    )

    response = communicator_client.post(
        reverse("accounts:account_decide", args=[submitted_account.pk]),
        {"decision": "approve", "decision-comment": "Godkänt."},
    )

    assert response.status_code == 302
    assert "Haparanda bibliotek" in _names(warm)
    assert "Haparanda bibliotek" in warm.get(LIST).content.decode()
    assert "Haparanda bibliotek" in warm.get(EMBED).content.decode()
    assert "Haparanda bibliotek" in warm.get(CSV).content.decode("utf-8")
    assert _lookup(warm, submitted_account.url) == "official"


def test_a_closing_appears_at_once(
    warm, owner_client, active_account, django_capture_on_commit_callbacks
):
    assert _lookup(warm, active_account.url) == "official"

    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(
            reverse("accounts:account_close", args=[active_account.pk]),
            {"close-comment": "Projektet är slut."},
        )

    assert response.status_code == 302
    active_account.refresh_from_db()
    assert active_account.status == AccountStatus.CLOSED
    assert _lookup(warm, active_account.url) == "closed"
    record = next(a for a in warm.get(JSON).json()["accounts"] if a["id"] == active_account.pk)
    assert record["status"] == "closed"
    assert record["closed_on"] is not None


def test_an_edit_appears_at_once(warm, owner_client, active_account):
    url = reverse("accounts:account_edit", args=[active_account.pk])
    form = owner_client.get(url).context["form"]
    post = {n: (v if v is not None else "") for n, v in form.initial.items()}
    post.pop("id", None)
    post.update(
        department=active_account.department_id,
        display_name="Haparanda kulturliv",
        comment="Nytt namn.",
    )

    response = owner_client.post(url, post)

    assert response.status_code == 302
    assert "Haparanda kulturliv" in _names(warm)
    assert "Haparanda kulturliv" in warm.get(LIST).content.decode()
    assert "Haparanda kulturliv" in warm.get(CSV).content.decode("utf-8")


def test_a_change_to_an_application_leaves_the_public_copy_in_place(
    warm, owner_client, draft_account, owner
):
    """Only what the public can see invalidates: applications come and go all day."""
    before = current_version()
    from accounts.services import application_update

    application_update(account=draft_account, actor=owner, data={"purpose": "Något nytt."})
    assert current_version() == before


@pytest.mark.parametrize("url", [LIST, JSON, CSV, EMBED])
def test_a_current_copy_gets_304_and_a_changed_registry_a_fresh_answer(
    anonymous_client, communicator_client, active_account, url
):
    first = anonymous_client.get(url)
    assert first.status_code == 200
    etag = first["ETag"]
    assert "public" in first["Cache-Control"]

    again = anonymous_client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag

    # The communicator edits the account; the same ETag is now out of date.
    active_account_url = reverse("accounts:account_edit", args=[active_account.pk])
    form = communicator_client.get(active_account_url).context["form"]
    post = {n: (v if v is not None else "") for n, v in form.initial.items()}
    post.pop("id", None)
    post.update(department=active_account.department_id, purpose="Ändrat syfte.", comment="Ny.")
    assert communicator_client.post(active_account_url, post).status_code == 302

    changed = anonymous_client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert changed["ETag"] != etag


def test_if_modified_since_is_answered_with_304(anonymous_client, owner, active_account):
    from accounts.services import account_update_details

    account_update_details(account=active_account, actor=owner, data={"purpose": "Nytt."})
    first = anonymous_client.get(JSON)
    assert "Last-Modified" in first
    again = anonymous_client.get(JSON, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert again.status_code == 304


def test_the_lookup_is_keyed_by_the_address_asked(anonymous_client, active_account):
    assert _lookup(anonymous_client, active_account.url) == "official"
    assert _lookup(anonymous_client, "https://www.facebook.com/nagonannan") == "not_official"
    page = anonymous_client.get(reverse("public:verify"), {"url": active_account.url})
    other = anonymous_client.get(
        reverse("public:verify"), {"url": "https://www.facebook.com/nagonannan"}
    )
    assert page["ETag"] != other["ETag"]
    assert active_account.display_name in page.content.decode()
    assert active_account.display_name not in other.content.decode()


def test_staff_get_their_own_page_never_a_shared_copy(anonymous_client, owner_client, owner):
    anonymous = anonymous_client.get(LIST)
    staff = owner_client.get(LIST)
    assert "private" in staff["Cache-Control"]
    assert "ETag" not in staff
    assert owner.get_full_name() in staff.content.decode()
    assert owner.get_full_name() not in anonymous_client.get(LIST).content.decode()
    assert anonymous.content == anonymous_client.get(LIST).content


def test_a_bad_filter_is_not_stored(anonymous_client, department):
    for _ in range(2):
        response = anonymous_client.get(JSON, {"platform": "myspace"})
        assert response.status_code == 400
        assert "ETag" not in response


def test_the_english_list_is_stored_apart_from_the_swedish(anonymous_client, active_account):
    swedish = anonymous_client.get(LIST)
    english = anonymous_client.get("/en" + LIST)
    assert swedish["ETag"] != english["ETag"]
    assert swedish.content != english.content


def _changed_in_another_process(account, name):
    """What another web worker or the Celery worker leaves behind: committed rows and a new
    version number, with nothing said to this process."""
    from django.db.models import F
    from django.utils import timezone

    from accounts.models import PublicRegistryVersion, SocialAccount

    SocialAccount.objects.filter(pk=account.pk).update(display_name=name)
    raised = PublicRegistryVersion.objects.filter(pk=1).update(
        number=F("number") + 1, changed_at=timezone.now()
    )
    if not raised:
        PublicRegistryVersion.objects.create(pk=1, number=1)


def test_a_change_in_another_process_shows_within_the_version_interval(
    anonymous_client, active_account, settings, monkeypatch
):
    import accounts.public_cache as public_cache

    settings.PUBLIC_CACHE_VERSION_SECONDS = 1.0
    clock = [1000.0]
    monkeypatch.setattr(public_cache.time, "monotonic", lambda: clock[0])
    assert "Haparanda kultur" in _names(anonymous_client)

    _changed_in_another_process(active_account, "Haparanda kulturliv")
    clock[0] += 0.5
    assert "Haparanda kultur" in _names(anonymous_client)  # still the version read 0.5 s ago
    clock[0] += 0.6
    assert "Haparanda kulturliv" in _names(anonymous_client)


def test_with_no_interval_the_version_is_read_on_every_request(
    anonymous_client, active_account, settings, django_assert_num_queries
):
    settings.PUBLIC_CACHE_VERSION_SECONDS = 0
    assert "Haparanda kultur" in _names(anonymous_client)
    with django_assert_num_queries(1):
        anonymous_client.get(JSON)
    _changed_in_another_process(active_account, "Haparanda kulturliv")
    assert "Haparanda kulturliv" in _names(anonymous_client)


@pytest.mark.parametrize("url", [LIST, JSON, CSV])
def test_a_browser_that_accepts_gzip_gets_the_stored_compressed_copy(
    anonymous_client, active_account, url
):
    import gzip

    plain = anonymous_client.get(url)
    packed = anonymous_client.get(url, HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    assert "Content-Encoding" not in plain
    assert packed["Content-Encoding"] == "gzip"
    assert gzip.decompress(packed.content) == plain.content
    assert len(packed.content) < len(plain.content)
    assert packed["Content-Type"] == plain["Content-Type"]
    # Two representations: each has its own ETag, and caches keep them apart.
    assert packed["ETag"] != plain["ETag"]
    assert "Accept-Encoding" in packed["Vary"]
    assert "Accept-Encoding" in plain["Vary"]
    again = anonymous_client.get(
        url, HTTP_ACCEPT_ENCODING="gzip", HTTP_IF_NONE_MATCH=packed["ETag"]
    )
    assert again.status_code == 304
