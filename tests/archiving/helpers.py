from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

from lxml import etree

METS = "{http://www.loc.gov/METS/}"
XLINK_HREF = "{http://www.w3.org/1999/xlink}href"


def mets_entries(zf: zipfile.ZipFile, root: str) -> dict[str, dict]:
    """Every file METS.xml lists (fileSec files and mdRefs) with its attributes."""
    tree = etree.fromstring(zf.read(f"{root}/METS.xml"))
    listed = {}
    for file_el in tree.iter(f"{METS}file"):
        href = file_el.find(f"{METS}FLocat").get(XLINK_HREF)
        listed[href] = dict(file_el.attrib)
    for ref in tree.iter(f"{METS}mdRef"):
        listed[ref.get(XLINK_HREF)] = dict(ref.attrib)
    return listed


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def open_package(path: Path) -> tuple[zipfile.ZipFile, str]:
    zf = zipfile.ZipFile(path)
    root = zf.namelist()[0].split("/", 1)[0]
    return zf, root
