"""The public pages in Finnish and Meänkieli beside Swedish and English (issue #17)."""

import html as html_lib
import re
import shutil
import subprocess
from datetime import datetime
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation
from django.utils.translation import get_language_info

from accounts.models import Platform
from accounts.visitor_info import standard_visitor_information, visitor_information_in
from haparanda_social import catalogues
from tests.factories import make_closed_account

LANGUAGES = ["sv", "en", "fi", "fit"]
PREFIX = {"sv": "", "en": "/en", "fi": "/fi", "fit": "/fit"}


def _public_paths(account):
    return [
        "/offentlig/",
        "/offentlig/?platform=instagram",
        f"/offentlig/konton/{account.pk}/",
        "/offentlig/kontrollera/",
        f"/offentlig/kontrollera/?url={account.url}",
        "/offentlig/kontrollera/?url=https://www.facebook.com/nagon-annan",
        "/offentlig/kontrollera/?url=inte+en+adress",
        "/offentlig/inbaddning/",
        "/offentlig/tillganglighet/",
    ]


@pytest.fixture
def public_pages(active_account, closed_account_on_list):
    return _public_paths(active_account)


@pytest.fixture
def closed_account_on_list(owner, department):
    account = make_closed_account(owner, department, closed_at=datetime(2024, 9, 2, 10, 0))
    account.platform = Platform.OTHER
    account.save(update_fields=["platform"])
    return account


def _get(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def _visible_text(page: str) -> str:
    """The page's text as a visitor reads it: no tags, no attributes, entities decoded."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    return " ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", page)).split())


# --- Each page in each language -----------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_public_page_marks_its_language_and_its_alternates(
    anonymous_client, public_pages, language
):
    for path in public_pages:
        url = PREFIX[language] + path
        page = _get(anonymous_client, url)
        assert f'<html lang="{language}">' in page, url
        for other in LANGUAGES:
            assert re.search(
                rf'<link rel="alternate" hreflang="{other}" href="{re.escape(PREFIX[other])}'
                r"/offentlig/",
                page,
            ), (url, other)


def test_the_language_switch_names_each_language_in_itself(anonymous_client, active_account):
    page = _get(anonymous_client, "/fi/offentlig/")
    assert '<a href="/offentlig/" lang="sv" hreflang="sv">svenska</a>' in page
    assert '<a href="/en/offentlig/" lang="en" hreflang="en">English</a>' in page
    assert '<a href="/fit/offentlig/" lang="fit" hreflang="fit">meänkieli</a>' in page
    # The page's own language is not offered as a link to itself.
    assert 'hreflang="fi">suomi</a>' not in page
    assert '<a href="/fi/offentlig/" lang="fi" hreflang="fi">suomi</a>' in _get(
        anonymous_client, "/fit/offentlig/"
    )


def test_meankieli_is_registered_like_any_other_language():
    info = get_language_info("fit")
    assert info["name_local"] == "meänkieli"
    assert info["bidi"] is False
    assert translation.check_for_language("fit")
    assert "fit" in dict(settings.LANGUAGES)


def test_the_finnish_pages_are_in_finnish(anonymous_client, active_account):
    page = _get(anonymous_client, "/fi/offentlig/")
    assert "<h1>Viralliset sosiaalisen median tilit</h1>" in page
    assert "Tarkista tili" in page
    page = _get(anonymous_client, "/fi/offentlig/kontrollera/?url=inte+en+adress")
    assert "Osoitetta ei voitu tarkistaa" in page
    assert "Tämä ei ole verkko-osoite." in page


# --- No Swedish left in Finnish, checked against the catalogues ---------------------------------


def _fragments(text: str) -> list[str]:
    """The literal parts of a catalogue text between its placeholders and markup."""
    text = re.sub(r"<[^>]+>", "%", text)
    return [f.strip() for f in re.split(r"%\(\w+\)[sd]|%", text) if len(f.strip()) >= 8]


def test_every_public_string_is_translated_into_finnish_and_present_in_meankieli():
    assert catalogues.problems() == []
    # The check reads the sources: the public templates' strings are all there.
    public = catalogues.public_msgids()
    assert (None, "Official social media accounts") in public
    assert (None, "Verify an account") in public
    assert len(public) > 100


def test_the_finnish_pages_contain_no_swedish_text_of_the_catalogue(anonymous_client, public_pages):
    swedish = {}
    for locale_dir in catalogues.PUBLIC_LOCALE_DIRS:
        for entry in catalogues.read_po(catalogues.catalogue_path(locale_dir, "sv")):
            swedish[entry.key] = entry.msgstr
    finnish = catalogues.catalogue("fi")
    checked = 0
    for path in public_pages:
        text = _visible_text(_get(anonymous_client, "/fi" + path))
        for key in catalogues.public_msgids():
            for msgstr in swedish.get(key, []):
                for fragment in _fragments(msgstr):
                    if any(fragment in s for s in finnish[key].msgstr):
                        continue  # the same words in both (a name, an address)
                    checked += 1
                    assert fragment not in text, (path, fragment)
    assert checked > 500


# --- Meänkieli falls back to Finnish, and says so -----------------------------------------------


def test_meankieli_falls_back_to_finnish_and_lists_what_is_not_yet_translated(
    anonymous_client, active_account
):
    page = _get(anonymous_client, "/fit/offentlig/")
    assert '<html lang="fit">' in page
    # Not Swedish: the untranslated strings are shown in Finnish.
    assert "<h1>Viralliset sosiaalisen median tilit</h1>" in page
    assert "Officiella konton i sociala medier" not in page
    notice = page[page.index('<aside class="language-fallback') :]
    assert "Ei vielä meänkielellä" in notice
    assert re.search(r"Tämän sivun \d+ tekstiä ei ole vielä meänkielellä", notice)
    assert '<ul lang="fi">' in notice
    assert "<li>Viralliset sosiaalisen median tilit</li>" in notice
    assert "<li>Tarkista tili</li>" in notice
    # Placeholders are not shown as code.
    assert "%(" not in notice


def test_the_account_page_in_meankieli_lists_the_texts_in_finnish(anonymous_client, active_account):
    page = _get(anonymous_client, f"/fit/offentlig/konton/{active_account.pk}/")
    assert "{#" not in page
    notice = page[page.index('<aside class="language-fallback') :]
    assert "<li>… palvelussa …</li>" in notice
    assert "<li>Oma vastuusi</li>" in notice


@pytest.mark.parametrize("language", ["sv", "en", "fi"])
def test_the_other_languages_show_no_fallback_notice(anonymous_client, public_pages, language):
    for path in public_pages:
        assert "language-fallback" not in _get(anonymous_client, PREFIX[language] + path), path


def test_a_translated_meankieli_string_is_not_listed_as_fallen_back(
    anonymous_client, active_account
):
    catalogue = translation.trans_real.translation("fit")._catalog
    catalogue["Verify an account"] = "Tarkista konto"
    try:
        page = _get(anonymous_client, "/fit/offentlig/")
    finally:
        catalogue._catalogs[0].pop("Verify an account", None)
    assert "Tarkista konto" in page
    assert "<li>Tarkista konto</li>" not in page
    assert "<li>Tarkista tili</li>" not in page
    assert "<li>Viralliset sosiaalisen median tilit</li>" in page


# --- Staff pages stay Swedish and English -------------------------------------------------------


@pytest.mark.parametrize("prefix", ["/fi", "/fit"])
def test_a_staff_page_under_a_minority_language_goes_to_its_swedish_address(
    owner_client, active_account, prefix
):
    response = owner_client.get(f"{prefix}/konton/{active_account.pk}/?x=1")
    assert response.status_code == 302
    assert response["Location"] == f"/konton/{active_account.pk}/?x=1"
    response = owner_client.get(f"{prefix}/konton/{active_account.pk}/", follow=True)
    assert response.status_code == 200
    assert '<html lang="sv">' in response.content.decode()


def test_the_staff_language_switch_offers_swedish_and_english_only(owner_client, active_account):
    page = _get(owner_client, f"/konton/{active_account.pk}/")
    assert 'hreflang="en"' in page
    assert 'hreflang="fi"' not in page
    assert 'hreflang="fit"' not in page


def test_the_language_follows_the_address_alone(anonymous_client, active_account):
    """A cache keyed by the path keeps the languages apart: no cookie or browser setting
    changes what an address answers."""
    anonymous_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fi"
    page = anonymous_client.get("/offentlig/", HTTP_ACCEPT_LANGUAGE="fi").content.decode()
    assert '<html lang="sv">' in page
    page = anonymous_client.get("/fi/offentlig/", HTTP_ACCEPT_LANGUAGE="sv").content.decode()
    assert '<html lang="fi">' in page


# --- The visitor information in each language ---------------------------------------------------


def test_the_visitor_information_is_generated_in_each_language(active_account):
    swedish = standard_visitor_information(active_account)
    assert swedish["visitor_own_responsibility"] == (
        "Du ansvarar själv för att det du publicerar är korrekt och inte strider mot lag."
    )
    finnish = standard_visitor_information(active_account, language="fi")
    english = standard_visitor_information(active_account, language="en")
    assert finnish["visitor_own_responsibility"].startswith("Vastaat itse")
    assert english["visitor_own_responsibility"].startswith("You are responsible")
    assert "kultur@haparanda.se" in finnish["visitor_contact"]
    # Meänkieli, untranslated, is the Finnish text.
    assert standard_visitor_information(active_account, language="fit") == finnish


def test_the_account_page_shows_standard_statements_in_the_page_language(
    anonymous_client, active_account
):
    active_account.visitor_own_responsibility = "Vi har skrivit en egen text."
    active_account.save(update_fields=["visitor_own_responsibility"])
    page = _get(anonymous_client, f"/fi/offentlig/konton/{active_account.pk}/")
    finnish = standard_visitor_information(active_account, language="fi")
    assert (
        f'<p class="public-text" lang="fi">{html_lib.escape(finnish["visitor_contact"])}</p>'
        in page
    )
    # The rewritten statement exists only in Swedish, and is marked so.
    assert '<p class="public-text" lang="sv">Vi har skrivit en egen text.</p>' in page
    # In Meänkieli the standard statements are Finnish until translated, and marked Finnish.
    statements = visitor_information_in(active_account, "fit")
    assert {s.language for s in statements} == {"fi", "sv"}
    page = _get(anonymous_client, f"/fit/offentlig/konton/{active_account.pk}/")
    assert (
        f'<p class="public-text" lang="fi">{html_lib.escape(finnish["visitor_contact"])}</p>'
        in page
    )


def test_the_staff_account_page_shows_which_languages_the_visitor_information_exists_in(
    communicator_client, active_account
):
    active_account.visitor_forbidden = "Egen text om vad som inte får publiceras."
    active_account.save(update_fields=["visitor_forbidden"])
    page = _get(communicator_client, f"/konton/{active_account.pk}/")
    assert "Språk för informationen till besökare" in page
    assert '<span lang="sv">svenska</span>: 5 av 5 texter' in page
    assert '<span lang="fi">suomi</span>: 4 av 5 texter' in page
    assert (
        '<span lang="fit">meänkieli</span>: 4 av 5 texter (inte översatt än: visas på finska)'
        in page
    )


# --- Feeds --------------------------------------------------------------------------------------


def test_the_feeds_give_human_readable_values_in_the_page_language(
    anonymous_client, closed_account_on_list
):
    records = anonymous_client.get("/fi/offentlig/konton.json").json()["accounts"]
    assert {r["platform_name"] for r in records} == {"Muu"}
    error = anonymous_client.get("/fi/offentlig/kontrollera.json?url=inte+en+adress").json()
    assert error["error"] == "Tämä ei ole verkko-osoite."
    # The CSV's header row is the field names, the same in every language.
    sv_csv = anonymous_client.get("/offentlig/konton.csv").content.splitlines()[0]
    assert anonymous_client.get("/fit/offentlig/konton.csv").content.splitlines()[0] == sv_csv


# --- The catalogues as shipped ------------------------------------------------------------------


def test_every_catalogue_passes_msgfmt_check_and_its_compiled_file_is_current(tmp_path):
    base = Path(settings.BASE_DIR)
    pos = sorted(base.glob("locale/*/LC_MESSAGES/django.po")) + sorted(
        base.glob("*/locale/*/LC_MESSAGES/django.po")
    )
    pos = [p for p in pos if ".venv" not in p.parts and "node_modules" not in p.parts]
    assert any("fit" in p.parts for p in pos)
    msgfmt = shutil.which("msgfmt")
    assert msgfmt, "GNU gettext (msgfmt) is needed to compile the catalogues"
    for po in pos:
        compiled = tmp_path / "django.mo"
        # A fixed tool run on the repository's own files.
        subprocess.run(  # noqa: S603
            [msgfmt, "--check", "-o", str(compiled), str(po)], check=True, capture_output=True
        )
        assert compiled.read_bytes() == po.with_suffix(".mo").read_bytes(), (
            f"{po} is newer than its .mo: run compilemessages"
        )


def test_dates_are_written_as_each_language_writes_them(anonymous_client, closed_account_on_list):
    closed = '<time datetime="2024-09-02">{}</time>'
    assert closed.format("2 september 2024") in _get(anonymous_client, "/offentlig/")
    assert closed.format("2 September 2024") in _get(anonymous_client, "/en/offentlig/")
    assert closed.format("2. syyskuuta 2024") in _get(anonymous_client, "/fi/offentlig/")
    assert closed.format("2. syyskuuta 2024") in _get(anonymous_client, "/fit/offentlig/")
