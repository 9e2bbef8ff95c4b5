"""The package itself: complete, checksummed, valid against its schema, escaped."""

import datetime as dt
import json
from pathlib import Path

import pytest
from lxml import etree

from archiving.packaging import PackageInfo, PackageInvalid, build_package, validate_file
from archiving.packaging.synthetic import SyntheticSource
from archiving.packaging.validation import ARCHIVE_SCHEMA

from .helpers import mets_entries, open_package, sha256

MARKUP = '<script>alert("x")</script> & <b>fet</b> \x07 "citat"'
REP1 = "representations/rep01-structured/data"


def _info(**kwargs):
    defaults = {
        "package_id": "3f1c0c9e-5f43-4a4e-9d8e-000000000001",
        "kind": "yearly",
        "period_start": dt.date(2025, 1, 1),
        "period_end": dt.date(2025, 12, 31),
        "account_id": 1,
    }
    return PackageInfo(**{**defaults, **kwargs})


class MarkupSource(SyntheticSource):
    def account_record(self):
        record = super().account_record()
        record["display_name"] = MARKUP
        record["purpose"] = MARKUP
        return record


@pytest.fixture
def package(tmp_path) -> Path:
    out = tmp_path / "package.zip"
    build_package(_info(), MarkupSource(2000, text=MARKUP), out)
    return out


def test_mets_lists_every_file_and_every_checksum_matches(package):
    zf, root = open_package(package)
    listed = mets_entries(zf, root)
    files = {name.removeprefix(f"{root}/") for name in zf.namelist() if not name.endswith("/")}
    assert files - {"METS.xml"} == set(listed)
    for path, attrs in listed.items():
        data = zf.read(f"{root}/{path}")
        assert attrs["CHECKSUMTYPE"] == "SHA-256"
        assert attrs["CHECKSUM"] == sha256(data), path
        assert int(attrs["SIZE"]) == len(data), path
        assert attrs["MIMETYPE"]
        assert dt.datetime.fromisoformat(attrs["CREATED"])


def test_package_has_the_fgs_folder_shape(package):
    zf, root = open_package(package)
    names = {name.removeprefix(f"{root}/") for name in zf.namelist()}
    assert zf.namelist()[0] == f"{root}/METS.xml"
    for expected in (
        "metadata/descriptive/description.xml",
        "metadata/preservation/premis.xml",
        f"{REP1}/account.xml",
        f"{REP1}/items.xml",
        f"{REP1}/moderation.xml",
        f"{REP1}/items.jsonl",
        "representations/rep02-rendering/data/index.html",
        "schemas/haparanda-archive-1.xsd",
        "documentation/README.txt",
    ):
        assert expected in names
    assert any(n.startswith(f"{REP1}/removed/") and n.endswith(".json") for n in names)


def test_our_xml_validates_against_the_shipped_schema(package):
    zf, root = open_package(package)
    schema = etree.XMLSchema(etree.fromstring(zf.read(f"{root}/schemas/haparanda-archive-1.xsd")))
    ours = [
        n
        for n in zf.namelist()
        if n.endswith(".xml")
        and not n.endswith("/METS.xml")
        and ("/representations/" in n or "/descriptive/" in n)
    ]
    assert len(ours) >= 5
    for name in ours:
        doc = etree.fromstring(zf.read(name))
        assert schema.validate(doc), (name, schema.error_log)


def test_an_account_without_items_gives_empty_but_valid_documents(tmp_path):
    out = tmp_path / "empty.zip"
    result = build_package(_info(), SyntheticSource(0), out)
    assert result.counts["items"] == 0
    zf, root = open_package(out)
    schema = etree.XMLSchema(etree.parse(str(ARCHIVE_SCHEMA)))
    for name in ("items.xml", "moderation.xml"):
        doc = etree.fromstring(zf.read(f"{root}/{REP1}/{name}"))
        assert schema.validate(doc), schema.error_log
        assert len(doc) == 0
    assert zf.read(f"{root}/{REP1}/items.jsonl") == b""


def test_markup_in_account_text_is_escaped_in_the_rendering(package):
    zf, root = open_package(package)
    html = zf.read(f"{root}/representations/rep02-rendering/data/index.html").decode()
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;fet&lt;/b&gt;" in html


def test_markup_in_account_text_stays_text_in_the_xml(package):
    zf, root = open_package(package)
    account = etree.fromstring(zf.read(f"{root}/{REP1}/account.xml"))
    ns = {"a": "urn:haparanda-social:archive:1"}
    name = account.find("a:account/a:displayName", ns).text
    # The control character XML cannot hold becomes U+FFFD; everything else is kept as text.
    assert name == MARKUP.replace("\x07", "\ufffd")
    items = etree.fromstring(zf.read(f"{root}/{REP1}/items.xml"))
    assert items.find("a:item/a:text", ns).text.startswith('<script>alert("x")</script>')


def test_items_record_whether_drawn_up_or_received(package):
    zf, root = open_package(package)
    lines = zf.read(f"{root}/{REP1}/items.jsonl").decode().splitlines()
    assert len(lines) == 2000
    origins = {json.loads(line)["origin"] for line in lines}
    assert origins == {"upprättad", "inkommen"}
    items = etree.fromstring(zf.read(f"{root}/{REP1}/items.xml"))
    assert {el.get("origin") for el in items} == {"upprättad", "inkommen"}


def test_premis_records_capture_rendering_packaging_and_the_software(package):
    zf, root = open_package(package)
    premis = etree.fromstring(zf.read(f"{root}/metadata/preservation/premis.xml"))
    ns = {"p": "http://www.loc.gov/premis/v3"}
    kinds = [el.text for el in premis.findall("p:event/p:eventType", ns)]
    assert kinds == ["capture", "rendering", "validation", "packaging"]
    assert premis.find("p:agent/p:agentName", ns).text == "haparanda-social"
    assert premis.find("p:agent/p:agentVersion", ns).text


def test_premis_events_are_linked_to_their_objects_and_agents(package):
    zf, root = open_package(package)
    premis = etree.fromstring(zf.read(f"{root}/metadata/preservation/premis.xml"))
    ns = {"p": "http://www.loc.gov/premis/v3"}
    objects = {
        o.findtext("p:objectIdentifier/p:objectIdentifierValue", namespaces=ns): o
        for o in premis.findall("p:object", ns)
    }
    agents = {
        a.findtext("p:agentIdentifier/p:agentIdentifierValue", namespaces=ns)
        for a in premis.findall("p:agent", ns)
    }
    assert "212000-2841" in agents
    events = {e.findtext("p:eventType", namespaces=ns): e for e in premis.findall("p:event", ns)}
    capture = events["capture"]
    linked = {
        el.text
        for el in capture.findall("p:linkingObjectIdentifier/p:linkingObjectIdentifierValue", ns)
    }
    assert f"{REP1}/items.xml" in linked
    assert linked <= set(objects)
    for event in events.values():
        for value in event.findall("p:linkingAgentIdentifier/p:linkingAgentIdentifierValue", ns):
            assert value.text in agents
    # ... and each object points back to the events that concern it.
    back = {
        el.text
        for el in objects[f"{REP1}/items.xml"].findall(
            "p:linkingEventIdentifier/p:linkingEventIdentifierValue", ns
        )
    }
    assert capture.findtext("p:eventIdentifier/p:eventIdentifierValue", namespaces=ns) in back


def test_each_representation_has_its_own_mets_listing_its_data(package):
    zf, root = open_package(package)
    for rep in ("rep01-structured", "rep02-rendering"):
        rep_mets = etree.fromstring(zf.read(f"{root}/representations/{rep}/METS.xml"))
        hrefs = {
            el.get("{http://www.w3.org/1999/xlink}href")
            for el in rep_mets.iter("{http://www.loc.gov/METS/}FLocat")
        }
        data = {
            n.removeprefix(f"{root}/representations/{rep}/")
            for n in zf.namelist()
            if n.startswith(f"{root}/representations/{rep}/data/")
        }
        assert hrefs == data
    top = etree.fromstring(zf.read(f"{root}/METS.xml"))
    header = top.find("{http://www.loc.gov/METS/}metsHdr")
    assert header.get("{https://DILCIS.eu/XML/METS/CSIPExtensionMETS}OAISPACKAGETYPE") == "SIP"
    notes = [n.text for n in header.iter("{http://www.loc.gov/METS/}note")]
    assert "212000-2841" in notes


def test_the_package_checksum_is_the_zip_files(tmp_path):
    out = tmp_path / "p.zip"
    result = build_package(_info(), SyntheticSource(10), out)
    assert result.sha256 == sha256(out.read_bytes())
    assert result.size == out.stat().st_size


def test_validation_refuses_a_document_that_breaks_the_schema(tmp_path):
    bad = tmp_path / "items.xml"
    bad.write_text(
        '<items xmlns="urn:haparanda-social:archive:1" packageId="p" accountId="x"/>',
    )
    with pytest.raises(PackageInvalid):
        validate_file(bad)
