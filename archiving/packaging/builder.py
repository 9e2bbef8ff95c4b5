"""Builds an archival package by streaming every section to disk, then zipping from disk.

Memory stays flat whatever the number of items: each record is written as soon as it is read,
the XML is validated while parsed and dropped element by element, and the ZIP is written from
the files on disk in chunks.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
import tempfile
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any, Protocol

from . import mets, sections
from .stream import PackageFiles, XmlWriter
from .validation import SCHEMA_DIR, ValidationProcess
from .zipping import DeflateProcess, write_zip

AGENT = "haparanda-social"
REP1 = "representations/rep01-structured/data"
REP2 = "representations/rep02-rendering/data"
XML = "application/xml"
CHUNK = 1024 * 1024


class Source(Protocol):
    def account_record(self) -> dict[str, Any]: ...
    def decisions(self): ...
    def items(self): ...
    def moderation_actions(self): ...
    def outbound_actions(self): ...
    def evidence(self): ...


@dataclass(frozen=True)
class PackageInfo:
    package_id: str
    kind: str
    period_start: dt.date
    period_end: dt.date
    account_id: int
    reason: str = ""
    creator: str = "Haparanda stad"
    # The archive creator's organisationsnummer (FGS: the submitting organisation's code).
    organisation_number: str = "212000-2841"


@dataclass
class PackageResult:
    sha256: str
    size: int
    counts: dict[str, int] = field(default_factory=dict)


def software_version() -> str:
    try:
        return metadata.version(AGENT)
    except metadata.PackageNotFoundError:
        import tomllib

        pyproject = Path(__file__).resolve().parents[2] / "pyproject.toml"
        try:
            return tomllib.loads(pyproject.read_text())["project"]["version"]
        except (OSError, KeyError, tomllib.TOMLDecodeError):
            return "unknown"


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _write_culling_log(source, files: PackageFiles) -> None:
    """The culling log (gallringslogg, R22) of the period, when the source has one and anything
    was culled: the documentation of what the live database no longer holds."""
    read = getattr(source, "culling_log", None)
    entries = list(read()) if read is not None else []
    if entries:
        data = json.dumps(
            {"gallringslogg": entries}, ensure_ascii=False, indent=1, sort_keys=True, default=str
        )
        files.add_bytes("documentation/gallringslogg.json", "application/json", data.encode())


def build_package(
    info: PackageInfo,
    source: Source,
    out_path: Path,
    *,
    validate: bool = True,
    work_dir: Path | None = None,
) -> PackageResult:
    """Write the package for ``info`` as a ZIP at ``out_path`` and return its SHA-256 and size.

    The files are written in ``work_dir`` (a new temporary folder when not given), which is
    removed afterwards."""
    version = software_version()
    if work_dir is None:
        work_dir = Path(tempfile.mkdtemp(prefix="haparanda-sip-"))
    children: list = []
    try:
        # The validation and the deflating run beside the writing, each in a child process.
        deflate = DeflateProcess(Path(work_dir) / "deflated")
        children.append(deflate)
        validation = ValidationProcess() if validate else None
        if validation is not None:
            children.append(validation)
        files = PackageFiles(
            Path(work_dir) / info.package_id, validation=validation, deflate=deflate
        )
        return _build(info, source, out_path, files=files, version=version)
    finally:
        for child in children:
            child.close()
        shutil.rmtree(work_dir, ignore_errors=True)


def _build(
    info: PackageInfo, source: Source, out_path: Path, *, files: PackageFiles, version: str
) -> PackageResult:
    validation = files.validation
    counts = _write_sections(info, source, files)
    capture_done = _now()

    for xsd in sorted(SCHEMA_DIR.glob("*.xsd")):
        with files.open(f"schemas/{xsd.name}", XML) as out, xsd.open("rb") as src:
            shutil.copyfileobj(src, out)
    doc = (Path(__file__).parent / "documentation.txt").read_bytes()
    files.add_bytes("documentation/README.txt", "text/plain", doc)
    _write_culling_log(source, files)

    if validation is not None:
        # Every document to validate is written: the verdict, before anything refers to them.
        files.validation = None
        validation.verdict([e.path for e in files.entries if files.validated(e.path, e.mimetype)])

    agents = mets.Agents(
        software=AGENT,
        version=version,
        organisation=info.creator,
        organisation_number=info.organisation_number,
    )
    created = _now()
    for rep in mets.REPRESENTATIONS:
        rep_entries = [e for e in files.entries if mets.representation_of(e.path) == rep]
        with files.open(f"representations/{rep}/METS.xml", XML) as out:
            mets.write_representation_mets(
                XmlWriter(out),
                package_id=info.package_id,
                representation=rep,
                created=created,
                entries=rep_entries,
                agents=agents,
            )

    paths = [e.path for e in files.entries]
    structured = tuple(p for p in paths if mets.representation_of(p) == "rep01-structured")
    rendering = tuple(p for p in paths if mets.representation_of(p) == "rep02-rendering")
    events = [
        mets.Event(
            "capture",
            counts.pop("_capture_started"),
            "Records read from the registry and the moderation queue",
            structured,
        ),
        mets.Event("rendering", capture_done, "HTML rendering of the period", rendering),
    ]
    if validation is not None:
        events.append(
            mets.Event(
                "validation",
                created,
                "XML validated against schemas/haparanda-archive-1.xsd",
                tuple(
                    p
                    for p in paths
                    if p.endswith(".xml") and not p.startswith("schemas/") and "METS" not in p
                ),
            )
        )
    events.append(
        mets.Event(
            "packaging",
            _now(),
            "Package assembled as E-ARK CSIP 2.1 / SIP 2.1 / FGS Paketstruktur 2.0",
            tuple(paths),
        )
    )
    content_entries = list(files.entries)
    with files.open(mets.PREMIS_PATH, XML) as out:
        mets.write_premis(XmlWriter(out), entries=content_entries, events=events, agents=agents)
    root_entries = [
        e
        for e in files.entries
        if mets.representation_of(e.path) is None or e.path.endswith("/METS.xml")
    ]
    with files.open("METS.xml", XML) as out:
        mets.write_mets(
            XmlWriter(out),
            package_id=info.package_id,
            label=f"{info.kind} {info.period_start}–{info.period_end}",
            created=created,
            entries=[e for e in root_entries if e.path != "METS.xml"],
            agents=agents,
        )

    deflated = files.deflate.results() if files.deflate is not None else {}
    files.deflate = None
    # METS.xml first, so a reader streaming the ZIP meets the map before the files.
    ordered = sorted(files.entries, key=lambda e: e.path != "METS.xml")
    write_zip(
        out_path,
        [(files.path_of(e.path), f"{info.package_id}/{e.path}") for e in ordered],
        {files.path_of(name): done for name, done in deflated.items()},
    )
    return PackageResult(sha256=sha256_of(out_path), size=out_path.stat().st_size, counts=counts)


class MediaMismatch(Exception):
    """A stored attachment's bytes no longer have the SHA-256 recorded for them."""


MEDIA = "media"


def _add_media(files: PackageFiles, item: dict[str, Any], done: set[str]) -> None:
    """Copy the item's stored attachments into the structured representation, once per content
    (``media/<sha256>``), checking each against its recorded SHA-256: a file that changed or
    went missing fails the build loudly rather than making a package that lies."""
    for attachment in item.get("attachments") or ():
        sha256, path = attachment.get("sha256"), attachment.get("path")
        if not sha256 or not path:
            continue
        attachment["file"] = f"{MEDIA}/{sha256}"
        if sha256 in done:
            continue
        entry = files.add_file(
            f"{REP1}/{MEDIA}/{sha256}",
            attachment.get("mime_type") or "application/octet-stream",
            Path(path),
        )
        if entry.sha256 != sha256:
            raise MediaMismatch(f"{path}: SHA-256 {entry.sha256}, recorded {sha256}")
        done.add(sha256)


def _write_sections(info: PackageInfo, source: Source, files: PackageFiles) -> dict[str, Any]:
    counts: dict[str, Any] = {"_capture_started": _now()}
    record = source.account_record()
    root_attrs = {"xmlns": sections.NAMESPACE, "packageId": info.package_id}

    with files.open(f"{REP1}/account.xml", XML) as out:
        w = XmlWriter(out)
        with w.block("accountRecord", root_attrs):
            sections.write_account(w, record)
            counts["decisions"] = sections.write_decisions(w, source.decisions())

    with files.open("metadata/descriptive/description.xml", XML) as out:
        w = XmlWriter(out)
        with w.block("description", {**root_attrs, "kind": info.kind}):
            w.element("title", f"{record['display_name']} ({record['platform_label']})")
            w.element("creator", info.creator)
            w.element(
                "period",
                None,
                {"start": info.period_start.isoformat(), "end": info.period_end.isoformat()},
            )
            w.element("created", sections.utc(_now()))
            w.element("reason", info.reason)
            sections.write_account_summary(w, record)
            sections.write_decisions(w, source.decisions())

    item_attrs = {**root_attrs, "accountId": info.account_id}
    with (
        files.open(f"{REP1}/items.xml", XML) as items_out,
        files.open(f"{REP1}/items.jsonl", "application/x-ndjson") as jsonl_out,
        files.open(f"{REP2}/index.html", "text/html") as html_out,
    ):
        html = sections.HtmlRendering(html_out)
        html.header(info, record)
        html.decisions(source.decisions())
        html.items_start()
        w = XmlWriter(items_out)
        n_items = n_versions = 0
        media: set[str] = set()
        with w.block("items", item_attrs):
            for item in source.items():
                _add_media(files, item, media)
                n_versions += sections.write_item(w, item)
                jsonl_out.write(sections.jsonl_line(item))
                html.item(item)
                n_items += 1
        counts["items"] = n_items
        counts["versions"] = n_versions
        counts["media_files"] = len(media)

        html.actions_start()
        with files.open(f"{REP1}/moderation.xml", XML) as mod_out:
            w = XmlWriter(mod_out)
            n_actions = 0
            n_outbound = 0
            with w.block("moderation", item_attrs):
                for action in source.moderation_actions():
                    sections.write_action(w, action)
                    html.action(action)
                    n_actions += 1
                html.actions_end()
                html.outbound_start()
                for outbound in getattr(source, "outbound_actions", tuple)():
                    sections.write_outbound(w, outbound)
                    html.outbound(outbound)
                    n_outbound += 1
        counts["moderation_actions"] = n_actions
        counts["outbound_actions"] = n_outbound
        html.outbound_end()

        html.evidence_start()
        n_evidence = 0
        for evidence in source.evidence():
            folder = f"removed/{evidence['item_id']}"
            stem = f"{folder}/evidence-{evidence['id']}"
            data = files.add_bytes(
                f"{REP1}/{stem}.json", "application/json", evidence["data_json"].encode("utf-8")
            )
            rendered = files.add_bytes(
                f"{REP1}/{stem}.html", "text/html", evidence["rendered_html"].encode("utf-8")
            )
            with files.open(f"{REP1}/{stem}.xml", XML) as out:
                w = XmlWriter(out)
                attrs = {
                    "xmlns": sections.NAMESPACE,
                    "id": evidence["id"],
                    "itemId": evidence["item_id"],
                }
                with w.block("evidence", attrs):
                    w.element("takenBy", evidence["taken_by"])
                    w.optional("takenAt", sections.utc(evidence["taken_at"]))
                    for entry, recorded in (
                        (data, evidence["data_sha256"]),
                        (rendered, evidence["html_sha256"]),
                    ):
                        w.element(
                            "file",
                            None,
                            {
                                "name": entry.path.rsplit("/", 1)[-1],
                                "sha256": entry.sha256,
                                "recordedSha256": recorded,
                            },
                        )
            html.evidence(evidence, folder)
            n_evidence += 1
        counts["evidence"] = n_evidence
        html.footer({k: v for k, v in counts.items() if not k.startswith("_")})
    return counts
