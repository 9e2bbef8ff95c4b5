"""The building blocks every package file is written with: text that is always valid, escaped
XML, timestamps in UTC whatever the server's zone, and files hashed and counted as they are
written, never held whole in memory."""

import datetime as dt
import hashlib
import os
from html import escape as html_escape
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import override_settings
from lxml import etree

from archiving.packaging.sections import EXACT_IN, _text, h, local
from archiving.packaging.stream import (
    HashingFile,
    PackageFiles,
    XmlWriter,
    attr,
    escape,
    not_xml,
    quoteattr,
    text,
    utc,
    xml_escaped,
    xml_text,
)

STHLM = ZoneInfo("Europe/Stockholm")
BUFFER = 64 * 1024


# --- Text -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, ""),
        (0, "0"),
        (2026, "2026"),
        (True, "True"),
        ("Haparanda", "Haparanda"),
        ("Åsa på Storgatan 🙂", "Åsa på Storgatan 🙂"),
        ("rad ett\nrad två\tflik", "rad ett\nrad två\tflik"),
        ("klocka\x07 och\x00noll", "klocka\ufffd och\ufffdnoll"),
        ("halv \ud800 surrogat", "halv \ufffd surrogat"),
        ("\ufffe\uffff", "\ufffd\ufffd"),
    ],
)
def test_text_from_a_platform_becomes_text_xml_allows(value, text):
    assert xml_text(value) == text


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("a < b > c", "a &lt; b &gt; c"),
        ("Kultur & fritid", "Kultur &amp; fritid"),
        ("&lt; is already text", "&amp;lt; is already text"),
        ('<script>alert("x")</script>', '&lt;script&gt;alert("x")&lt;/script&gt;'),
        ("nothing to do", "nothing to do"),
    ],
)
def test_markup_is_escaped_once(text, escaped):
    assert escape(text) == escaped


@pytest.mark.parametrize(
    ("value", "quoted"),
    [
        ('Säg "hej"', '"Säg &quot;hej&quot;"'),
        ("rad ett\nrad två", '"rad ett&#10;rad två"'),
        ("rad ett\r", '"rad ett&#13;"'),
        ("kolumn\tkolumn", '"kolumn&#9;kolumn"'),
    ],
)
def test_each_character_an_attribute_would_lose_is_kept_as_a_reference(value, quoted):
    assert quoteattr(value) == quoted
    assert etree.fromstring(f"<a v={quoted}/>").get("v") == value


def test_an_attribute_value_keeps_quotes_and_line_breaks_as_text():
    value = 'Säg "hej" & <gå>\nrad två\r\tflik'
    quoted = quoteattr(value)
    assert quoted == '"Säg &quot;hej&quot; &amp; &lt;gå&gt;&#10;rad två&#13;&#9;flik"'
    assert etree.fromstring(f"<a v={quoted}/>").get("v") == value
    assert quoteattr("plain") == '"plain"'
    assert quoteattr("a > b") == '"a &gt; b"'


# --- Time ---------------------------------------------------------------------------------------


def test_times_are_written_in_utc_whatever_zone_they_were_taken_in(server_in_auckland):
    winter = dt.datetime(2026, 1, 2, 3, 0, tzinfo=STHLM)
    summer = dt.datetime(2026, 6, 15, 14, 30, 5, tzinfo=STHLM)
    assert utc(winter) == "2026-01-02T02:00:00Z"
    assert utc(summer) == "2026-06-15T12:30:05Z"
    assert utc(dt.datetime(2026, 1, 2, 2, 0, tzinfo=dt.UTC)) == "2026-01-02T02:00:00Z"
    assert utc(None) == ""


def test_each_files_creation_time_is_in_utc_on_a_server_far_from_utc(tmp_path, server_in_auckland):
    files = PackageFiles(tmp_path)
    with time_machine.travel(dt.datetime(2026, 1, 2, 2, 0, tzinfo=dt.UTC), tick=False):
        entry = files.add_bytes("metadata/a.txt", "text/plain", b"a")
    assert entry.created == dt.datetime(2026, 1, 2, 2, 0, tzinfo=dt.UTC)
    assert entry.created.utcoffset() == dt.timedelta(0)
    assert utc(entry.created) == "2026-01-02T02:00:00Z"


# --- Files --------------------------------------------------------------------------------------


def test_a_file_is_hashed_and_counted_as_written_in_order(tmp_path):
    out = HashingFile(tmp_path / "f")
    out.write(b"first ")
    out.write_text("andra ")
    out.write_text("tredje ")
    out.write(b"fourth")
    out.write_text(" åäö")
    digest = out.close()
    data = (tmp_path / "f").read_bytes()
    assert data == "first andra tredje fourth åäö".encode()
    assert digest == hashlib.sha256(data).hexdigest()
    assert out.size == len(data)


def test_a_large_file_is_written_as_it_grows_not_held_until_it_is_closed(tmp_path):
    path = tmp_path / "big"
    out = HashingFile(path)
    out.write(b"x" * (BUFFER - 1))
    assert out.size == 0  # a small amount is kept to write in one go
    out.write(b"x")
    assert out.size == BUFFER  # 64 KiB reached: written out
    out.write_text("<a>")
    out.write_text("text")
    out.write_text("</a>")
    assert out.size == BUFFER  # small texts wait to be encoded and written in one go
    for _ in range(10):
        out.write_text("å" * (BUFFER // 2))
    # Text is counted in characters while it waits: never more than 64 KiB of them.
    assert out.size >= 10 * BUFFER
    out.write_text("y" * (BUFFER - 1))
    written = out.size
    out.write_text("y")
    assert out.size > written
    digest = out.close()
    assert out.size == os.path.getsize(path)
    assert digest == hashlib.sha256(path.read_bytes()).hexdigest()


def test_every_file_of_the_package_is_listed_with_its_size_type_and_checksum(tmp_path):
    files = PackageFiles(tmp_path / "pkg")
    first = files.add_bytes("representations/rep01/data/a.json", "application/json", b"{}")
    with files.open("metadata/descriptive/b.xml", "text/xml") as out:
        writer = XmlWriter(out)
        writer.element("konto", "Haparanda stad")
    assert [e.path for e in files.entries] == [
        "representations/rep01/data/a.json",
        "metadata/descriptive/b.xml",
    ]
    assert first == files.entries[0]
    assert (first.mimetype, first.size) == ("application/json", 2)
    assert first.sha256 == hashlib.sha256(b"{}").hexdigest()
    second = files.entries[1]
    data = files.path_of("metadata/descriptive/b.xml").read_bytes()
    assert data == b'<?xml version="1.0" encoding="UTF-8"?>\n<konto>Haparanda stad</konto>\n'
    assert (second.mimetype, second.size) == ("text/xml", len(data))
    assert second.sha256 == hashlib.sha256(data).hexdigest()
    assert files.path_of("x") == tmp_path / "pkg" / "x"


def test_a_file_that_failed_half_way_is_closed_and_not_listed(tmp_path):
    files = PackageFiles(tmp_path)
    with pytest.raises(RuntimeError), files.open("a.txt", "text/plain") as out:
        out.write(b"half")
        raise RuntimeError
    assert files.entries == []
    assert (tmp_path / "a.txt").read_bytes() == b"half"


# --- XML ----------------------------------------------------------------------------------------


def test_the_xml_writer_writes_indented_escaped_well_formed_xml(tmp_path):
    out = HashingFile(tmp_path / "doc.xml")
    w = XmlWriter(out)
    with w.block("konto", {"id": "1", "tom": None, "namn": 'Kultur & "fritid"'}):
        w.element("namn", "<b>Haparanda</b>")
        w.element("tomt")
        w.element("tal", 7, {"typ": "heltal"})
        w.optional("saknas", None)
        w.optional("tom", "")
        w.optional("datum", "2026-01-02", {"typ": "dag"})
        with w.block("inlagg"):
            w.element("text", "rad\x07")
    out.close()
    text = (tmp_path / "doc.xml").read_text("utf-8")
    assert text == (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<konto id="1" namn="Kultur &amp; &quot;fritid&quot;">\n'
        "  <namn>&lt;b&gt;Haparanda&lt;/b&gt;</namn>\n"
        "  <tomt/>\n"
        '  <tal typ="heltal">7</tal>\n'
        '  <datum typ="dag">2026-01-02</datum>\n'
        "  <inlagg>\n"
        "    <text>rad\ufffd</text>\n"
        "  </inlagg>\n"
        "</konto>\n"
    )
    root = etree.fromstring(text.encode())
    assert root.get("namn") == 'Kultur & "fritid"'
    assert root.findtext("namn") == "<b>Haparanda</b>"


# The fast helpers the item writers use give exactly what the plain ones give, special
# characters or not.
TRICKY = [
    None,
    0,
    2026,
    True,
    1.5,
    "",
    "Haparanda",
    "Åsa på Storgatan 🙂",
    "rad ett\nrad två\tflik\rslut",
    "a < b > c & \"d\" 'e'",
    "&lt; is already text",
    "klocka\x07 och\x00noll",
    "halv \ud800 surrogat",
    "\ufffe\uffff",
    "\\u0007 backslash",
]


@pytest.mark.parametrize("value", TRICKY)
def test_fast_text_and_attribute_match_the_plain_escaping(value):
    assert text(value) == escape(xml_text(value))
    assert attr(value) == quoteattr(xml_text(value))


@pytest.mark.parametrize("value", TRICKY)
def test_fast_html_text_matches_html_escape(value):
    assert h(value) == html_escape(xml_text(value), quote=True)


@pytest.mark.parametrize("value", [v for v in TRICKY if isinstance(v, str)])
def test_item_text_fast_path_matches_the_escaped_form(value):
    if not_xml(value):
        body = escape(xml_escaped(value)).replace("\r", "&#13;")
        expected = f'  <text encoding="escaped" exactIn="{EXACT_IN}">{body}</text>\n'
    else:
        expected = f"  <text>{escape(value).replace(chr(13), '&#13;')}</text>\n"
    assert _text("  ", value) == expected


def test_times_are_formatted_once_and_stay_right_across_zones():
    moment = dt.datetime(2026, 3, 29, 0, 30, tzinfo=dt.UTC)
    same_moment = moment.astimezone(STHLM)
    assert utc(moment) == utc(same_moment) == "2026-03-29T00:30:00Z"
    with override_settings(TIME_ZONE="Europe/Stockholm"):
        assert local(moment) == "2026-03-29 01:30"
    with override_settings(TIME_ZONE="Pacific/Auckland"):
        assert local(moment) == "2026-03-29 13:30"
