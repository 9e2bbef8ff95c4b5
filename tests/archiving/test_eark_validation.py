"""Packages pass the E-ARK reference validator (eark-validator 1.1.3) against CSIP 2.1 and, as
submissions, SIP 2.1.

The validator pins an lxml the project does not use, so it lives in its own virtualenv
(``.venv-eark``, made by ``scripts/bootstrap.sh``; another place with ``EARK_VALIDATOR_PYTHON``)
and runs as a separate process through ``eark_offline.py``, which answers its vocabulary
downloads from the files its package ships: nothing it checks is changed.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
from importlib import import_module
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone

from accounts.models import SocialAccount
from archiving import services
from archiving.models import SnapshotKind, SnapshotStatus

from .factories import approve_in_the_past

ROOT = Path(__file__).resolve().parents[2]
RUNNER = Path(__file__).with_name("eark_offline.py")
TZ = timezone.get_default_timezone()

# eark-validator 1.1.3's SIP rules check an unqualified ``@NOTETYPE = 'IDENTIFICATIONCODE'`` on
# the note of every agent with ROLE="CREATOR". CSIP 2.1 requires exactly that agent to be the
# software, with one note carrying ``csip:NOTETYPE="SOFTWARE VERSION"`` (CSIP11–CSIP16), and the
# METS schema allows no unqualified attribute on a note. No METS document can satisfy both, so
# this one assertion, on the software agent's note only, is the one result not counted.
SOFTWARE_AGENT_NOTE = (
    "[local-name()='agent' and namespace-uri()='http://www.loc.gov/METS/'][1]"
    "/*[local-name()='note' and namespace-uri()='http://www.loc.gov/METS/']"
)
SELF_CONTRADICTORY = {("SIP14", SOFTWARE_AGENT_NOTE)}


def _validator_python() -> str:
    python = os.environ.get("EARK_VALIDATOR_PYTHON") or str(ROOT / ".venv-eark" / "bin" / "python")
    if not Path(python).exists():
        pytest.fail(
            f"The E-ARK validator is not installed at {python}: run scripts/bootstrap.sh "
            "(or set EARK_VALIDATOR_PYTHON)."
        )
    return python


def validate(path: Path) -> dict:
    done = subprocess.run(  # noqa: S603 - our own runner on a package we just built
        [_validator_python(), str(RUNNER), str(path)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def counted_errors(report: dict) -> list[dict]:
    return [
        e
        for e in report["errors"]
        if not any(
            e.get("rule_id") == rule and (e.get("location") or "").endswith(part)
            for rule, part in SELF_CONTRADICTORY
        )
    ]


def _package_path(snapshot, tmp_path: Path) -> Path:
    out = tmp_path / f"{snapshot.package_id}.zip"
    with default_storage.open(snapshot.file.name, "rb") as f:
        out.write_bytes(f.read())
    return out


def _moderated_items(account: SocialAccount, actor) -> None:
    try:
        moderation = import_module("moderation.services")
        models = import_module("moderation.models")
        ground = import_module("moderation.response_model").LegalGround.values[0]
    except (ImportError, LookupError):  # pragma: no cover - before the moderation app
        return
    common = {"account": account, "kind": models.ItemKind.COMMENT, "source": models.ItemSource.API}
    when = timezone.now()
    moderation.ingest_item(
        platform_id="p1",
        author_name="Anna",
        text="Fråga <b>om</b> & soptömning",
        published_at=when,
        **common,
    )
    removed = moderation.ingest_item(
        platform_id="p2", author_name="Troll", text="Hot", published_at=when, **common
    ).item
    evidence = moderation.evidence_take(item=removed, actor=actor)
    moderation.item_mark_removed(
        item=removed,
        evidence=evidence,
        actor=actor,
        legal_ground=ground,
        reason="Olaga hot.",
        visitor_notice="Ditt inlägg togs bort.",
    )
    _captured_media(account, common, when)


def _captured_media(account: SocialAccount, common: dict, when) -> None:
    """An item with a stored image and a text XML 1.0 cannot hold (issue 15)."""
    import responses

    from connectors.events import InboundAttachment
    from connectors.media import attachment_download, attachments_record, exact_text_record
    from connectors.services import storable_text

    moderation = import_module("moderation.services")
    exact = "Kontroll\x00tecken\x07 och \ufffe"
    item = moderation.ingest_item(
        platform_id="p3", author_name="Bild", text=storable_text(exact), published_at=when, **common
    ).item
    exact_text_record(item=item, exact=exact)
    url = "https://scontent.cdninstagram.com/v/bild.png"
    (attachment,) = attachments_record(
        item=item, attachments=[InboundAttachment(url=url, kind="image")]
    )
    with responses.RequestsMock() as mock:
        mock.get(url, body=b"\x89PNG\r\n\x1a\n" + bytes(200), content_type="image/png")
        assert attachment_download(attachment_id=attachment.pk).status == "stored"


@pytest.mark.django_db(transaction=False)
def test_yearly_and_closing_packages_pass_the_reference_validator(
    active_account, owner, communicator, time_machine, tmp_path, settings
):
    settings.ARCHIVE_ORGANISATION_NUMBER = "212000-2841"
    account = approve_in_the_past(active_account, 2024)
    time_machine.move_to(dt.datetime(2025, 6, 10, 10, tzinfo=TZ))
    _moderated_items(account, owner)
    time_machine.move_to(dt.datetime(2026, 1, 2, 3, tzinfo=TZ))

    yearly, _ = services.request_yearly_snapshot(account=account, year=2025)
    closing = services.request_closure_snapshot(account=account, actor=communicator)
    yearly = services.build_snapshot(snapshot_id=yearly.pk)
    closing = services.build_snapshot(snapshot_id=closing.pk)
    assert (yearly.status, closing.status) == (SnapshotStatus.COMPLETE, SnapshotStatus.COMPLETE)
    assert closing.kind == SnapshotKind.CLOSURE

    for snapshot in (yearly, closing):
        report = validate(_package_path(snapshot, tmp_path))
        assert report["structure"] == "WellFormed", report
        assert counted_errors(report) == [], json.dumps(report["errors"], indent=1)
        details = report["package"]["details"]
        assert details["oaispackagetype"] == "SIP"
