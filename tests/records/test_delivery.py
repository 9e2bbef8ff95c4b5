"""The files a requester receives: PDF/A, CSV, JSON, the decision and the manifest, written from
hand-made handover data (no database)."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import zipfile
import zoneinfo
from pathlib import Path

import pypdf
import pytest
from django.utils import translation
from weasyprint import HTML
from weasyprint.urls import FatalURLFetchingError

from records.delivery import (
    ContextEntry,
    DeliveredItem,
    DeliveredVersion,
    Delivery,
    DeliveryMismatch,
    write_delivery,
    zip_delivery,
)
from records.delivery.pdf import RefusingURLFetcher

UTC = dt.UTC
STOCKHOLM = zoneinfo.ZoneInfo("Europe/Stockholm")
RECEIVED = dt.datetime(2026, 6, 1, 7, 30, tzinfo=UTC)
DELIVERED = dt.datetime(2026, 6, 3, 13, 0, tzinfo=UTC)

SWEDISH = "Får jag åka skidor på Sandskär i år? Öppet även på söndag."
MEANKIELI = "Mie olen kotona. Häätyy mennä kaffile. Šakki ja žetonki, Äänekoski."


def item(n: int = 1, **changes) -> DeliveredItem:
    fields = {
        "reference": f"FB-{n}",
        "account_name": "Haparanda kommun",
        "platform": "Facebook",
        "account_url": "https://www.facebook.com/haparandakommun",
        "kind": "kommentar",
        "author": f"Åsa Öberg {n}",
        # 10:15 UTC is 12:15 in Swedish summer time.
        "published_at": dt.datetime(2026, 5, 20, 10, 15, tzinfo=UTC) + dt.timedelta(minutes=n),
        "text": f"{SWEDISH} {MEANKIELI} ({n})",
        "link": f"https://www.facebook.com/haparandakommun/posts/{n}",
        "context": (
            ContextEntry(
                author="Haparanda kommun",
                published_at=dt.datetime(2026, 5, 20, 9, 0, tzinfo=UTC),
                text="Sommarlovet börjar – vad vill ni göra?",
            ),
        ),
        "versions": (),
    }
    fields.update(changes)
    return DeliveredItem(**fields)


def delivery(items: list[DeliveredItem], decision: str | None = None, **changes) -> Delivery:
    fields = {
        "reference": "KS 2026/117",
        "received_at": RECEIVED,
        "delivered_at": DELIVERED,
        "items": lambda: iter(items),
        "item_count": len(items),
        "decision_text": decision,
    }
    fields.update(changes)
    return Delivery(**fields)


def write(tmp_path: Path, d: Delivery, **options) -> list[Path]:
    options.setdefault("workers", 1)
    return write_delivery(d, tmp_path / "delivery", **options)


def pdf_text(path: Path) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(path).pages)


def pdf_streams(path: Path) -> bytes:
    """Every stream of the PDF, decompressed: what a search of the raw bytes cannot see."""
    reader = pypdf.PdfReader(path)
    data = []
    for number in range(1, reader.trailer["/Size"]):
        obj = reader.get_object(number)
        if isinstance(obj, pypdf.generic.StreamObject):
            data.append(obj.get_data())
    return b"\n".join(data)


def read_csv(path: Path) -> list[list[str]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline=""), delimiter=";"))


def test_it_writes_every_file_and_a_manifest_whose_hashes_match(tmp_path):
    files = write(tmp_path, delivery([item(1), item(2)], decision="Kommunen lämnar ut."))

    folder = tmp_path / "delivery"
    assert [p.name for p in files] == [
        "beslut.pdf",
        "handlingar-001.pdf",
        "handlingar.csv",
        "handlingar.json",
        "manifest-sha256.txt",
    ]
    assert sorted(p.name for p in folder.iterdir()) == [p.name for p in files]
    lines = (folder / "manifest-sha256.txt").read_text(encoding="utf-8").splitlines()
    listed = {}
    for line in lines:
        digest, name = line.split("  ", 1)
        listed[name] = digest
    assert set(listed) == {p.name for p in files} - {"manifest-sha256.txt"}
    for name, digest in listed.items():
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == digest


@pytest.mark.parametrize("name", ["handlingar-001.pdf", "beslut.pdf"])
def test_the_pdfs_are_pdf_a_2b_with_embedded_fonts(tmp_path, name):
    write(tmp_path, delivery([item()], decision="Beslut: handlingarna lämnas ut."))

    reader = pypdf.PdfReader(tmp_path / "delivery" / name)
    xmp = reader.xmp_metadata.stream.get_data().decode()
    assert 'pdfaid:part="2"' in xmp
    assert 'pdfaid:conformance="B"' in xmp
    (intent,) = reader.trailer["/Root"]["/OutputIntents"]
    assert intent["/S"] == "/GTS_PDFA1"
    assert intent["/DestOutputProfile"].get_object().get_data()[36:40] == b"acsp"  # an ICC profile
    fonts = []
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            for descendant in font.get("/DescendantFonts", [font]):
                descriptor = descendant.get_object()["/FontDescriptor"].get_object()
                fonts.append(descriptor["/FontName"])
                assert {"/FontFile", "/FontFile2", "/FontFile3"} & set(descriptor)
    assert any("DejaVu" in f for f in fonts)


def test_the_pdf_shows_each_item_as_it_appeared(tmp_path):
    changed = item(
        2,
        text="Andra versionen: ändrad text",
        versions=(
            DeliveredVersion(
                number=1,
                change="skapad",
                changed_at=dt.datetime(2026, 5, 20, 10, 17, tzinfo=UTC),
                text="Första versionen: ursprunglig text",
            ),
            DeliveredVersion(
                number=2,
                change="redigerad",
                changed_at=dt.datetime(2026, 5, 20, 11, 0, tzinfo=UTC),
                text="Andra versionen: ändrad text",
            ),
        ),
    )
    write(tmp_path, delivery([item(1), changed]))

    text = pdf_text(tmp_path / "delivery" / "handlingar-001.pdf")
    # The cover page: the request, its dates in Swedish time and the number of items.
    assert "Utlämnade handlingar" in text
    assert "Ärende: KS 2026/117" in text
    assert "Begäran inkom: 2026-06-01 09:30" in text
    assert "Utlämnat: 2026-06-03 15:00" in text
    assert "Antal handlingar: 2" in text
    assert "del 1 av 1, handling 1–2" in text
    # The items, with the account, the thread before them, the author and the time.
    assert "Handling 1: FB-1" in text
    assert "Konto: Haparanda kommun (Facebook)" in text
    assert "Författare: Åsa Öberg 1" in text
    assert "Publicerad: 2026-05-20 12:16" in text
    assert "Tidigare i tråden" in text
    assert "Sommarlovet börjar – vad vill ni göra?" in text
    flat = " ".join(text.split())
    assert f"{SWEDISH} {MEANKIELI} (1)" in flat
    # The versions of a changed item.
    assert "Version 1, skapad, 2026-05-20 12:17" in text
    assert "Första versionen: ursprunglig text" in text
    assert "Version 2, redigerad, 2026-05-20 13:00" in text


def test_the_files_are_in_swedish_whatever_language_is_active(tmp_path):
    with translation.override("en"):
        write(tmp_path, delivery([item()]))

    assert "Utlämnade handlingar" in pdf_text(tmp_path / "delivery" / "handlingar-001.pdf")
    assert read_csv(tmp_path / "delivery" / "handlingar.csv")[0][:2] == ["Referens", "Radtyp"]


def test_the_csv_opens_in_excel_with_semicolons_and_one_row_per_message(tmp_path):
    versions = (
        DeliveredVersion(1, "skapad", dt.datetime(2026, 5, 20, 10, 16, tzinfo=UTC), "Först"),
    )
    write(tmp_path, delivery([item(1, versions=versions), item(2)]))

    path = tmp_path / "delivery" / "handlingar.csv"
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfReferens;Radtyp;")
    assert raw.count(b"\r\n") == 6 and b"\n" not in raw.replace(b"\r\n", b"")
    header, *rows = read_csv(path)
    assert header == [
        "Referens",
        "Radtyp",
        "Konto",
        "Plattform",
        "Kontots adress",
        "Typ",
        "Författare",
        "Tidpunkt (svensk tid)",
        "Text",
        "Adress",
        "Version",
        "Ändring",
        "Fil",
        "Filtyp",
        "Storlek i byte",
        "SHA-256",
    ]
    assert [(r[0], r[1]) for r in rows] == [
        ("FB-1", "Handling"),
        ("FB-1", "Tidigare i tråden"),
        ("FB-1", "Version"),
        ("FB-2", "Handling"),
        ("FB-2", "Tidigare i tråden"),
    ]
    assert rows[0][6:10] == [
        "Åsa Öberg 1",
        "2026-05-20 12:16",
        f"{SWEDISH} {MEANKIELI} (1)",
        "https://www.facebook.com/haparandakommun/posts/1",
    ]
    assert rows[2][7:12] == ["2026-05-20 12:16", "Först", "", "1", "skapad"]
    assert all(len(row) == len(header) for row in rows)


@pytest.mark.parametrize(
    "dangerous", ['=HYPERLINK("http://x")', "+46 922 150 00", "-1+1", "@SUMMA(A1)", "\t=1"]
)
def test_the_csv_neutralises_formulas(tmp_path, dangerous):
    write(tmp_path, delivery([item(text=dangerous, author=dangerous)]))

    _header, row, _context = read_csv(tmp_path / "delivery" / "handlingar.csv")
    assert row[6] == "'" + dangerous
    assert row[8] == "'" + dangerous
    # The JSON keeps the text as it was.
    data = json.loads((tmp_path / "delivery" / "handlingar.json").read_text(encoding="utf-8"))
    assert data["items"][0]["text"] == dangerous


def as_item(data: dict) -> DeliveredItem:
    def when(value: str) -> dt.datetime:
        return dt.datetime.fromisoformat(value)

    return DeliveredItem(
        **{
            **data,
            "published_at": when(data["published_at"]),
            "context": tuple(
                ContextEntry(**{**e, "published_at": when(e["published_at"])})
                for e in data["context"]
            ),
            "versions": tuple(
                DeliveredVersion(**{**v, "changed_at": when(v["changed_at"])})
                for v in data["versions"]
            ),
            "attachments": tuple(data["attachments"]),
        }
    )


def test_the_json_round_trips(tmp_path):
    versions = (
        DeliveredVersion(1, "skapad", dt.datetime(2026, 5, 20, 10, 16, tzinfo=UTC), "Först"),
        DeliveredVersion(2, "redigerad", dt.datetime(2026, 5, 21, 8, 0, tzinfo=UTC), "Sedan"),
    )
    items = [item(1, versions=versions), item(2, context=()), item(3, link="")]
    write(tmp_path, delivery(items))

    data = json.loads((tmp_path / "delivery" / "handlingar.json").read_text(encoding="utf-8"))
    assert data["reference"] == "KS 2026/117"
    assert dt.datetime.fromisoformat(data["received_at"]) == RECEIVED
    assert data["delivered_at"] == "2026-06-03T15:00:00+02:00"
    assert data["item_count"] == 3
    assert [as_item(d) for d in data["items"]] == items


def test_markup_in_a_text_is_shown_as_text(tmp_path):
    markup = '<b>fet</b> <script>alert("x")</script> <img src="https://example.com/x.png">'
    write(tmp_path, delivery([item(text=markup, author="<i>Eva</i>")], decision="<h1>Nej</h1>"))

    text = " ".join(pdf_text(tmp_path / "delivery" / "handlingar-001.pdf").split())
    assert markup in text
    assert "Författare: <i>Eva</i>" in text
    assert "<h1>Nej</h1>" in pdf_text(tmp_path / "delivery" / "beslut.pdf")


@pytest.mark.parametrize(
    "url", ["https://example.com/x.png", "http://127.0.0.1/", "file:///etc/passwd", "data:,x"]
)
def test_rendering_never_fetches_anything(url):
    with pytest.raises(FatalURLFetchingError):
        RefusingURLFetcher().fetch(url)
    html = HTML(string=f'<img src="{url}">', url_fetcher=RefusingURLFetcher())
    with pytest.raises(FatalURLFetchingError):
        html.write_pdf()


SECRET = "19121212-1212"
WITHHELD = "Hemligt meddelande om Kalle Anka"


def every_representation(text: str) -> list[bytes]:
    return [text.encode("utf-8"), text.encode("utf-16-be"), text.encode("utf-16-le")]


def test_masked_and_withheld_texts_are_in_no_file(tmp_path):
    """The masking guarantee's mechanism: the files hold the handed data and nothing else. A
    delivery made just before with the secret in it leaves nothing behind, and nothing in the
    templates, the metadata or the rendering brings in anything that was not handed over."""
    unmasked = [item(1, text=f"Mitt personnummer är {SECRET}"), item(2, text=WITHHELD)]
    write_delivery(delivery(unmasked, decision=WITHHELD), tmp_path / "before", workers=1)

    masked = [item(1, text="Mitt personnummer är [maskerat]")]
    files = write(tmp_path, delivery(masked, decision="Handling 2 lämnas inte ut."))
    files.append(zip_delivery(tmp_path / "delivery"))

    for path in files:
        raw = path.read_bytes()
        contents = [raw]
        if path.suffix == ".pdf":
            contents += [pdf_streams(path), pdf_text(path).encode()]
        if path.suffix == ".zip":
            with zipfile.ZipFile(path) as zf:
                contents += [zf.read(name) for name in zf.namelist()]
        for content in contents:
            for secret in (SECRET, WITHHELD):
                for representation in every_representation(secret):
                    assert representation not in content, (path.name, secret)
    assert "[maskerat]" in pdf_text(tmp_path / "delivery" / "handlingar-001.pdf")


def test_an_empty_delivery_is_still_a_valid_package(tmp_path):
    files = write(tmp_path, delivery([]))

    folder = tmp_path / "delivery"
    assert [p.name for p in files] == [
        "handlingar-001.pdf",
        "handlingar.csv",
        "handlingar.json",
        "manifest-sha256.txt",
    ]
    text = pdf_text(folder / "handlingar-001.pdf")
    assert "Antal handlingar: 0" in text
    assert "Inga handlingar lämnas ut i det här ärendet." in text
    assert (
        'pdfaid:part="2"'
        in pypdf.PdfReader(folder / "handlingar-001.pdf").xmp_metadata.stream.get_data().decode()
    )
    assert len(read_csv(folder / "handlingar.csv")) == 1
    data = json.loads((folder / "handlingar.json").read_text(encoding="utf-8"))
    assert data["items"] == [] and data["item_count"] == 0


def test_characters_a_pdf_or_xml_cannot_hold_do_not_crash_it(tmp_path):
    odd = "nul\x00 bell\x07 esc\x1b del\x7f c1\x85 lone\ud800 nonchar\uffff slut"
    files = write(tmp_path, delivery([item(text=odd, author="A\x0bB")], decision=odd))

    assert len(files) == 5
    text = pdf_text(tmp_path / "delivery" / "handlingar-001.pdf")
    assert "slut" in text and "\x00" not in text
    data = json.loads((tmp_path / "delivery" / "handlingar.json").read_text(encoding="utf-8"))
    assert data["items"][0]["text"] == (
        "nul\ufffd bell\ufffd esc\ufffd del\ufffd c1\ufffd lone\ufffd nonchar\ufffd slut"
    )
    assert read_csv(tmp_path / "delivery" / "handlingar.csv")[1][6] == "A\ufffdB"


def test_the_decision_is_delivered_only_when_there_is_one(tmp_path):
    names = [p.name for p in write(tmp_path, delivery([item()], decision=None))]
    assert "beslut.pdf" not in names

    write_delivery(
        delivery(
            [item()], decision="Kommunen beslutar att lämna ut handlingarna.\n\nÖverklagande …"
        ),
        tmp_path / "with-decision",
        workers=1,
    )
    text = pdf_text(tmp_path / "with-decision" / "beslut.pdf")
    assert "Beslut" in text
    assert "Ärende: KS 2026/117" in text
    assert "Kommunen beslutar att lämna ut handlingarna." in text


def test_the_zip_holds_every_file_of_the_delivery(tmp_path):
    files = write(tmp_path, delivery([item(1), item(2)], decision="Ja."))

    (tmp_path / "delivery" / "stray.txt").write_text("not part of the delivery")

    archive = zip_delivery(tmp_path / "delivery")
    assert archive == tmp_path / "delivery.zip"
    with zipfile.ZipFile(archive) as zf:
        assert zf.testzip() is None
        assert zf.namelist() == [p.name for p in files]
        assert (
            zf.read("handlingar.json") == (tmp_path / "delivery" / "handlingar.json").read_bytes()
        )


def test_a_large_delivery_is_rendered_in_parts_side_by_side(tmp_path):
    items = [item(n) for n in range(1, 6)]
    files = write(tmp_path, delivery(items), items_per_part=2, workers=2)

    parts = [p for p in files if p.name.startswith("handlingar-")]
    assert [p.name for p in parts] == [
        "handlingar-001.pdf",
        "handlingar-002.pdf",
        "handlingar-003.pdf",
    ]
    second = pdf_text(parts[1])
    assert "Antal handlingar: 5" in second
    assert "del 2 av 3, handling 3–4" in second
    assert "Handling 3: FB-3" in second and "Handling 4: FB-4" in second
    assert "FB-2" not in second and "FB-5" not in second
    assert "del 3 av 3, handling 5–5" in pdf_text(parts[2])


@pytest.mark.parametrize("handed", [2, 4])
def test_it_refuses_items_that_do_not_number_the_count(tmp_path, handed):
    d = delivery([item(n) for n in range(1, handed + 1)], item_count=3)

    with pytest.raises(DeliveryMismatch):
        write(tmp_path, d, items_per_part=2)
    assert list((tmp_path / "delivery").iterdir()) == []


def test_times_are_swedish_on_both_sides_of_a_clock_change(tmp_path):
    winter = item(1, published_at=dt.datetime(2026, 3, 29, 0, 30, tzinfo=UTC))
    summer = item(2, published_at=dt.datetime(2026, 3, 29, 1, 30, tzinfo=UTC))
    naive_utc = item(3, published_at=dt.datetime(2026, 3, 29, 1, 30))
    write(tmp_path, delivery([winter, summer, naive_utc]))

    rows = read_csv(tmp_path / "delivery" / "handlingar.csv")
    assert [r[7] for r in rows if r[1] == "Handling"] == [
        "2026-03-29 01:30",
        "2026-03-29 03:30",
        "2026-03-29 03:30",
    ]


def test_the_same_delivery_written_twice_gives_the_same_files(tmp_path):
    d = delivery([item(1), item(2)], decision="Ja.")
    write_delivery(d, tmp_path / "first", workers=1)
    write_delivery(d, tmp_path / "second", workers=1)

    first = (tmp_path / "first" / "manifest-sha256.txt").read_bytes()
    assert first == (tmp_path / "second" / "manifest-sha256.txt").read_bytes()


def test_emoji_and_sami_letters_are_drawn_and_extractable(tmp_path):
    text = "Tack för i går 😀👍 ❤ Árvu sámegiella: Čáhcegáddi ŋ đ ŧ ʒ"
    write(tmp_path, delivery([item(text=text)]))

    assert text in pdf_text(tmp_path / "delivery" / "handlingar-001.pdf")


@pytest.mark.parametrize("options", [{"items_per_part": 0}, {"workers": 0}])
def test_it_refuses_parts_or_workers_below_one(tmp_path, options):
    with pytest.raises(ValueError, match="at least 1"):
        write_delivery(delivery([item()]), tmp_path / "delivery", **options)
    assert not (tmp_path / "delivery").exists()


def _attachment(tmp_path: Path, content: bytes, **changes):
    from records.delivery import DeliveredAttachment

    source = tmp_path / "media" / hashlib.sha256(content).hexdigest()
    source.parent.mkdir(exist_ok=True)
    source.write_bytes(content)
    fields = {
        "sha256": source.name,
        "mime_type": "image/png",
        "size": len(content),
        "kind": "Bild",
        "title": "Affischen",
        "path": str(source),
    }
    fields.update(changes)
    return DeliveredAttachment(**fields)


def test_attachments_are_written_once_and_in_the_manifest_and_the_zip(tmp_path):
    image = _attachment(tmp_path, b"\x89PNG bild")
    files = write(
        tmp_path, delivery([item(1, attachments=(image,)), item(2, attachments=(image,))])
    )
    folder = tmp_path / "delivery"
    assert folder / "bilagor" / image.sha256 in files
    assert (folder / "bilagor" / image.sha256).read_bytes() == b"\x89PNG bild"
    manifest = (folder / "manifest-sha256.txt").read_text(encoding="utf-8")
    assert f"{image.sha256}  bilagor/{image.sha256}\n" in manifest
    archive = zipfile.ZipFile(zip_delivery(folder))
    assert archive.read(f"bilagor/{image.sha256}") == b"\x89PNG bild"
    text = pdf_text(folder / "handlingar-001.pdf")
    assert "Bilagor" in text and "Affischen" in text and "Filtyp: image/png" in text


@pytest.mark.parametrize("problem", ["changed", "missing", "not a hash"])
def test_an_attachment_that_is_not_its_hash_stops_the_delivery(tmp_path, problem):
    from records.delivery import AttachmentUnavailable

    image = _attachment(tmp_path, b"\x89PNG bild")
    if problem == "changed":
        Path(image.path).write_bytes(b"other bytes")
    elif problem == "missing":
        Path(image.path).unlink()
    else:
        image = _attachment(tmp_path, b"x", sha256="../../etc/passwd")
    with pytest.raises(AttachmentUnavailable):
        write(tmp_path, delivery([item(1, attachments=(image,))]))
    assert not [p for p in (tmp_path / "delivery").rglob("*") if p.is_file()]
