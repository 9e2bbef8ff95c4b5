from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

from lxml import etree

METS = "{http://www.loc.gov/METS/}"
XLINK_HREF = "{http://www.w3.org/1999/xlink}href"


def mets_entries(zf: zipfile.ZipFile, root: str, mets: str = "METS.xml") -> dict[str, dict]:
    """Every file the root METS.xml and the representations' METS list (fileSec files and
    mdRefs) with its attributes, as paths from the package root; a file listed twice fails."""
    tree = etree.fromstring(zf.read(f"{root}/{mets}"))
    base = mets.rpartition("/")[0]
    listed = {}
    hrefs = [f.find(f"{METS}FLocat").get(XLINK_HREF) for f in tree.iter(f"{METS}file")]
    for file_el, href in zip(tree.iter(f"{METS}file"), hrefs, strict=True):
        path = f"{base}/{href}" if base else href
        assert path not in listed, path
        listed[path] = dict(file_el.attrib)
    for ref in tree.iter(f"{METS}mdRef"):
        listed[ref.get(XLINK_HREF)] = dict(ref.attrib)
    for ptr in tree.iter(f"{METS}mptr"):
        for path, attrs in mets_entries(zf, root, ptr.get(XLINK_HREF)).items():
            assert path not in listed, path
            listed[path] = attrs
    return listed


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def open_package(path: Path) -> tuple[zipfile.ZipFile, str]:
    zf = zipfile.ZipFile(path)
    root = zf.namelist()[0].split("/", 1)[0]
    return zf, root


def written_side_by_side(process, documents: dict[str, bytes], folder: Path, chunk: int) -> None:
    """Write each document to a file in ``folder``, ``chunk`` bytes at a time and the documents in
    turn (as the items, JSON lines and rendering are written), telling ``process`` (a child of
    ``archiving.packaging.children``) after each piece, then end them all."""
    folder.mkdir(parents=True, exist_ok=True)
    opened = {}
    for n, name in enumerate(documents):
        path = folder / f"{n}-{Path(name).name}"
        opened[name] = (path.open("wb"), process.start(name, path))
    for i in range(0, max((len(data) for data in documents.values()), default=0), chunk):
        for name, data in documents.items():
            piece = data[i : i + chunk]
            if piece:
                f, number = opened[name]
                f.write(piece)
                f.flush()
                process.written(number, len(piece))
    for f, number in opened.values():
        f.close()
        process.end(number)
