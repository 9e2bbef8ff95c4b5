import pytest
from django.core.exceptions import ValidationError

from accounts.platforms import parse_profile_url


@pytest.mark.parametrize(
    ("pasted", "platform", "handle", "url"),
    [
        (
            "https://www.facebook.com/HaparandaStad/",
            "facebook",
            "haparandastad",
            "https://www.facebook.com/haparandastad",
        ),
        (
            "m.facebook.com/haparandastad?ref=bookmarks",
            "facebook",
            "haparandastad",
            "https://www.facebook.com/haparandastad",
        ),
        (
            "https://www.facebook.com/profile.php?id=100064&sk=about",
            "facebook",
            "100064",
            "https://www.facebook.com/profile.php?id=100064",
        ),
        (
            "https://instagram.com/haparandastad/?hl=sv",
            "instagram",
            "haparandastad",
            "https://www.instagram.com/haparandastad",
        ),
        ("https://twitter.com/HaparandaStad", "x", "haparandastad", "https://x.com/haparandastad"),
        ("x.com/haparandastad/status/1", "x", "haparandastad", "https://x.com/haparandastad"),
        (
            "https://se.linkedin.com/company/haparanda-stad/about/",
            "linkedin",
            "haparanda-stad",
            "https://www.linkedin.com/company/haparanda-stad",
        ),
        (
            "https://www.linkedin.com/company/Haparanda-Stad",
            "linkedin",
            "haparanda-stad",
            "https://www.linkedin.com/company/haparanda-stad",
        ),
        (
            "https://www.youtube.com/@HaparandaStad/videos",
            "youtube",
            "@haparandastad",
            "https://www.youtube.com/@haparandastad",
        ),
        (
            "https://youtube.com/channel/UCabcDEF123",
            "youtube",
            "UCabcDEF123",
            "https://www.youtube.com/channel/UCabcDEF123",
        ),
        (
            "https://www.tiktok.com/@haparandastad?lang=sv",
            "tiktok",
            "@haparandastad",
            "https://www.tiktok.com/@haparandastad",
        ),
        (
            "https://www.threads.net/@haparandastad",
            "threads",
            "@haparandastad",
            "https://www.threads.net/@haparandastad",
        ),
        (
            "https://mastodon.nu/@Haparanda",
            "mastodon",
            "@Haparanda@mastodon.nu",
            "https://mastodon.nu/@Haparanda",
        ),
        (
            "https://www.flickr.com/photos/haparanda/",
            "other",
            "flickr.com/photos/haparanda",
            "https://flickr.com/photos/haparanda",
        ),
    ],
)
def test_it_parses_each_platform_to_one_canonical_address(pasted, platform, handle, url):
    parsed = parse_profile_url(pasted)
    assert (parsed.platform, parsed.handle, parsed.url) == (platform, handle, url)


@pytest.mark.parametrize(
    "pasted",
    [
        "",
        "not a url at all",
        "javascript:alert(1)",
        "https://www.facebook.com/",
        "https://www.facebook.com/groups/12345",
        "https://www.instagram.com/p/Cxyz123/",
        "https://www.linkedin.com/feed/",
        "https://www.youtube.com/watch?v=abc",
        "https://www.tiktok.com/haparanda",
    ],
)
def test_it_refuses_what_is_not_a_profile_address(pasted):
    with pytest.raises(ValidationError):
        parse_profile_url(pasted)
