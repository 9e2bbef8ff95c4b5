"""Validation of the package's own XML against the shipped schema, streaming.

``validate_file`` validates a document on disk. ``ValidationProcess`` validates the documents
while they are written: lxml holds the interpreter while it parses, so in the building process
the validation would wait for the writing (and the other way round); in a child process it runs
on another core, and the build only waits for its verdict once everything is written.
"""

from __future__ import annotations

import contextlib
import struct
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from lxml import etree

SCHEMA_DIR = Path(__file__).resolve().parent.parent / "schemas"
ARCHIVE_SCHEMA = SCHEMA_DIR / "haparanda-archive-1.xsd"


class PackageInvalid(Exception):
    """A document of the package does not match its schema."""


_local = threading.local()


def archive_schema() -> etree.XMLSchema:
    # One parsed schema per thread: lxml documents are not to be shared between threads.
    schema = getattr(_local, "schema", None)
    if schema is None:
        schema = _local.schema = etree.XMLSchema(etree.parse(str(ARCHIVE_SCHEMA)))
    return schema


NS = "{urn:haparanda-social:archive:1}"
# The records that repeat (one per item, action, …): dropped once read. Everything inside them is
# dropped with them, and the rest of a document is small, so memory stays flat; the parser still
# validates every element, but Python sees only one event per record.
RECORDS = tuple(f"{NS}{tag}" for tag in ("item", "action", "outbound", "decision", "role"))


def _drop(element) -> None:
    element.clear()
    while element.getprevious() is not None:
        del element.getparent()[0]


def validate_file(path: Path, schema: etree.XMLSchema | None = None) -> None:
    """Validate while parsing, dropping each record once read, so a large file stays cheap."""
    schema = schema or archive_schema()
    try:
        for _event, element in etree.iterparse(
            str(path),
            events=("end",),
            tag=RECORDS,
            schema=schema,
            resolve_entities=False,
            no_network=True,
        ):
            _drop(element)
    except etree.XMLSyntaxError as exc:
        raise PackageInvalid(f"{path.name}: {exc}") from exc


# --- Validating in a child process ------------------------------------------------------------
# The child reads frames from its standard input: a kind, a document number and a length, then
# that many bytes. Several documents can be open at once (the moderation is written while the
# items are still open). Once its input ends, it writes one line per document that failed,
# "<number> <message>", and exits: nothing is written before, so neither side can block the other.

_FRAME = struct.Struct(">cII")
_START, _DATA, _END = b"S", b"D", b"E"


def _widen(pipe) -> None:
    """Let the pipe hold a megabyte (64 KB by default on Linux): the writer then seldom waits
    for the child, which only has to keep up on average."""
    with contextlib.suppress(AttributeError, OSError):
        import fcntl

        fcntl.fcntl(pipe.fileno(), fcntl.F_SETPIPE_SZ, 1024 * 1024)


class ValidationProcess:
    """Validates documents against the archive schema in a child process, fed while written.

    ``start`` a document, ``feed`` it its bytes in order, ``end`` it; ``verdict`` then waits for
    the child and raises ``PackageInvalid`` for the first of the given documents that failed, with
    the message ``validate_file`` would give. ``close`` (also on leaving a ``with`` block) ends
    the child whatever happened, so an error or a cancelled build never leaves one behind."""

    def __init__(self):
        # What the child says if it fails: a file, so it can never fill a pipe nobody reads.
        self._errors = tempfile.TemporaryFile()  # noqa: SIM115 - closed by ``close``
        # -P: the child's path does not start with this package's folder, so none of its modules
        # can hide a library module of the same name.
        self._process = subprocess.Popen(  # noqa: S603 - this module, fixed arguments
            [sys.executable, "-P", str(Path(__file__).resolve())],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._errors,
        )
        self._pipe = self._process.stdin
        _widen(self._pipe)
        self._names: dict[int, str] = {}
        self._broken = False

    def _send(self, kind: bytes, number: int, data: bytes = b"") -> None:
        if self._broken:
            return
        try:
            self._pipe.write(_FRAME.pack(kind, number, len(data)))
            if data:
                self._pipe.write(data)
        except BrokenPipeError:  # the child is gone: ``verdict`` says why
            self._broken = True

    def start(self, name: str) -> int:
        number = len(self._names)
        self._names[number] = name
        self._send(_START, number)
        return number

    def feed(self, number: int, data: bytes) -> None:
        self._send(_DATA, number, data)

    def end(self, number: int) -> None:
        self._send(_END, number)

    def verdict(self, names: list[str]) -> None:
        """Wait for the child; raise ``PackageInvalid`` for the first of ``names`` that failed."""
        try:
            self._pipe.close()
        except BrokenPipeError:
            self._broken = True
        report = self._process.stdout.read()
        code = self._process.wait()
        if code != 0:
            self._errors.seek(0)
            detail = self._errors.read().decode("utf-8", "replace").strip()
            raise RuntimeError(f"XML validation process ended with status {code}: {detail}")
        failed = {}
        for line in report.decode("utf-8").splitlines():
            number, message = line.split(" ", 1)
            failed[self._names[int(number)]] = message.replace("\\n", "\n").replace("\\\\", "\\")
        for name in names:
            if name in failed:
                raise PackageInvalid(f"{Path(name).name}: {failed[name]}")

    def close(self) -> None:
        if self._process.poll() is None:
            self._process.kill()
        self._process.wait()
        for stream in (self._pipe, self._process.stdout, self._errors):
            with contextlib.suppress(OSError):
                stream.close()

    def __enter__(self) -> ValidationProcess:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _serve(source, report) -> None:
    """The child: validate each document as its frames arrive, then report the failures."""
    schema = archive_schema()
    parsers: dict[int, etree.XMLPullParser] = {}
    failed: dict[int, str] = {}
    read = source.read
    while header := read(_FRAME.size):
        kind, number, size = _FRAME.unpack(header)
        data = read(size) if size else b""
        if number in failed:
            continue
        try:
            if kind == _START:
                parsers[number] = etree.XMLPullParser(
                    events=("end",),
                    tag=RECORDS,
                    schema=schema,
                    resolve_entities=False,
                    no_network=True,
                )
                continue
            parser = parsers[number]
            if kind == _DATA:
                parser.feed(data)
            else:
                del parsers[number]
                parser.close()
            for _event, element in parser.read_events():
                _drop(element)
        except etree.XMLSyntaxError as exc:
            parsers.pop(number, None)
            failed[number] = str(exc)
    for number, message in failed.items():
        text = message.replace("\\", "\\\\").replace("\n", "\\n")
        report.write(f"{number} {text}\n".encode())
    report.flush()


if __name__ == "__main__":
    _serve(sys.stdin.buffer, sys.stdout.buffer)
