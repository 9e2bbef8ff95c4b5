"""Writing a request's delivery into a folder, its manifest, and the ZIP the requester downloads.

R21: a public records request is answered with the released items, reviewed first. Everything
written comes from the ``Delivery`` handed in, and nothing else: the records app masks texts and
leaves withheld items out before it builds the handover, so what is not in it cannot appear in
any file.
"""

from __future__ import annotations

import hashlib
import itertools
import math
import re
import zipfile
from pathlib import Path

from records.handover import DeliveredAttachment, Delivery

from .parts import DEFAULT_WORKERS, PartRenderer
from .pdf import Cover, Part, write_decision
from .tables import CsvWriter, JsonWriter

# Items per PDF part: memory and the time of one WeasyPrint layout grow with it, the number of
# files shrinks with it. 100 items is a few hundred pages at most, and keeps the peak memory of
# a delivery flat whatever its size.
ITEMS_PER_PART = 100

CSV_NAME = "handlingar.csv"
JSON_NAME = "handlingar.json"
DECISION_NAME = "beslut.pdf"
MANIFEST_NAME = "manifest-sha256.txt"
# The attachments, each once, named by their SHA-256.
ATTACHMENTS_DIR = "bilagor"
_CHUNK = 1 << 16
_SHA256 = re.compile(r"[0-9a-f]{64}")


class DeliveryMismatch(ValueError):
    """The handover's items do not number ``item_count``: the cover pages would be wrong."""


class AttachmentUnavailable(ValueError):
    """An attachment's stored file is missing or its bytes are not those its SHA-256 names."""


def copy_attachment(attachment: DeliveredAttachment, directory: Path) -> Path:
    """``attachment``'s stored file as ``bilagor/<sha256>`` in ``directory``, its SHA-256
    checked while it is copied."""
    if not _SHA256.fullmatch(attachment.sha256):
        raise AttachmentUnavailable(f"{attachment.sha256[:80]!r} is not a SHA-256")
    target = directory / attachment.name
    target.parent.mkdir(exist_ok=True)
    digest = hashlib.sha256()
    try:
        with open(attachment.path, "rb") as source, target.open("wb") as out:
            while chunk := source.read(_CHUNK):
                digest.update(chunk)
                out.write(chunk)
    except OSError as exc:
        target.unlink(missing_ok=True)
        raise AttachmentUnavailable(f"{attachment.sha256}: {exc.strerror or exc}") from None
    if digest.hexdigest() != attachment.sha256:
        target.unlink(missing_ok=True)
        raise AttachmentUnavailable(f"{attachment.sha256}: the stored bytes differ")
    return target


def part_name(number: int) -> str:
    return f"handlingar-{number:03d}.pdf"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def write_manifest(directory: Path, files: list[Path]) -> Path:
    """``manifest-sha256.txt`` in the format of ``sha256sum`` (``sha256sum -c`` checks it)."""
    manifest = directory / MANIFEST_NAME
    names = sorted((path.relative_to(directory).as_posix(), path) for path in files)
    lines = [f"{sha256_of(path)}  {name}\n" for name, path in names]
    with manifest.open("w", encoding="utf-8", newline="\n") as f:
        f.writelines(lines)
    return manifest


def write_delivery(
    delivery: Delivery,
    directory: Path,
    *,
    items_per_part: int = ITEMS_PER_PART,
    workers: int = DEFAULT_WORKERS,
) -> list[Path]:
    """Write ``delivery`` into ``directory`` (created if missing) and return the files written.

    - ``handlingar-001.pdf`` …: PDF/A-2b renderings of the items as they appeared, each with
      a cover page (the request's reference, its dates, the number of items, the part);
    - ``handlingar.csv`` and ``handlingar.json``: the same items as data;
    - ``bilagor/<sha256>``: each released item's stored attachments, each file once;
    - ``beslut.pdf``: the decision as PDF/A-2b, when ``delivery.decision_text`` is given;
    - ``manifest-sha256.txt``: the SHA-256 of every other file (``bilagor/…`` by its path).

    The items are read once, in one pass, and never all held in memory; the PDF parts are
    rendered by ``workers`` processes side by side (1: in this process). If the handover's items
    do not number ``delivery.item_count``, ``DeliveryMismatch`` is raised and the files written
    so far are removed."""
    if items_per_part < 1 or workers < 1:
        raise ValueError("items_per_part and workers must be at least 1")
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    part_count = max(1, math.ceil(delivery.item_count / items_per_part))
    cover = Cover.of(delivery)
    try:
        csv_path, json_path = directory / CSV_NAME, directory / JSON_NAME
        written += [csv_path, json_path]
        with (
            csv_path.open("w", encoding="utf-8", newline="") as csv_file,
            json_path.open("w", encoding="utf-8", newline="\n") as json_file,
            PartRenderer(cover, min(workers, part_count)) as renderer,
        ):
            csv_writer, json_writer = CsvWriter(csv_file), JsonWriter(json_file, delivery)
            items = iter(delivery.items())
            seen = number = 0
            copied: set[str] = set()
            while (chunk := list(itertools.islice(items, items_per_part))) or number == 0:
                number += 1
                if number > part_count:
                    break
                for item in chunk:
                    csv_writer.write(item)
                    json_writer.write(item)
                    for attachment in item.attachments:
                        if attachment.sha256 not in copied:
                            copied.add(attachment.sha256)
                            written.append(directory / attachment.name)
                            copy_attachment(attachment, directory)
                part = Part(number, part_count, seen + 1, seen + len(chunk))
                seen += len(chunk)
                path = directory / part_name(number)
                written.append(path)
                renderer.render(part, chunk, path)
            if number > part_count or seen != delivery.item_count:
                raise DeliveryMismatch(
                    f"{delivery.reference}: {delivery.item_count} items announced, "
                    f"{'more' if number > part_count else seen} handed over"
                )
            json_writer.close()
        if delivery.decision_text is not None:
            decision = directory / DECISION_NAME
            written.append(decision)
            write_decision(cover, delivery.decision_text, decision)
        manifest = write_manifest(directory, written)
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        if (directory / ATTACHMENTS_DIR).is_dir() and not any(
            (directory / ATTACHMENTS_DIR).iterdir()
        ):
            (directory / ATTACHMENTS_DIR).rmdir()
        raise
    return [*sorted(written, key=lambda p: p.relative_to(directory).as_posix()), manifest]


def zip_delivery(directory: Path) -> Path:
    """The delivered files of ``directory`` — those its manifest lists, and the manifest — in
    ``<directory>.zip`` beside it, for the download. Anything else in the folder stays out. The
    PDFs (already compressed) are stored, the rest deflated."""
    directory = Path(directory)
    manifest = directory / MANIFEST_NAME
    names = [line.split("  ", 1)[1] for line in manifest.read_text(encoding="utf-8").splitlines()]
    target = directory.with_name(directory.name + ".zip")
    with zipfile.ZipFile(target, "w") as zf:
        for name in sorted([*names, MANIFEST_NAME]):
            path = directory / name
            # PDFs and attachments (images, video: compressed already) are stored as they are.
            stored = path.suffix == ".pdf" or name.startswith(f"{ATTACHMENTS_DIR}/")
            compression = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
            zf.write(path, arcname=name, compress_type=compression)
    return target
