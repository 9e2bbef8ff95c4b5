"""The root METS.xml and the PREMIS preservation metadata (E-ARK CSIP 2.1 / FGS 2.0 shaped)."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from .stream import FileEntry, XmlWriter, utc

METS_NS = "http://www.loc.gov/METS/"
XLINK_NS = "http://www.w3.org/1999/xlink"
CSIP_NS = "https://DILCIS.eu/XML/METS/CSIPExtensionMETS"
PREMIS_NS = "http://www.loc.gov/premis/v3"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
CSIP_PROFILE = "https://earkcsip.dilcis.eu/profile/E-ARKCSIP.xml"

DESCRIPTION_PATH = "metadata/descriptive/description.xml"
PREMIS_PATH = "metadata/preservation/premis.xml"

# The file groups of the package, in the order METS lists them.
GROUPS = (
    ("documentation/", "Documentation"),
    ("schemas/", "Schemas"),
    ("representations/rep01-structured/", "Representations/rep01-structured"),
    ("representations/rep02-rendering/", "Representations/rep02-rendering"),
)


@dataclass(frozen=True)
class Event:
    kind: str  # capture | rendering | packaging
    at: dt.datetime
    detail: str


def _checksum_attrs(entry: FileEntry) -> dict:
    return {
        "MIMETYPE": entry.mimetype,
        "SIZE": entry.size,
        "CREATED": utc(entry.created),
        "CHECKSUM": entry.sha256,
        "CHECKSUMTYPE": "SHA-256",
    }


def write_premis(
    w: XmlWriter, *, entries: list[FileEntry], events: list[Event], agent: str, version: str
) -> None:
    agent_id = f"{agent} {version}"
    w.start(
        "premis:premis",
        {"xmlns:premis": PREMIS_NS, "xmlns:xsi": XSI_NS, "version": "3.0"},
    )
    for entry in entries:
        with w.block("premis:object", {"xsi:type": "premis:file"}):
            with w.block("premis:objectIdentifier"):
                w.element("premis:objectIdentifierType", "filepath")
                w.element("premis:objectIdentifierValue", entry.path)
            with w.block("premis:objectCharacteristics"):
                with w.block("premis:fixity"):
                    w.element("premis:messageDigestAlgorithm", "SHA-256")
                    w.element("premis:messageDigest", entry.sha256)
                    w.element("premis:messageDigestOriginator", agent)
                w.element("premis:size", entry.size)
                with w.block("premis:format"), w.block("premis:formatDesignation"):
                    w.element("premis:formatName", entry.mimetype)
    for event in events:
        with w.block("premis:event"):
            with w.block("premis:eventIdentifier"):
                w.element("premis:eventIdentifierType", "UUID")
                w.element("premis:eventIdentifierValue", uuid.uuid4())
            w.element("premis:eventType", event.kind)
            w.element("premis:eventDateTime", utc(event.at))
            with w.block("premis:eventDetailInformation"):
                w.element("premis:eventDetail", event.detail)
            with w.block("premis:eventOutcomeInformation"):
                w.element("premis:eventOutcome", "success")
            with w.block("premis:linkingAgentIdentifier"):
                w.element("premis:linkingAgentIdentifierType", "software")
                w.element("premis:linkingAgentIdentifierValue", agent_id)
    with w.block("premis:agent"):
        with w.block("premis:agentIdentifier"):
            w.element("premis:agentIdentifierType", "software")
            w.element("premis:agentIdentifierValue", agent_id)
        w.element("premis:agentName", agent)
        w.element("premis:agentType", "software")
        w.element("premis:agentVersion", version)
    w.end()


def write_mets(
    w: XmlWriter,
    *,
    package_id: str,
    label: str,
    created: dt.datetime,
    entries: list[FileEntry],
    agent: str,
    version: str,
    archivist: str,
) -> None:
    by_path = {e.path: e for e in entries}
    w.start(
        "mets:mets",
        {
            "xmlns:mets": METS_NS,
            "xmlns:xlink": XLINK_NS,
            "xmlns:csip": CSIP_NS,
            "xmlns:xsi": XSI_NS,
            "OBJID": package_id,
            "LABEL": label,
            "TYPE": "OTHER",
            "csip:OTHERTYPE": "Social media account",
            "csip:CONTENTINFORMATIONTYPE": "OTHER",
            "PROFILE": CSIP_PROFILE,
        },
    )
    with w.block("mets:metsHdr", {"CREATEDATE": utc(created), "RECORDSTATUS": "NEW"}):
        with w.block("mets:agent", {"ROLE": "CREATOR", "TYPE": "OTHER", "OTHERTYPE": "SOFTWARE"}):
            w.element("mets:name", agent)
            w.element("mets:note", version, {"csip:NOTETYPE": "SOFTWARE VERSION"})
        with w.block("mets:agent", {"ROLE": "ARCHIVIST", "TYPE": "ORGANIZATION"}):
            w.element("mets:name", archivist)

    def md_ref(entry: FileEntry, mdtype: str, other: str | None = None) -> None:
        attrs = {
            "LOCTYPE": "URL",
            "xlink:type": "simple",
            "xlink:href": entry.path,
            "MDTYPE": mdtype,
            "OTHERMDTYPE": other,
            **_checksum_attrs(entry),
        }
        w.element("mets:mdRef", None, attrs)

    with w.block("mets:dmdSec", {"ID": "dmd-description", "CREATED": utc(created)}):
        md_ref(by_path[DESCRIPTION_PATH], "OTHER", "haparanda-archive-1")
    with w.block("mets:amdSec"), w.block("mets:digiprovMD", {"ID": "digiprov-premis"}):
        md_ref(by_path[PREMIS_PATH], "PREMIS")

    file_ids: dict[str, list[str]] = {use: [] for _, use in GROUPS}
    with w.block("mets:fileSec", {"ID": "filesec"}):
        for n, (prefix, use) in enumerate(GROUPS, start=1):
            group = [e for e in entries if e.path.startswith(prefix)]
            with w.block("mets:fileGrp", {"ID": f"grp-{n}", "USE": use}):
                for i, entry in enumerate(group, start=1):
                    file_id = f"file-{n}-{i}"
                    file_ids[use].append(file_id)
                    with w.block("mets:file", {"ID": file_id, **_checksum_attrs(entry)}):
                        w.element(
                            "mets:FLocat",
                            None,
                            {"LOCTYPE": "URL", "xlink:type": "simple", "xlink:href": entry.path},
                        )
    structmap = w.block("mets:structMap", {"TYPE": "PHYSICAL", "LABEL": "CSIP"})
    with structmap, w.block("mets:div", {"ID": "div-root", "LABEL": package_id}):
        w.element(
            "mets:div",
            None,
            {
                "ID": "div-metadata",
                "LABEL": "Metadata",
                "DMDID": "dmd-description",
                "ADMID": "digiprov-premis",
            },
        )
        for n, (_, use) in enumerate(GROUPS, start=1):
            with w.block("mets:div", {"ID": f"div-{n}", "LABEL": use}):
                for file_id in file_ids[use]:
                    w.element("mets:fptr", None, {"FILEID": file_id})
    w.end()
