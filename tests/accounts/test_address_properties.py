"""The public lookup never calls a look-alike official, and always finds the real account (R7).

Hypothesis writes the addresses a visitor might paste: every form of a registered account
(another host Facebook serves pages on, upper case, a sub-page, tracking parameters, the page's
number in another path) and look-alikes (another number or name in the same form, another
platform, a host that only resembles the platform's). Each goes through the lookup page and its
JSON, as a visitor's browser or a journalist's script would send it.
"""

import importlib
import string

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext as _
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts import services
from accounts.models import AccountStatus, SocialAccount
from accounts.platforms import parse_profile_url
from tests.factories import make_account
from tests.properties import examples

pytestmark = pytest.mark.django_db

YES = "Yes, this is an official account"

# One registered account per kind of address: (key, pasted address at registration).
REGISTERED = {
    "fb_name": "https://www.facebook.com/haparandabibliotek",
    "fb_number": "https://www.facebook.com/people/Haparanda-Fritid/100064123456789/",
    "instagram": "https://www.instagram.com/sommarlov.haparanda",
    "x": "https://x.com/haparanda_stad",
    "youtube_handle": "https://www.youtube.com/@haparandastad",
    "youtube_custom": "https://www.youtube.com/c/haparandakanal",
    "linkedin": "https://www.linkedin.com/company/haparanda-stad",
    "tiktok": "https://www.tiktok.com/@haparandagymnasium",
    "threads": "https://www.threads.net/@haparandasocial",
    "mastodon": "https://mastodon.nu/@haparanda",
}
FB_ID = "100064123456789"

FB_HOSTS = [
    "facebook.com",
    "www.facebook.com",
    "m.facebook.com",
    "mbasic.facebook.com",
    "touch.facebook.com",
    "web.facebook.com",
    "sv-se.facebook.com",
    "en-gb.facebook.com",
    "business.facebook.com",
    "fb.com",
    "www.fb.com",
]
HOSTS = {
    "instagram": ["instagram.com", "www.instagram.com", "m.instagram.com"],
    "x": ["x.com", "www.x.com", "mobile.x.com", "twitter.com", "mobile.twitter.com"],
    "youtube": ["youtube.com", "www.youtube.com", "m.youtube.com"],
    "linkedin": ["linkedin.com", "www.linkedin.com", "se.linkedin.com", "fi.linkedin.com"],
    "tiktok": ["tiktok.com", "www.tiktok.com", "m.tiktok.com"],
    "threads": ["threads.net", "www.threads.net", "threads.com", "www.threads.com"],
    "mastodon": ["mastodon.nu", "Mastodon.NU", "MASTODON.nu"],
}

schemes = st.sampled_from(["https://", "http://", "", "//", "HTTPS://"])
slug = st.text(string.ascii_letters + string.digits, min_size=1, max_size=12)
name_slug = st.lists(slug, min_size=1, max_size=3).map("-".join)
sub_pages = st.sampled_from(["", "/", "/about", "/about/", "/posts/123", "/videos", "/photos/"])
queries = st.sampled_from(["", "?ref=bookmarks", "?hl=sv", "?utm_source=x&utm_medium=y"])
fragments = st.sampled_from(["", "#", "#top"])
spaces = st.sampled_from(["", " ", "  ", "\t"])


@st.composite
def any_case(draw, text):
    flips = draw(st.lists(st.booleans(), min_size=len(text), max_size=len(text)))
    return "".join(c.upper() if flip else c for c, flip in zip(text, flips, strict=True))


@st.composite
def variant(draw):
    """(key of a registered account, a form of its address a visitor might paste)."""
    key = draw(st.sampled_from(sorted(REGISTERED)))
    scheme = draw(schemes)
    tail = draw(queries) + draw(fragments)
    if key == "fb_name":
        path = "/" + draw(st.sampled_from(["", "pg/"])) + draw(any_case("haparandabibliotek"))
        address = draw(st.sampled_from(FB_HOSTS)) + path + draw(sub_pages) + tail
    elif key == "fb_number":
        name = draw(name_slug)
        path = draw(
            st.sampled_from(
                [
                    f"/people/{name}/{FB_ID}/",
                    f"/people/{name}/{FB_ID}",
                    f"/p/{name}-{FB_ID}/",
                    f"/pages/{name}/{FB_ID}",
                    f"/pages/category/Government-Organization/{name}-{FB_ID}/",
                    f"/{FB_ID}",
                    f"/{name}-{FB_ID}/",
                    f"/profile.php?id={FB_ID}",
                    f"/profile.php?sk=about&id={FB_ID}",
                ]
            )
        )
        address = draw(st.sampled_from(FB_HOSTS)) + path
        address += ("&" if "?" in path else "?") + "ref=x" if draw(st.booleans()) else ""
    elif key == "instagram":
        prefix = draw(st.sampled_from(["/", "/_u/"]))
        path = prefix + draw(any_case("sommarlov.haparanda")) + draw(st.sampled_from(["", "/"]))
        address = draw(st.sampled_from(HOSTS["instagram"])) + path + tail
    elif key == "x":
        path = "/" + draw(any_case("haparanda_stad")) + draw(st.sampled_from(["", "/status/1"]))
        address = draw(st.sampled_from(HOSTS["x"])) + path + tail
    elif key in ("youtube_handle", "youtube_custom"):
        path = "/@" if key == "youtube_handle" else "/c/"
        name = "haparandastad" if key == "youtube_handle" else "haparandakanal"
        path += draw(any_case(name)) + draw(st.sampled_from(["", "/", "/videos", "/featured"]))
        address = draw(st.sampled_from(HOSTS["youtube"])) + path + tail
    elif key == "linkedin":
        path = "/company/" + draw(any_case("haparanda-stad")) + draw(sub_pages)
        address = draw(st.sampled_from(HOSTS["linkedin"])) + path + tail
    elif key in ("tiktok", "threads"):
        name = "haparandagymnasium" if key == "tiktok" else "haparandasocial"
        path = "/@" + draw(any_case(name)) + draw(st.sampled_from(["", "/"]))
        address = draw(st.sampled_from(HOSTS[key])) + path + tail
    else:
        handle = draw(any_case("haparanda"))
        host = draw(st.sampled_from(HOSTS["mastodon"]))
        address = draw(
            st.sampled_from(
                [
                    f"{host}/@{handle}",
                    f"{host}/@{handle}/",
                    f"{host}/@{handle}/113456789",
                    f"mastodon.social/@{handle}@{host}",
                ]
            )
        )
        if draw(st.booleans()):
            return key, f"@{handle}@{host}"
    return key, draw(spaces) + scheme + address + draw(spaces)


def _other_text(original):
    """Letters and digits that differ from ``original`` even when case is ignored."""
    return slug.filter(lambda s: s.lower() != original.lower())


@st.composite
def look_alike(draw):
    """An address that resembles a registered account's but is another page, or no page."""
    kind = draw(st.integers(min_value=0, max_value=9))
    scheme = draw(schemes)
    if kind == 0:  # another page without a user name, under the same or another name
        other_id = draw(
            st.integers(min_value=1, max_value=10**17).filter(lambda n: str(n) != FB_ID)
        )
        name = draw(st.sampled_from(["Haparanda-Fritid", "Haparanda-Stad"]))
        path = draw(
            st.sampled_from(
                [
                    f"/people/{name}/{other_id}/",
                    f"/p/{name}-{other_id}/",
                    f"/profile.php?id={other_id}",
                    f"/pages/{name}/{other_id}",
                    f"/{other_id}",
                ]
            )
        )
        return scheme + draw(st.sampled_from(FB_HOSTS)) + path
    if kind == 1:  # the number of the page, padded or cut: another number
        other_id = draw(st.sampled_from([FB_ID + "0", FB_ID[:-1], "9" + FB_ID, FB_ID[1:]]))
        return f"{scheme}www.facebook.com/people/Haparanda-Fritid/{other_id}/"
    if kind == 2:  # the path without what identifies the page
        return (
            scheme
            + draw(st.sampled_from(FB_HOSTS))
            + draw(st.sampled_from(["/people", "/people/Haparanda-Fritid", "/pg", "/pages", "/p"]))
        )
    if kind == 3:  # a name that is one edit away from a registered one
        original = draw(st.sampled_from(["haparandabibliotek", "haparanda_stad", "haparanda"]))
        position = draw(st.integers(min_value=0, max_value=len(original)))
        insert = draw(st.sampled_from(string.ascii_lowercase + string.digits))
        cut = draw(st.booleans())
        name = (
            original[:position] + original[position + 1 :]
            if cut and position < len(original)
            else original[:position] + insert + original[position:]
        )
        host = {
            "haparandabibliotek": "www.facebook.com/",
            "haparanda_stad": "x.com/",
            "haparanda": "mastodon.nu/@",
        }[original]
        return scheme + host + name
    if kind == 4:  # another name in the old /pg/ form
        return f"{scheme}www.facebook.com/pg/" + draw(_other_text("haparandabibliotek"))
    if kind == 5:  # the registered name on another platform
        return scheme + draw(
            st.sampled_from(
                [
                    "www.instagram.com/haparandabibliotek",
                    "x.com/haparandabibliotek",
                    "www.facebook.com/sommarlov.haparanda",
                    "www.tiktok.com/@haparandasocial",
                    "www.threads.net/@haparandagymnasium",
                    "www.youtube.com/c/haparandastad",
                    "www.youtube.com/user/haparandakanal",
                    "www.youtube.com/@haparandakanal",
                    "www.linkedin.com/showcase/haparanda-stad",
                    "www.linkedin.com/in/haparanda-stad",
                    "mastodon.social/@haparanda",
                ]
            )
        )
    if kind == 6:  # a host that only resembles the platform's
        host = draw(
            st.sampled_from(
                [
                    "facebook.com.haparanda-info.se",
                    "facebook-com.se",
                    "faceboook.com",
                    "fаcebook.com",  # a Cyrillic а
                    "www.facebook.se",
                    "facebook.co",
                    "mastodon.nu.example.com",
                    "m.facebook.com.evil.example.com",
                ]
            )
        )
        return scheme + host + "/haparandabibliotek"
    if kind == 7:  # the platform's address hidden behind a login, a port or a redirect
        return draw(
            st.sampled_from(
                [
                    "https://www.facebook.com@evil.example.com/haparandabibliotek",
                    "https://www.facebook.com:8443/haparandabibliotek",
                    "https://l.facebook.com/l.php?u=https%3A%2F%2Fwww.facebook.com%2Fharaparanda",
                    "https://developers.facebook.com/haparandabibliotek",
                    "https://evil.example.com/www.facebook.com/haparandabibliotek",
                    "https://evil.example.com/?u=https://www.facebook.com/haparandabibliotek",
                ]
            )
        )
    if kind == 8:  # not a web address of an account at all
        return draw(
            st.sampled_from(
                [
                    "mailto:haparandabibliotek@facebook.com",
                    "haparandabibliotek@facebook.com",
                    "javascript:location='https://www.facebook.com/haparandabibliotek'",
                    "http://localhost/@haparanda",
                    "http://127.0.0.1/haparandabibliotek",
                    "http://[::1]/@haparanda",
                    "https://mastodon.local/@haparanda",
                    "ftp://www.facebook.com/haparandabibliotek",
                ]
            )
        )
    # kind 9: arbitrary text
    return draw(st.text(max_size=80))


@pytest.fixture
def registry(owner, department):
    accounts = {}
    for key, pasted in REGISTERED.items():
        parsed = parse_profile_url(pasted)
        accounts[key] = make_account(
            created_by=owner,
            department=department,
            status=AccountStatus.ACTIVE,
            platform=parsed.platform,
            handle=parsed.handle,
            url=parsed.url,
        )
    return accounts


def _lookup(client, pasted):
    html_response = client.get(reverse("public:verify"), {"url": pasted})
    json_response = client.get(reverse("public:verify_json"), {"url": pasted})
    assert html_response.status_code == 200
    assert json_response.status_code in (200, 400)
    return html_response.content.decode(), json_response.json()


# Mutation runs (scripts/mutation.sh) take a tenth: each surviving mutant runs these again.
EXAMPLES = settings(
    max_examples=examples(250),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@EXAMPLES
@given(case=variant())
def test_every_form_of_a_registered_address_is_found(anonymous_client, registry, case):
    key, pasted = case
    html, data = _lookup(anonymous_client, pasted)
    assert str(_(YES)) in html, pasted
    assert registry[key].display_name in html
    assert data["result"] == "official", pasted
    assert data["account"]["id"] == registry[key].pk


@EXAMPLES
@given(pasted=look_alike())
def test_no_look_alike_is_called_official(anonymous_client, registry, pasted):
    html, data = _lookup(anonymous_client, pasted)
    assert str(_(YES)) not in html, pasted
    assert data.get("result") != "official", pasted
    assert data.get("account") is None


# --- The registry's uniqueness check uses the same canonical address ---------------------------


def _data(department, profile_url):
    return {"department": department, "display_name": "Ny sida", "profile_url": profile_url}


def test_a_second_real_people_page_is_not_a_duplicate_of_the_first(owner, department):
    first = services.application_create(
        actor=owner,
        data=_data(department, "https://www.facebook.com/people/Haparanda-Fritid/100064123456789/"),
    )
    second = services.application_create(
        actor=owner,
        data=_data(department, "https://www.facebook.com/people/Haparanda-Fritid/61550000000001/"),
    )
    assert first.url == "https://www.facebook.com/profile.php?id=100064123456789"
    assert second.url == "https://www.facebook.com/profile.php?id=61550000000001"
    assert SocialAccount.objects.count() == 2


def test_the_same_page_in_another_form_is_a_duplicate(owner, department):
    services.application_create(
        actor=owner,
        data=_data(department, "https://www.facebook.com/people/Haparanda-Fritid/100064123456789/"),
    )
    for again in (
        "https://m.facebook.com/profile.php?id=100064123456789",
        "https://sv-se.facebook.com/p/Annat-Namn-100064123456789/",
    ):
        with pytest.raises(ValidationError) as caught:
            services.application_create(actor=owner, data=_data(department, again))
        assert "profile_url" in caught.value.error_dict
    assert SocialAccount.objects.count() == 1


def test_the_application_form_says_why_an_address_is_refused(owner_client, department):
    response = owner_client.post(
        reverse("accounts:application_create"),
        {"department": department.pk, "profile_url": "mailto:bibliotek@haparanda.se"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Det där är en e-postadress, inte adressen till ett konto." in html
    assert 'value="mailto:bibliotek@haparanda.se"' in html
    assert SocialAccount.objects.count() == 0


# --- Stored addresses are brought to the new canonical form ------------------------------------


def test_the_migration_recomputes_stored_addresses(owner, department, capsys):
    migration = importlib.import_module("accounts.migrations.0003_recompute_canonical_profile_urls")
    mastodon = make_account(
        created_by=owner,
        status=AccountStatus.ACTIVE,
        platform="mastodon",
        handle="@Haparanda@mastodon.nu",
        url="https://mastodon.nu/@Haparanda",
    )
    language_host = make_account(
        created_by=owner,
        status=AccountStatus.ACTIVE,
        platform="other",
        handle="sv-se.facebook.com/haparandafritid",
        url="https://sv-se.facebook.com/haparandafritid",
    )
    lossy = make_account(
        created_by=owner,
        status=AccountStatus.ACTIVE,
        handle="people",
        url="https://www.facebook.com/people",
        display_name="Sida utan namn",
    )
    unchanged = make_account(created_by=owner, status=AccountStatus.ACTIVE)
    before = unchanged.updated_at

    migration.recompute(apps, None)

    mastodon.refresh_from_db()
    assert (mastodon.handle, mastodon.url) == (
        "@haparanda@mastodon.nu",
        "https://mastodon.nu/@haparanda",
    )
    language_host.refresh_from_db()
    assert (language_host.platform, language_host.url) == (
        "facebook",
        "https://www.facebook.com/haparandafritid",
    )
    lossy.refresh_from_db()
    assert lossy.url == "https://www.facebook.com/people"
    assert "Sida utan namn" in capsys.readouterr().out
    unchanged.refresh_from_db()
    assert unchanged.updated_at == before


def test_the_migration_leaves_two_rows_that_now_collide_for_a_person_to_resolve(owner):
    migration = importlib.import_module("accounts.migrations.0003_recompute_canonical_profile_urls")
    lower = make_account(
        created_by=owner,
        status=AccountStatus.ACTIVE,
        platform="mastodon",
        url="https://mastodon.nu/@haparanda",
    )
    upper = make_account(
        created_by=owner,
        status=AccountStatus.SUBMITTED,
        platform="mastodon",
        url="https://mastodon.nu/@Haparanda",
    )
    migration.recompute(apps, None)
    lower.refresh_from_db()
    upper.refresh_from_db()
    assert lower.url == "https://mastodon.nu/@haparanda"
    assert upper.url == "https://mastodon.nu/@Haparanda"
