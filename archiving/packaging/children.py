"""Child processes a build hands the package's bytes to while it writes them.

Python formats the package's documents while holding the interpreter; what can be done beside it
(validating the XML, deflating the files for the ZIP) is done in child processes, on the other
core, each reading the files as they are written. The child's side is run as this file, on its
own (no Django, no package imports), so it starts fast and shares nothing.

The builder tells a child, through a pipe, when a file starts (its path), how many more bytes of
it are written, and when it ends; the child reads those bytes from the file itself. The bytes go
through the page cache, not the pipe: a child that falls behind (the machine busy with other
work) never holds the writing up, it reads on once it runs. Several files can be open at once
(the moderation is written while the items are still open). A child says nothing until its input
ends, so neither side can wait on the other.
"""

from __future__ import annotations

import contextlib
import json
import os
import struct
import subprocess
import sys
import tempfile
import zlib
from pathlib import Path

# A kind, a file number and a size: of the path that follows (START), of the bytes just written
# to the file (DATA), nothing (END).
FRAME = struct.Struct(">cII")
START, DATA, END = b"S", b"D", b"E"
# The pipe to a child holds this much (64 KB by default on Linux): frames of a few bytes each,
# so the writer never waits for a child that is behind.
PIPE_SIZE = 1024 * 1024


class ChildProcess:
    """One child, told of files: ``start`` a file, say how much more of it is ``written`` (on
    disk already, not in a buffer of the writer), ``end`` it.

    ``finish`` ends the input and waits; ``close`` (also on leaving a ``with`` block) ends the
    child whatever happened, so an error or a cancelled build never leaves one behind."""

    def __init__(self, *args: str):
        # What the child says if it fails: a file, so it can never fill a pipe nobody reads.
        self._errors = tempfile.TemporaryFile()  # noqa: SIM115 - closed by ``close``
        # -P: the child's path does not start with this package's folder, so none of its modules
        # can hide a library module of the same name.
        self._process = subprocess.Popen(  # noqa: S603 - this module, fixed arguments
            [sys.executable, "-P", str(Path(__file__).resolve()), *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._errors,
            bufsize=0,  # each frame reaches the child when sent
        )
        self._pipe = self._process.stdin
        with contextlib.suppress(AttributeError, OSError):
            import fcntl

            fcntl.fcntl(self._pipe.fileno(), fcntl.F_SETPIPE_SZ, PIPE_SIZE)
        self.names: list[str] = []
        self._broken = False

    def _send(self, frame: bytes) -> None:
        if self._broken:
            return
        try:
            view = memoryview(frame)
            while view:
                view = view[self._pipe.write(view) :]
        except BrokenPipeError:  # the child is gone: ``finish`` says why
            self._broken = True

    def start(self, name: str, path: Path) -> int:
        number = len(self.names)
        self.names.append(name)
        location = os.fsencode(Path(path).resolve())
        self._send(FRAME.pack(START, number, len(location)) + location)
        return number

    def written(self, number: int, size: int) -> None:
        self._send(FRAME.pack(DATA, number, size))

    def end(self, number: int) -> None:
        self._send(FRAME.pack(END, number, 0))

    def finish(self) -> bytes:
        """End the input, wait for the child and return what it reported."""
        with contextlib.suppress(BrokenPipeError):
            self._pipe.close()
        report = self._process.stdout.read()
        code = self._process.wait()
        if code != 0:
            self._errors.seek(0)
            detail = self._errors.read().decode("utf-8", "replace").strip()
            raise RuntimeError(f"{type(self).__name__}: child ended with status {code}: {detail}")
        return report

    def close(self) -> None:
        if self._process.poll() is None:
            self._process.kill()
        self._process.wait()
        for stream in (self._pipe, self._process.stdout, self._errors):
            with contextlib.suppress(OSError):
                stream.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def chunks(source):
    """The child's side: ``(kind, number, data)`` for each frame until the input ends, ``data``
    being the bytes just written to the file (read from the file), else empty."""
    read = source.read
    files = {}
    while header := read(FRAME.size):
        kind, number, size = FRAME.unpack(header)
        if kind == START:
            files[number] = open(os.fsdecode(read(size)), "rb")  # noqa: SIM115 - closed at END
            yield kind, number, b""
        elif kind == DATA:
            data = files[number].read(size)
            if len(data) != size:
                raise RuntimeError(f"file {number}: {len(data)} bytes of {size} written")
            yield kind, number, data
        else:
            files.pop(number).close()
            yield kind, number, b""


def drop(element) -> None:
    """Forget a parsed record and everything before it: the tree stays small."""
    element.clear()
    while element.getprevious() is not None:
        del element.getparent()[0]


def validate(source, report, schema_path: str, *records: str) -> None:
    """Validate each file as its frames arrive; at the end, report each that failed as a line of
    JSON, ``[number, message]``."""
    from lxml import etree

    schema = etree.XMLSchema(etree.parse(schema_path))
    parsers: dict[int, etree.XMLPullParser] = {}
    failed: dict[int, str] = {}
    for kind, number, data in chunks(source):
        if number in failed:
            continue
        try:
            if kind == START:
                parsers[number] = etree.XMLPullParser(
                    events=("end",),
                    tag=records,
                    schema=schema,
                    # "internal", not False: with False and a schema, lxml 6.0 lets a document that
                    # ends part-way through pass; external entities are never loaded either way.
                    resolve_entities="internal",
                    no_network=True,
                )
                continue
            parser = parsers[number]
            if kind == DATA:
                parser.feed(data)
            else:
                del parsers[number]
                parser.close()
            for _event, element in parser.read_events():
                drop(element)
        except etree.XMLSyntaxError as exc:
            parsers.pop(number, None)
            failed[number] = str(exc)
    for number, message in failed.items():
        report.write(json.dumps([number, message]).encode() + b"\n")
    report.flush()


def deflate(source, report, folder: str) -> None:
    """Deflate each file as ``ZIP_DEFLATED`` does (raw deflate, default level) into
    ``<folder>/<number>``; at the end, report ``<number> <crc32> <size> <compressed size>`` per
    file (the lines go to a file first: there is one per package file, however many)."""
    out = Path(folder)
    open_files: dict[int, list] = {}
    with (out / "report").open("w+") as lines:
        for kind, number, data in chunks(source):
            if kind == START:
                compressor = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15)
                open_files[number] = [compressor, 0, 0, (out / str(number)).open("wb")]
            elif kind == DATA:
                state = open_files[number]
                state[1] = zlib.crc32(data, state[1])
                state[2] += len(data)
                state[3].write(state[0].compress(data))
            else:
                compressor, crc, size, f = open_files.pop(number)
                f.write(compressor.flush())
                lines.write(f"{number} {crc} {size} {f.tell()}\n")
                f.close()
        lines.seek(0)
        while chunk := lines.read(64 * 1024):
            report.write(chunk.encode())
    report.flush()


if __name__ == "__main__":
    job, *arguments = sys.argv[1:]
    {"validate": validate, "deflate": deflate}[job](sys.stdin.buffer, sys.stdout.buffer, *arguments)
