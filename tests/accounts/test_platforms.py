"""Every form in which a profile address is pasted comes out as one canonical address, and the
canonical address keeps what tells two profiles apart (R2, R7)."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from accounts.platforms import parse_profile_url

FB = "https://www.facebook.com/haparandastad"
FB_ID = "https://www.facebook.com/profile.php?id=100064123456789"


def case(pasted, platform, handle, url):
    return pytest.param(pasted, platform, handle, url, id=pasted[:70])


PLATFORM_FORMS = [
    # Facebook: the user name, any host Facebook serves pages on, any sub-page.
    case("https://www.facebook.com/HaparandaStad/", "facebook", "haparandastad", FB),
    case("m.facebook.com/haparandastad?ref=bookmarks", "facebook", "haparandastad", FB),
    case("https://sv-se.facebook.com/haparandastad", "facebook", "haparandastad", FB),
    case("https://web.facebook.com/haparandastad/", "facebook", "haparandastad", FB),
    case("https://mbasic.facebook.com/haparandastad", "facebook", "haparandastad", FB),
    case("https://touch.facebook.com/haparandastad", "facebook", "haparandastad", FB),
    case("https://business.facebook.com/haparandastad", "facebook", "haparandastad", FB),
    case("https://fb.com/haparandastad", "facebook", "haparandastad", FB),
    case("http://facebook.com/haparandastad/about/", "facebook", "haparandastad", FB),
    case("https://www.facebook.com/haparandastad/posts/pfbid0abc", "facebook", "haparandastad", FB),
    case("https://www.facebook.com/pg/haparandastad/about/", "facebook", "haparandastad", FB),
    case("https://www.facebook.com/pg/HaparandaStad", "facebook", "haparandastad", FB),
    case("https://www.facebook.com:443/haparandastad", "facebook", "haparandastad", FB),
    case("https://www.facebook.com./haparandastad", "facebook", "haparandastad", FB),
    case("https://www.facebook.com/%68aparandastad", "facebook", "haparandastad", FB),
    case("//www.facebook.com/haparandastad", "facebook", "haparandastad", FB),
    # Facebook: a page without a user name is known by its number, whatever the name says.
    case(
        "https://www.facebook.com/profile.php?id=100064123456789&sk=about",
        "facebook",
        "100064123456789",
        FB_ID,
    ),
    case(
        "https://m.facebook.com/profile.php?sk=photos&id=100064123456789",
        "facebook",
        "100064123456789",
        FB_ID,
    ),
    case(
        "https://www.facebook.com/people/Haparanda-Stad/100064123456789/",
        "facebook",
        "100064123456789",
        FB_ID,
    ),
    case(
        "https://www.facebook.com/people/N%C3%A5got-Annat/100064123456789/?mibextid=abc",
        "facebook",
        "100064123456789",
        FB_ID,
    ),
    case(
        "https://www.facebook.com/p/Haparanda-Stad-100064123456789/",
        "facebook",
        "100064123456789",
        FB_ID,
    ),
    case(
        "https://www.facebook.com/pages/Haparanda-Stad/100064123456789",
        "facebook",
        "100064123456789",
        FB_ID,
    ),
    case(
        "https://www.facebook.com/pages/category/Government-Organization/"
        "Haparanda-Stad-100064123456789/",
        "facebook",
        "100064123456789",
        FB_ID,
    ),
    case("https://www.facebook.com/100064123456789", "facebook", "100064123456789", FB_ID),
    case(
        "https://www.facebook.com/Haparanda-Stad-100064123456789/",
        "facebook",
        "100064123456789",
        FB_ID,
    ),
    case(
        "https://www.facebook.com/haparanda-stad",
        "facebook",
        "haparanda-stad",
        "https://www.facebook.com/haparanda-stad",
    ),
    # Instagram.
    case(
        "https://instagram.com/haparandastad/?hl=sv",
        "instagram",
        "haparandastad",
        "https://www.instagram.com/haparandastad",
    ),
    case(
        "https://m.instagram.com/HaparandaStad",
        "instagram",
        "haparandastad",
        "https://www.instagram.com/haparandastad",
    ),
    case(
        "https://www.instagram.com/_u/haparanda.stad",
        "instagram",
        "haparanda.stad",
        "https://www.instagram.com/haparanda.stad",
    ),
    # X, formerly Twitter.
    case("https://twitter.com/HaparandaStad", "x", "haparandastad", "https://x.com/haparandastad"),
    case("x.com/haparandastad/status/1", "x", "haparandastad", "https://x.com/haparandastad"),
    case("https://mobile.x.com/haparandastad", "x", "haparandastad", "https://x.com/haparandastad"),
    case(
        "https://mobile.twitter.com/haparandastad",
        "x",
        "haparandastad",
        "https://x.com/haparandastad",
    ),
    case("https://www.twitter.com/haparanda_st", "x", "haparanda_st", "https://x.com/haparanda_st"),
    # LinkedIn, with its country sites.
    case(
        "https://se.linkedin.com/company/haparanda-stad/about/",
        "linkedin",
        "haparanda-stad",
        "https://www.linkedin.com/company/haparanda-stad",
    ),
    case(
        "https://www.linkedin.com/company/Haparanda-Stad",
        "linkedin",
        "haparanda-stad",
        "https://www.linkedin.com/company/haparanda-stad",
    ),
    case(
        "https://www.linkedin.com/showcase/haparanda-naringsliv",
        "linkedin",
        "haparanda-naringsliv",
        "https://www.linkedin.com/showcase/haparanda-naringsliv",
    ),
    # YouTube: a handle, a channel id, a custom or a legacy user name are different addresses.
    case(
        "https://www.youtube.com/@HaparandaStad/videos",
        "youtube",
        "@haparandastad",
        "https://www.youtube.com/@haparandastad",
    ),
    case(
        "https://m.youtube.com/@haparandastad",
        "youtube",
        "@haparandastad",
        "https://www.youtube.com/@haparandastad",
    ),
    case(
        "https://youtube.com/channel/UCabcDEF123ghiJKL456mnoP",
        "youtube",
        "UCabcDEF123ghiJKL456mnoP",
        "https://www.youtube.com/channel/UCabcDEF123ghiJKL456mnoP",
    ),
    case(
        "https://www.youtube.com/c/HaparandaStad/featured",
        "youtube",
        "haparandastad",
        "https://www.youtube.com/c/haparandastad",
    ),
    case(
        "https://www.youtube.com/user/HaparandaKommun",
        "youtube",
        "haparandakommun",
        "https://www.youtube.com/user/haparandakommun",
    ),
    # TikTok and Threads.
    case(
        "https://www.tiktok.com/@haparandastad?lang=sv",
        "tiktok",
        "@haparandastad",
        "https://www.tiktok.com/@haparandastad",
    ),
    case(
        "https://m.tiktok.com/@HaparandaStad/video/123",
        "tiktok",
        "@haparandastad",
        "https://www.tiktok.com/@haparandastad",
    ),
    case(
        "https://www.threads.net/@haparandastad",
        "threads",
        "@haparandastad",
        "https://www.threads.net/@haparandastad",
    ),
    case(
        "https://www.threads.com/@HaparandaStad",
        "threads",
        "@haparandastad",
        "https://www.threads.net/@haparandastad",
    ),
    # Mastodon: names and instances compare without regard to case.
    case(
        "https://mastodon.nu/@Haparanda",
        "mastodon",
        "@haparanda@mastodon.nu",
        "https://mastodon.nu/@haparanda",
    ),
    case(
        "HTTPS://Mastodon.NU/@HAPARANDA/",
        "mastodon",
        "@haparanda@mastodon.nu",
        "https://mastodon.nu/@haparanda",
    ),
    case(
        "https://mastodon.nu/@haparanda/113456789",
        "mastodon",
        "@haparanda@mastodon.nu",
        "https://mastodon.nu/@haparanda",
    ),
    case(
        "@Haparanda@mastodon.nu",
        "mastodon",
        "@haparanda@mastodon.nu",
        "https://mastodon.nu/@haparanda",
    ),
    # The same account seen from another instance.
    case(
        "https://mastodon.social/@haparanda@Mastodon.nu",
        "mastodon",
        "@haparanda@mastodon.nu",
        "https://mastodon.nu/@haparanda",
    ),
    # Anything else public is kept as it is, on https.
    case(
        "https://www.flickr.com/photos/haparanda/",
        "other",
        "flickr.com/photos/haparanda",
        "https://flickr.com/photos/haparanda",
    ),
]


@pytest.mark.parametrize(("pasted", "platform", "handle", "url"), PLATFORM_FORMS)
def test_it_parses_each_platform_to_one_canonical_address(pasted, platform, handle, url):
    parsed = parse_profile_url(pasted)
    assert (parsed.platform, parsed.handle, parsed.url) == (platform, handle, url)


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (
            "https://www.facebook.com/people/Haparanda-Stad/100064123456789/",
            "https://www.facebook.com/people/Haparanda-Stad/100064999999999/",
        ),
        (
            "https://www.facebook.com/people/Haparanda-Stad/100064123456789/",
            "https://www.facebook.com/people/Falsk-Sida/100064999999999/",
        ),
        ("https://www.facebook.com/pg/haparandastad/", "https://www.facebook.com/pg/falsksida/"),
        (
            "https://www.facebook.com/profile.php?id=100064123456789",
            "https://www.facebook.com/profile.php?id=1000641234567890",
        ),
        (
            "https://www.facebook.com/p/Haparanda-Stad-100064123456789/",
            "https://www.facebook.com/p/Haparanda-Stad-100064123456788/",
        ),
        ("https://www.youtube.com/c/haparanda", "https://www.youtube.com/user/haparanda"),
        ("https://www.youtube.com/@haparanda", "https://www.youtube.com/c/haparanda"),
        ("https://mastodon.nu/@haparanda", "https://mastodon.social/@haparanda"),
        ("https://www.facebook.com/haparandastad", "https://www.instagram.com/haparandastad"),
        ("https://www.facebook.com/haparandastad", "https://www.fаcebook.com/haparandastad"),
    ],
)
def test_two_different_profiles_never_share_a_canonical_address(first, second):
    assert parse_profile_url(first).url != parse_profile_url(second).url


GENERIC = "Paste the address of the account's profile page, e.g. a Facebook page."
NOT_WEB = "That is not a web address."
NOT_PROFILE = "That is not the address of a profile page on"
E_MAIL = "That is an e-mail address, not the address of an account."
INTERNAL = "That address leads to a single computer or an internal network"
SCHEME = "Only web addresses beginning with https:// are accepted"
LOGIN = "The address must not contain a user name or password before the host name."
PORT = "The address must not contain a port number."


@pytest.mark.parametrize(
    ("pasted", "message"),
    [
        ("", GENERIC),
        ("@haparandastad", GENERIC),
        ("not a url at all", NOT_WEB),
        ("haparanda", NOT_WEB),
        ("https://exa mple.com/@x", NOT_WEB),
        ("https://www.facebook.com\\@evil.example.com/", NOT_WEB),
        ("https://www.facebook.com/", NOT_PROFILE),
        ("https://www.facebook.com/people", NOT_PROFILE),
        ("https://www.facebook.com/people/Haparanda-Stad/", NOT_PROFILE),
        ("https://www.facebook.com/people/Haparanda-Stad/abc/", NOT_PROFILE),
        ("https://www.facebook.com/pg/", NOT_PROFILE),
        ("https://www.facebook.com/pages/Haparanda-Stad/", NOT_PROFILE),
        ("https://www.facebook.com/profile.php", NOT_PROFILE),
        ("https://www.facebook.com/profile.php?id=1&id=2", NOT_PROFILE),
        ("https://www.facebook.com/groups/12345", NOT_PROFILE),
        ("https://www.facebook.com/sharer/sharer.php?u=x", NOT_PROFILE),
        ("https://developers.facebook.com/haparanda", NOT_PROFILE),
        ("https://l.facebook.com/l.php?u=https%3A%2F%2Fevil.example.com", NOT_PROFILE),
        ("https://www.instagram.com/p/Cxyz123/", NOT_PROFILE),
        ("https://www.instagram.com/haparanda-stad", NOT_PROFILE),
        ("https://x.com/i/flow/login", NOT_PROFILE),
        ("https://x.com/haparanda.stad", NOT_PROFILE),
        ("https://www.linkedin.com/feed/", NOT_PROFILE),
        ("https://www.youtube.com/watch?v=abc", NOT_PROFILE),
        ("https://www.youtube.com/haparanda", NOT_PROFILE),
        ("https://www.youtube.com/channel/haparanda", NOT_PROFILE),
        ("https://www.tiktok.com/haparanda", NOT_PROFILE),
        ("mailto:kommun@haparanda.se", E_MAIL),
        ("MAILTO:kommun@haparanda.se", E_MAIL),
        ("kommun@haparanda.se", E_MAIL),
        ("http://localhost/@haparanda", INTERNAL),
        ("localhost:8000/@haparanda", INTERNAL),
        ("https://app.localhost/@haparanda", INTERNAL),
        ("http://127.0.0.1/@haparanda", INTERNAL),
        ("http://10.0.0.5/haparanda", INTERNAL),
        ("http://192.168.1.1/", INTERNAL),
        ("https://8.8.8.8/haparanda", INTERNAL),
        ("http://[::1]/@haparanda", INTERNAL),
        ("http://[fd00::1]/haparanda", INTERNAL),
        ("http://2130706433/", INTERNAL),
        ("http://intranet/@haparanda", INTERNAL),
        ("https://server.local/@haparanda", INTERNAL),
        ("https://wiki.haparanda.internal/konto", INTERNAL),
        ("https://router.home.arpa/", INTERNAL),
        ("javascript:alert(1)", SCHEME),
        ("ftp://www.facebook.com/haparandastad", SCHEME),
        ("file:///etc/passwd", SCHEME),
        ("data:text/html,<b>x</b>", SCHEME),
        ("tel:+46922150000", SCHEME),
        ("https:www.facebook.com/haparandastad", NOT_WEB),
        ("https://www.facebook.com@evil.example.com/haparandastad", LOGIN),
        ("https://user:secret@www.facebook.com/haparandastad", LOGIN),
        ("https://www.facebook.com:8443/haparandastad", PORT),
    ],
)
def test_it_refuses_what_is_not_a_profile_address_and_says_why(pasted, message):
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        parse_profile_url(pasted)
    assert caught.value.code == "invalid_profile_url"
    with translation.override("en"):
        (text,) = caught.value.messages
    assert message in text


@pytest.mark.parametrize(
    ("pasted", "swedish"),
    [
        (
            "mailto:kommun@haparanda.se",
            "Det där är en e-postadress, inte adressen till ett konto. "
            "Klistra in adressen till kontots profilsida.",
        ),
        (
            "http://localhost/@haparanda",
            "Adressen leder till en enskild dator eller ett internt nätverk, inte till ett "
            "offentligt konto. Klistra in den offentliga adressen till kontots profilsida.",
        ),
        (
            "ftp://www.facebook.com/haparandastad",
            "Bara webbadresser som börjar med https:// går att använda, inte adresser som "
            "börjar med ”ftp:”.",
        ),
        (
            "https://www.facebook.com/groups/haparanda",
            "Det är inte adressen till en profilsida på Facebook. "
            "Klistra in adressen till kontots egen sida.",
        ),
        (
            "https://kommun@www.facebook.com/haparandastad",
            "Adressen får inte innehålla användarnamn eller lösenord före domännamnet.",
        ),
        ("https://www.facebook.com:8443/x", "Adressen får inte innehålla något portnummer."),
        ("", "Klistra in adressen till kontots profilsida, till exempel en Facebooksida."),
        (
            "@haparandastad",
            "Klistra in adressen till kontots profilsida, till exempel en Facebooksida.",
        ),
        ("inte en adress", "Det är inte en webbadress."),
        ("https:www.facebook.com/haparandastad", "Det är inte en webbadress."),
    ],
)
def test_the_person_who_typed_it_is_told_why_in_swedish(pasted, swedish):
    with translation.override("sv"), pytest.raises(ValidationError) as caught:
        parse_profile_url(pasted)
    with translation.override("sv"):
        assert caught.value.messages == [swedish]


# --- Issue #18: what a wrong reading would let through ------------------------------------------


@pytest.mark.parametrize(
    ("pasted", "platform", "handle", "url"),
    [
        # A one-segment address on another site is that site's page, not a Mastodon account.
        case(
            "https://www.haparanda.se/kommun",
            "other",
            "haparanda.se/kommun",
            "https://haparanda.se/kommun",
        ),
        case("https://haparanda.se/", "other", "haparanda.se", "https://haparanda.se"),
        case(
            "https://www.haparanda.se/FAX",
            "other",
            "haparanda.se/FAX",
            "https://haparanda.se/FAX",
        ),
        case(
            "https://visit.haparanda.se/sv/evenemang/",
            "other",
            "visit.haparanda.se/sv/evenemang",
            "https://visit.haparanda.se/sv/evenemang",
        ),
        # Mastodon needs the @ of an account's address.
        case(
            "https://social.haparanda.se/@Kultur.Fritid",
            "mastodon",
            "@kultur.fritid@social.haparanda.se",
            "https://social.haparanda.se/@kultur.fritid",
        ),
        # YouTube's custom and legacy addresses keep their kind: /c/ and /user/ are different.
        case(
            "https://m.youtube.com/c/Haparanda-Stad",
            "youtube",
            "haparanda-stad",
            "https://www.youtube.com/c/haparanda-stad",
        ),
        case(
            "https://youtube.com/user/haparandakommun/videos",
            "youtube",
            "haparandakommun",
            "https://www.youtube.com/user/haparandakommun",
        ),
        case(
            "https://www.youtube.com/@Haparanda.Stad",
            "youtube",
            "@haparanda.stad",
            "https://www.youtube.com/@haparanda.stad",
        ),
        # Facebook's /pages/Name/123: the number, not the name, is the page.
        case(
            "https://www.facebook.com/pages/Haparanda-Bibliotek/123456789012",
            "facebook",
            "123456789012",
            "https://www.facebook.com/profile.php?id=123456789012",
        ),
        case(
            "https://www.facebook.com/pages/category/Library/Stadsbiblioteket-123456789012",
            "facebook",
            "123456789012",
            "https://www.facebook.com/profile.php?id=123456789012",
        ),
        case(
            "https://www.facebook.com/p/123456789012/",
            "facebook",
            "123456789012",
            "https://www.facebook.com/profile.php?id=123456789012",
        ),
        case(
            "https://www.facebook.com/profile.php?id=123&id=123",
            "facebook",
            "123",
            "https://www.facebook.com/profile.php?id=123",
        ),
        case(
            "https://www.facebook.com/pg/Haparanda-Stad-123456789012/about",
            "facebook",
            "123456789012",
            "https://www.facebook.com/profile.php?id=123456789012",
        ),
        case(
            "https://da-dk.facebook.com/haparandastad",
            "facebook",
            "haparandastad",
            "https://www.facebook.com/haparandastad",
        ),
        case(
            "https://fi.linkedin.com/in/Anna-Andersson",
            "linkedin",
            "anna-andersson",
            "https://www.linkedin.com/in/anna-andersson",
        ),
        case(
            "https://www.linkedin.com/school/haparanda-gymnasium/",
            "linkedin",
            "haparanda-gymnasium",
            "https://www.linkedin.com/school/haparanda-gymnasium",
        ),
        case(
            "https://www.instagram.com/haparanda_stad/reels/",
            "instagram",
            "haparanda_stad",
            "https://www.instagram.com/haparanda_stad",
        ),
        case(
            "https://www.threads.net/@haparanda.stad/post/1",
            "threads",
            "@haparanda.stad",
            "https://www.threads.net/@haparanda.stad",
        ),
        case("  x.com/Haparanda  ", "x", "haparanda", "https://x.com/haparanda"),
        case(
            "https://mastodon.nu/@Haparanda@SOCIAL.BOX",
            "mastodon",
            "@haparanda@social.box",
            "https://social.box/@haparanda",
        ),
        # YouTube names and handles may hold letters of any script.
        case(
            "https://www.youtube.com/@HaaparannanKaupunkiÄÖ",
            "youtube",
            "@haaparannankaupunkiäö",
            "https://www.youtube.com/@haaparannankaupunkiäö",
        ),
        case(
            "https://www.youtube.com/c/Haaparanta-Tornionlaakso-Ä",
            "youtube",
            "haaparanta-tornionlaakso-ä",
            "https://www.youtube.com/c/haaparanta-tornionlaakso-ä",
        ),
        case("https://www.facebook.com:80/haparandastad", "facebook", "haparandastad", FB),
        case(
            "https://www.facebook.com/pages/Category/Library/Stadsbiblioteket-123456789012",
            "facebook",
            "123456789012",
            "https://www.facebook.com/profile.php?id=123456789012",
        ),
        case(
            "https://www.facebook.com/PROFILE.PHP?id=123456789012",
            "facebook",
            "123456789012",
            "https://www.facebook.com/profile.php?id=123456789012",
        ),
        case(
            "https://WWW.LinkedIn.com/Company/Haparanda-Stad",
            "linkedin",
            "haparanda-stad",
            "https://www.linkedin.com/company/haparanda-stad",
        ),
    ],
)
def test_each_address_form_keeps_what_identifies_the_profile(pasted, platform, handle, url):
    parsed = parse_profile_url(pasted)
    assert (parsed.platform, parsed.handle, parsed.url) == (platform, handle, url)


@pytest.mark.parametrize(
    ("pasted", "message"),
    [
        (None, GENERIC),
        ("   ", GENERIC),
        ("https://www.facebook.com/pages/category/Library/", NOT_PROFILE),
        ("https://www.facebook.com/pages/category/Library/Stadsbiblioteket/", NOT_PROFILE),
        ("https://www.facebook.com/p/", NOT_PROFILE),
        ("https://www.facebook.com/p/Haparanda-Stad/", NOT_PROFILE),
        ("https://www.facebook.com/profile.php?id=abc", NOT_PROFILE),
        ("https://www.facebook.com/people/Haparanda/123456789012345678901/", NOT_PROFILE),
        ("https://www.facebook.com/pg", NOT_PROFILE),
        ("https://www.facebook.com/Events", NOT_PROFILE),
        ("https://www.facebook.com/haparanda!stad", NOT_PROFILE),
        ("https://sv-se.m.facebook.com/haparandastad", NOT_PROFILE),
        ("https://se.facebook.com/haparandastad", NOT_PROFILE),
        ("https://sv-se.linkedin.com/company/haparanda", NOT_PROFILE),
        ("https://www.linkedin.com/company/", NOT_PROFILE),
        ("https://www.linkedin.com/groups/haparanda", NOT_PROFILE),
        ("https://www.linkedin.com/company/hap@randa", NOT_PROFILE),
        ("https://www.instagram.com/", NOT_PROFILE),
        ("https://www.instagram.com/_u/", NOT_PROFILE),
        ("https://www.instagram.com/explore/", NOT_PROFILE),
        ("https://www.instagram.com/@haparandastad", NOT_PROFILE),
        ("https://x.com/haparanda_stad_kommun", NOT_PROFILE),
        ("https://x.com/home", NOT_PROFILE),
        ("https://www.threads.net/haparandastad", NOT_PROFILE),
        ("https://www.tiktok.com/@", NOT_PROFILE),
        ("https://www.youtube.com/", NOT_PROFILE),
        ("https://www.youtube.com/c/", NOT_PROFILE),
        ("https://www.youtube.com/user/haparanda!", NOT_PROFILE),
        ("https://www.youtube.com/channel/UCabc!", NOT_PROFILE),
        ("https://www.youtube.com/playlist/haparanda", NOT_PROFILE),
        ("https://www.youtube.com/@hap!randa", NOT_PROFILE),
        ("https://www.youtube.com/c/hap!randa", NOT_PROFILE),
        ("https://studio.youtube.com/@haparanda", NOT_PROFILE),
        ("https://mastodon.nu/@hap!randa", GENERIC),
        ("https://mastodon.nu/@haparanda@localhost", INTERNAL),
        ("https://mastodon.nu/@haparanda@intranet", INTERNAL),
        ("kommun@haparanda.se/", E_MAIL),
        ("https:///haparandastad", NOT_WEB),
        ("https://www.facebook.com/hap\x7frandastad", NOT_WEB),
        ("https://www.haparanda.se/kommun\x7f", NOT_WEB),
        ("https://mastodon.nu/@haparanda@192.168.0.1", INTERNAL),
        ("@haparanda@mastodon.local", INTERNAL),
        ("http://0x7f.1/@haparanda", INTERNAL),
        ("http://127.1/haparanda", INTERNAL),
        ("https://www.facebook.com:80/haparandastad\x00", NOT_WEB),
        ("https://www.face\x7fbook.com/haparandastad", NOT_WEB),
        ("https://www.facebook.com:abc/haparandastad", NOT_WEB),
        ("https://www.facebook.com:99999/haparandastad", NOT_WEB),
        ("https://-.example.se/haparanda", NOT_WEB),
        ("https://haparanda..se/x", NOT_WEB),
        ("www.facebook.com@evil.example.com/x", LOGIN),
        ("https://www.facebook.com:8080/haparandastad", PORT),
    ],
)
def test_more_that_is_not_a_profile_address_is_refused_with_its_reason(pasted, message):
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        parse_profile_url(pasted)
    assert caught.value.code == "invalid_profile_url"
    with translation.override("en"):
        (text,) = caught.value.messages
    assert message in text


def test_the_refusal_names_the_platform_and_the_scheme_that_was_typed():
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        parse_profile_url("https://www.youtube.com/watch?v=abc")
    with translation.override("en"):
        assert "on YouTube." in caught.value.messages[0]
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        parse_profile_url("gopher://haparanda.se/" + "x" * 5)
    with translation.override("en"):
        assert "not addresses beginning with “gopher:”." in caught.value.messages[0]
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        parse_profile_url("a" * 40 + "://haparanda.se/")
    with translation.override("en"):
        assert f"beginning with “{'a' * 20}:”." in caught.value.messages[0]


@pytest.mark.parametrize(
    ("host", "platform", "account_url", "on_platform"),
    [
        ("www.facebook.com", "facebook", "https://www.facebook.com/haparandastad", True),
        ("m.facebook.com", "facebook", "https://www.facebook.com/haparandastad", True),
        ("sv-se.facebook.com", "facebook", "https://www.facebook.com/haparandastad", True),
        ("WWW.FACEBOOK.COM.", "facebook", "https://www.facebook.com/haparandastad", True),
        ("www.instagram.com", "facebook", "https://www.facebook.com/haparandastad", False),
        ("evil-facebook.com", "facebook", "https://www.facebook.com/haparandastad", False),
        ("developers.facebook.com", "facebook", "https://www.facebook.com/haparandastad", False),
        ("mastodon.nu", "mastodon", "https://mastodon.nu/@haparanda", True),
        ("www.mastodon.nu", "mastodon", "https://mastodon.nu/@haparanda", True),
        ("mastodon.social", "mastodon", "https://mastodon.nu/@haparanda", False),
        ("", "other", "https://haparanda.se", False),
        ("www.haparanda.se", "other", "https://haparanda.se/kommun", True),
        ("haparanda.se", "other", "https://www.haparanda.se/kommun", True),
        ("HAPARANDA.SE", "other", "https://WWW.Haparanda.se/kommun", True),
        ("visit.haparanda.se", "other", "https://www.haparanda.se/kommun", False),
    ],
)
def test_a_posted_reply_is_on_the_accounts_platform(host, platform, account_url, on_platform):
    from accounts.platforms import is_platform_host

    assert is_platform_host(host, platform=platform, account_url=account_url) is on_platform
