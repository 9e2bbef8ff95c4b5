"""Validation of the package's own XML against the shipped schema, streaming.

``validate_file`` validates a document on disk. ``ValidationProcess`` validates the documents
while they are written: lxml holds the interpreter while it parses, so in the building process
the validation would wait for the writing (and the other way round); in a child process it runs
on another core, and the build only waits for its verdict once everything is written.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

from lxml import etree

from .children import ChildProcess, drop

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


def validate_file(path: Path, schema: etree.XMLSchema | None = None) -> None:
    """Validate while parsing, dropping each record once read, so a large file stays cheap."""
    schema = schema or archive_schema()
    try:
        for _event, element in etree.iterparse(
            str(path),
            events=("end",),
            tag=RECORDS,
            schema=schema,
            # "internal", not False: with False and a schema, lxml 6.0 lets a document that ends
            # part-way through pass; external entities are never loaded either way.
            resolve_entities="internal",
            no_network=True,
        ):
            drop(element)
    except etree.XMLSyntaxError as exc:
        raise PackageInvalid(f"{path.name}: {exc}") from exc


class ValidationProcess(ChildProcess):
    """Validates files against the archive schema in a child process, fed while written.

    ``verdict`` waits for the child and raises ``PackageInvalid`` for the first of the given files
    that failed, with the message ``validate_file`` would give."""

    def __init__(self):
        super().__init__("validate", str(ARCHIVE_SCHEMA), *RECORDS)

    def verdict(self, names: list[str]) -> None:
        failed = {}
        for line in self.finish().splitlines():
            number, message = json.loads(line)
            failed[self.names[number]] = message
        for name in names:
            if name in failed:
                raise PackageInvalid(f"{Path(name).name}: {failed[name]}")
