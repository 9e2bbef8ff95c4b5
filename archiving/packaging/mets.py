"""The METS documents and the PREMIS preservation metadata (E-ARK CSIP 2.1 + SIP 2.1, with the
agents FGS Paketstruktur 2.0 asks for).

The package has a root ``METS.xml`` and one ``METS.xml`` per representation. The root lists the
documentation, the schemas, the metadata and each representation's METS; each representation's
METS lists its own data files. Every file of the package is listed, with its checksum, by
exactly one METS document.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field

from .stream import FileEntry, XmlWriter, utc

METS_NS = "http://www.loc.gov/METS/"
XLINK_NS = "http://www.w3.org/1999/xlink"
CSIP_NS = "https://DILCIS.eu/XML/METS/CSIPExtensionMETS"
SIP_NS = "https://DILCIS.eu/XML/METS/SIPExtensionMETS"
PREMIS_NS = "http://www.loc.gov/premis/v3"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
SIP_PROFILE = "https://earksip.dilcis.eu/profile/E-ARK-SIP.xml"
CSIP_PROFILE = "https://earkcsip.dilcis.eu/profile/E-ARK-CSIP.xml"

# Content category (CSIP vocabulary, "Other" + our own name) and content information type.
CONTENT_CATEGORY = "Other"
OTHER_CONTENT_CATEGORY = "Social media account"
CONTENT_INFORMATION_TYPE = "OTHER"
OTHER_CONTENT_INFORMATION_TYPE = "haparanda-archive-1"

DESCRIPTION_PATH = "metadata/descriptive/description.xml"
PREMIS_PATH = "metadata/preservation/premis.xml"

REPRESENTATIONS = ("rep01-structured", "rep02-rendering")


def representation_of(path: str) -> str | None:
    """``rep01-structured`` for ``representations/rep01-structured/…``; None for root files."""
    if path.startswith("representations/"):
        return path.split("/", 2)[1]
    return None


@dataclass(frozen=True)
class Event:
    kind: str  # capture | rendering | packaging | validation (PREMIS event types)
    at: dt.datetime
    detail: str
    # The files the event concerns ("filepath" identifiers); every file for packaging.
    objects: tuple[str, ...] = ()
    identifier: str = field(default_factory=lambda: str(uuid.uuid4()))


@dataclass(frozen=True)
class Agents:
    """Who made the package: the system, the archive creator (arkivbildare), its number."""

    software: str
    version: str
    organisation: str
    organisation_number: str

    @property
    def software_id(self) -> str:
        return f"{self.software} {self.version}"


def _checksum_attrs(entry: FileEntry) -> dict:
    return {
        "MIMETYPE": entry.mimetype,
        "SIZE": entry.size,
        "CREATED": utc(entry.created),
        "CHECKSUM": entry.sha256,
        "CHECKSUMTYPE": "SHA-256",
    }


# --- PREMIS -------------------------------------------------------------------------------------


def write_premis(
    w: XmlWriter, *, entries: list[FileEntry], events: list[Event], agents: Agents
) -> None:
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
                    w.element("premis:messageDigestOriginator", agents.software)
                w.element("premis:size", entry.size)
                with w.block("premis:format"), w.block("premis:formatDesignation"):
                    w.element("premis:formatName", entry.mimetype)
            for event in events:
                if entry.path in event.objects:
                    with w.block("premis:linkingEventIdentifier"):
                        w.element("premis:linkingEventIdentifierType", "UUID")
                        w.element("premis:linkingEventIdentifierValue", event.identifier)
    for event in events:
        with w.block("premis:event"):
            with w.block("premis:eventIdentifier"):
                w.element("premis:eventIdentifierType", "UUID")
                w.element("premis:eventIdentifierValue", event.identifier)
            w.element("premis:eventType", event.kind)
            w.element("premis:eventDateTime", utc(event.at))
            with w.block("premis:eventDetailInformation"):
                w.element("premis:eventDetail", event.detail)
            with w.block("premis:eventOutcomeInformation"):
                w.element("premis:eventOutcome", "success")
            for kind, value, role in (
                ("software", agents.software_id, "executing program"),
                ("organisationsnummer", agents.organisation_number, "authorizer"),
            ):
                with w.block("premis:linkingAgentIdentifier"):
                    w.element("premis:linkingAgentIdentifierType", kind)
                    w.element("premis:linkingAgentIdentifierValue", value)
                    w.element("premis:linkingAgentRole", role)
            for path in event.objects:
                with w.block("premis:linkingObjectIdentifier"):
                    w.element("premis:linkingObjectIdentifierType", "filepath")
                    w.element("premis:linkingObjectIdentifierValue", path)
    with w.block("premis:agent"):
        with w.block("premis:agentIdentifier"):
            w.element("premis:agentIdentifierType", "software")
            w.element("premis:agentIdentifierValue", agents.software_id)
        w.element("premis:agentName", agents.software)
        w.element("premis:agentType", "software")
        w.element("premis:agentVersion", agents.version)
    with w.block("premis:agent"):
        with w.block("premis:agentIdentifier"):
            w.element("premis:agentIdentifierType", "organisationsnummer")
            w.element("premis:agentIdentifierValue", agents.organisation_number)
        w.element("premis:agentName", agents.organisation)
        w.element("premis:agentType", "organization")
    w.end()


# --- METS ---------------------------------------------------------------------------------------


def _root_attrs(*, objid: str, label: str, profile: str) -> dict:
    return {
        "xmlns:mets": METS_NS,
        "xmlns:xlink": XLINK_NS,
        "xmlns:csip": CSIP_NS,
        "xmlns:sip": SIP_NS,
        "xmlns:xsi": XSI_NS,
        "OBJID": objid,
        "LABEL": label,
        "TYPE": CONTENT_CATEGORY,
        "csip:OTHERTYPE": OTHER_CONTENT_CATEGORY,
        "csip:CONTENTINFORMATIONTYPE": CONTENT_INFORMATION_TYPE,
        "csip:OTHERCONTENTINFORMATIONTYPE": OTHER_CONTENT_INFORMATION_TYPE,
        "PROFILE": profile,
    }


def _group_attrs(n: int, use: str) -> dict:
    return {
        "ID": f"grp-{n}",
        "USE": use,
        "csip:CONTENTINFORMATIONTYPE": CONTENT_INFORMATION_TYPE,
        "csip:OTHERCONTENTINFORMATIONTYPE": OTHER_CONTENT_INFORMATION_TYPE,
    }


def _header(w: XmlWriter, *, created: dt.datetime, agents: Agents) -> None:
    """The SIP header: the system that made the package (CSIP), the archive creator
    (arkivbildare, FGS) and the submitting organisation with its organisationsnummer."""
    attrs = {
        "CREATEDATE": utc(created),
        "LASTMODDATE": utc(created),
        "RECORDSTATUS": "NEW",
        "csip:OAISPACKAGETYPE": "SIP",
    }
    with w.block("mets:metsHdr", attrs):
        with w.block("mets:agent", {"ROLE": "CREATOR", "TYPE": "OTHER", "OTHERTYPE": "SOFTWARE"}):
            w.element("mets:name", agents.software)
            w.element("mets:note", agents.version, {"csip:NOTETYPE": "SOFTWARE VERSION"})
        with w.block("mets:agent", {"ROLE": "ARCHIVIST", "TYPE": "ORGANIZATION"}):
            w.element("mets:name", agents.organisation)
            w.element(
                "mets:note", agents.organisation_number, {"csip:NOTETYPE": "IDENTIFICATIONCODE"}
            )
        attrs = {"ROLE": "ARCHIVIST", "TYPE": "OTHER", "OTHERTYPE": "SOFTWARE"}
        with w.block("mets:agent", attrs):
            w.element("mets:name", agents.software)
            w.element("mets:note", agents.version, {"csip:NOTETYPE": "SOFTWARE VERSION"})
        attrs = {"ROLE": "OTHER", "OTHERROLE": "SUBMITTER", "TYPE": "ORGANIZATION"}
        with w.block("mets:agent", attrs):
            w.element("mets:name", agents.organisation)
            w.element(
                "mets:note", agents.organisation_number, {"csip:NOTETYPE": "IDENTIFICATIONCODE"}
            )


def _file(w: XmlWriter, file_id: str, entry: FileEntry, href: str) -> None:
    with w.block("mets:file", {"ID": file_id, **_checksum_attrs(entry)}):
        w.element(
            "mets:FLocat", None, {"LOCTYPE": "URL", "xlink:type": "simple", "xlink:href": href}
        )


def _md_ref(w: XmlWriter, entry: FileEntry, href: str, mdtype: str, other: str | None) -> None:
    attrs = {
        "LOCTYPE": "URL",
        "xlink:type": "simple",
        "xlink:href": href,
        "MDTYPE": mdtype,
        "OTHERMDTYPE": other,
        **_checksum_attrs(entry),
    }
    w.element("mets:mdRef", None, attrs)


def write_representation_mets(
    w: XmlWriter,
    *,
    package_id: str,
    representation: str,
    created: dt.datetime,
    entries: list[FileEntry],
    agents: Agents,
) -> None:
    """The METS of one representation: its data files, paths relative to the representation."""
    prefix = f"representations/{representation}/"
    w.start(
        "mets:mets",
        _root_attrs(
            objid=f"{package_id}/{representation}",
            label=representation,
            profile=CSIP_PROFILE,
        ),
    )
    _header(w, created=created, agents=agents)
    file_ids = []
    with (
        w.block("mets:fileSec", {"ID": f"filesec-{representation}"}),
        w.block("mets:fileGrp", _group_attrs(1, "Data")),
    ):
        for i, entry in enumerate(entries, start=1):
            file_ids.append(f"file-{i}")
            _file(w, file_ids[-1], entry, entry.path.removeprefix(prefix))
    with (
        w.block("mets:structMap", {"ID": "structmap", "TYPE": "PHYSICAL", "LABEL": "CSIP"}),
        w.block("mets:div", {"ID": "div-root", "LABEL": representation}),
        w.block("mets:div", {"ID": "div-data", "LABEL": "Data"}),
    ):
        for file_id in file_ids:
            w.element("mets:fptr", None, {"FILEID": file_id})
    w.end()


def write_mets(
    w: XmlWriter,
    *,
    package_id: str,
    label: str,
    created: dt.datetime,
    entries: list[FileEntry],
    agents: Agents,
) -> None:
    """The package's root METS. ``entries`` are the root files and each representation's METS."""
    by_path = {e.path: e for e in entries}
    w.start("mets:mets", _root_attrs(objid=package_id, label=label, profile=SIP_PROFILE))
    _header(w, created=created, agents=agents)

    with w.block("mets:dmdSec", {"ID": "dmd-description", "CREATED": utc(created)}):
        _md_ref(w, by_path[DESCRIPTION_PATH], DESCRIPTION_PATH, "OTHER", "haparanda-archive-1")
    with w.block("mets:amdSec"), w.block("mets:digiprovMD", {"ID": "digiprov-premis"}):
        _md_ref(w, by_path[PREMIS_PATH], PREMIS_PATH, "PREMIS", None)

    groups = [("documentation/", "Documentation"), ("schemas/", "Schemas")] + [
        (f"representations/{rep}/", f"Representations/{rep}") for rep in REPRESENTATIONS
    ]
    file_ids: dict[str, list[str]] = {use: [] for _, use in groups}
    with w.block("mets:fileSec", {"ID": "filesec"}):
        for n, (prefix, use) in enumerate(groups, start=1):
            with w.block("mets:fileGrp", _group_attrs(n, use)):
                group = [e for e in entries if e.path.startswith(prefix)]
                for i, entry in enumerate(group, start=1):
                    file_ids[use].append(f"file-{n}-{i}")
                    _file(w, file_ids[use][-1], entry, entry.path)

    with (
        w.block("mets:structMap", {"ID": "structmap", "TYPE": "PHYSICAL", "LABEL": "CSIP"}),
        w.block("mets:div", {"ID": "div-root", "LABEL": package_id}),
    ):
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
        for n, (_prefix, use) in enumerate(groups[:2], start=1):
            with w.block("mets:div", {"ID": f"div-{n}", "LABEL": use}):
                for file_id in file_ids[use]:
                    w.element("mets:fptr", None, {"FILEID": file_id})
        with w.block("mets:div", {"ID": "div-representations", "LABEL": "Representations"}):
            for _prefix, use in groups[2:]:
                for file_id in file_ids[use]:
                    w.element("mets:fptr", None, {"FILEID": file_id})
            for n, rep in enumerate(REPRESENTATIONS, start=1):
                with w.block("mets:div", {"ID": f"div-rep-{n}", "LABEL": f"Representations/{rep}"}):
                    w.element(
                        "mets:mptr",
                        None,
                        {
                            "LOCTYPE": "URL",
                            "xlink:type": "simple",
                            "xlink:href": f"representations/{rep}/METS.xml",
                            "xlink:title": f"METS of {rep}",
                        },
                    )
    w.end()
