"""Streaming building blocks: files hashed while written, and an XML writer that escapes."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

# Characters XML 1.0 does not allow, even escaped. Text from platforms can hold them.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_BUFFER = 64 * 1024


def xml_text(value) -> str:
    if value is None:
        return ""
    if type(value) is int:
        return str(value)
    text = str(value)
    if text.isascii() and text.isprintable():  # the common case: nothing to replace
        return text
    return _NOT_XML.sub("\ufffd", text)


def not_xml(text: str) -> bool:
    """Whether the text holds a character XML 1.0 cannot carry, even escaped."""
    if text.isascii() and text.isprintable():
        return False
    return _NOT_XML.search(text) is not None


def xml_escaped(text: str) -> str:
    """The text with each character XML 1.0 cannot carry written as ``\\uXXXX`` and each
    backslash as ``\\\\``: a reversible form for ``encoding="escaped"`` (see the XSD's
    ItemText). Only for texts where ``not_xml`` is true."""
    return _NOT_XML.sub(lambda m: f"\\u{ord(m.group()):04x}", text.replace("\\", "\\\\"))


def escape(text: str) -> str:
    """``&``, ``<`` and ``>`` escaped (as ``xml.sax.saxutils.escape``, without its overhead for
    the common text that holds none of them)."""
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    return text


_ATTR = str.maketrans({'"': "&quot;", "\n": "&#10;", "\r": "&#13;", "\t": "&#9;"})


def quoteattr(text: str) -> str:
    """A double-quoted attribute value, escaped (as ``xml.sax.saxutils.quoteattr`` with ``"``)."""
    text = escape(text)
    if '"' in text or "\n" in text or "\r" in text or "\t" in text:
        text = text.translate(_ATTR)
    return f'"{text}"'


# What ``xml_text`` followed by ``escape`` (or ``quoteattr``) would change: a text with none of
# these is written as it is, after a single search.
_TEXT_SPECIAL = re.compile("[&<>\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_ATTR_SPECIAL = re.compile('[&<>"\t\n\r\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]')


def text(value) -> str:
    """Escaped XML text: ``escape(xml_text(value))``, fast for the common value."""
    if type(value) is str:
        return value if _TEXT_SPECIAL.search(value) is None else escape(xml_text(value))
    if value is None:
        return ""
    if type(value) is int:
        return str(value)
    return escape(xml_text(value))


def attr(value) -> str:
    """A quoted, escaped XML attribute value: ``quoteattr(xml_text(value))``, fast for the
    common value."""
    if type(value) is int or (type(value) is str and _ATTR_SPECIAL.search(value) is None):
        return f'"{value}"'
    return quoteattr(xml_text(value))


# The same moment is written up to three times per item (XML, JSON lines, HTML): formatted once.
@lru_cache(maxsize=256)
def utc(value: dt.datetime | None) -> str:
    """An aware datetime as xs:dateTime in UTC ("2026-01-02T02:00:00Z")."""
    if value is None:
        return ""
    if value.tzinfo is not dt.UTC:
        value = value.astimezone(dt.UTC)
    return value.isoformat()[:-6] + "Z"


@dataclass(frozen=True)
class FileEntry:
    path: str  # relative to the package root, with forward slashes
    mimetype: str
    size: int
    sha256: str
    created: dt.datetime


class HashingFile:
    """A binary file that counts and hashes what is written, buffered to keep writes cheap."""

    def __init__(self, path: Path):
        self._file = path.open("wb")
        self._hash = hashlib.sha256()
        # Told the size of every chunk once it is written (the child processes), when set.
        self.tee = None
        self._pending: list = []
        self._pending_size = 0
        self._text = False
        self.size = 0

    def write(self, data: bytes) -> None:
        if self._text:
            self.flush()
        self._pending.append(data)
        self._pending_size += len(data)
        if self._pending_size >= _BUFFER:
            self.flush()

    def write_text(self, text: str) -> None:
        # Text is buffered as text and encoded once per chunk: far fewer encode calls.
        if self._pending and not self._text:
            self.flush()
        self._text = True
        self._pending.append(text)
        self._pending_size += len(text)
        if self._pending_size >= _BUFFER:
            self.flush()

    def flush(self) -> None:
        if self._pending:
            if self._text:
                chunk = "".join(self._pending).encode("utf-8")
                self._text = False
            else:
                chunk = b"".join(self._pending)
            self._hash.update(chunk)
            self._file.write(chunk)
            if self.tee is not None:
                self._file.flush()  # in the file for the child processes before they are told
                self.tee(len(chunk))
            self.size += len(chunk)
            self._pending = []
            self._pending_size = 0

    def close(self) -> str:
        self.flush()
        self._file.close()
        return self._hash.hexdigest()


class XmlWriter:
    """Writes XML as text, element by element, with every text and attribute escaped."""

    def __init__(self, out: HashingFile):
        self.out = out
        self._open: list[str] = []
        out.write_text('<?xml version="1.0" encoding="UTF-8"?>\n')

    @staticmethod
    def _attrs(attrs: dict | None) -> str:
        if not attrs:
            return ""
        return "".join(
            f" {name}={quoteattr(xml_text(value))}"
            for name, value in attrs.items()
            if value is not None
        )

    def start(self, tag: str, attrs: dict | None = None) -> None:
        self.out.write_text(f"{'  ' * len(self._open)}<{tag}{self._attrs(attrs)}>\n")
        self._open.append(tag)

    def end(self) -> None:
        tag = self._open.pop()
        self.out.write_text(f"{'  ' * len(self._open)}</{tag}>\n")

    def element(self, tag: str, text=None, attrs: dict | None = None) -> None:
        """``<tag>text</tag>``; an empty element when ``text`` is None."""
        indent = "  " * len(self._open)
        if text is None:
            self.out.write_text(f"{indent}<{tag}{self._attrs(attrs)}/>\n")
        else:
            body = escape(xml_text(text))
            self.out.write_text(f"{indent}<{tag}{self._attrs(attrs)}>{body}</{tag}>\n")

    def optional(self, tag: str, text, attrs: dict | None = None) -> None:
        """Writes the element only when there is a value (dates and times that may be unset)."""
        if text not in (None, ""):
            self.element(tag, text, attrs)

    @contextmanager
    def block(self, tag: str, attrs: dict | None = None) -> Iterator[None]:
        self.start(tag, attrs)
        yield
        self.end()


XML = "application/xml"


class PackageFiles:
    """The package folder being built: each file is hashed as it is written and remembered.

    Each file is also fed, as it is written, to the child processes set: ``deflate`` (a
    ``DeflateProcess``) every file, ``validation`` (a ``ValidationProcess``) the package's own
    XML documents (not the copied schemas)."""

    def __init__(self, root: Path, *, validation=None, deflate=None):
        self.root = root
        self.entries: list[FileEntry] = []
        self.validation = validation
        self.deflate = deflate

    @staticmethod
    def validated(relpath: str, mimetype: str) -> bool:
        """Whether the file is one of the documents validated against the archive schema."""
        return mimetype == XML and not relpath.startswith("schemas/")

    @contextmanager
    def open(self, relpath: str, mimetype: str) -> Iterator[HashingFile]:
        path = self.root / relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        created = dt.datetime.now(dt.UTC)
        children = [self.deflate] if self.deflate is not None else []
        if self.validation is not None and self.validated(relpath, mimetype):
            children.append(self.validation)
        out = HashingFile(path)
        fed = [(child, child.start(relpath, path)) for child in children]
        if len(fed) == 1:
            child, number = fed[0]
            out.tee = lambda size: child.written(number, size)
        elif fed:

            def tee(size: int) -> None:
                for child, number in fed:
                    child.written(number, size)

            out.tee = tee
        try:
            yield out
        finally:
            digest = out.close()
            for child, number in fed:
                child.end(number)
        self.entries.append(FileEntry(relpath, mimetype, out.size, digest, created))

    def add_file(self, relpath: str, mimetype: str, source: Path) -> FileEntry:
        """Copy a file into the package in chunks, hashing it on the way."""
        with self.open(relpath, mimetype) as out, source.open("rb") as src:
            while chunk := src.read(_BUFFER):
                out.write(chunk)
        return self.entries[-1]

    def add_bytes(self, relpath: str, mimetype: str, data: bytes) -> FileEntry:
        with self.open(relpath, mimetype) as out:
            out.write(data)
        return self.entries[-1]

    def path_of(self, relpath: str) -> Path:
        return self.root / relpath
