"""A yearly package holds the whole year, and only once the year has ended (issue #14)."""

import datetime as dt
import zipfile
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.utils import timezone
from lxml import etree

from archiving import services
from archiving.models import Snapshot, SnapshotKind
from moderation import services as moderation
from moderation.models import ItemKind, ItemSource, OutboundAction
from moderation.response_model import LegalGround

from .factories import approve_in_the_past

TZ = timezone.get_default_timezone()
NS = {"a": "urn:haparanda-social:archive:1"}
REP1 = "representations/rep01-structured/data"


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=TZ)


@pytest.fixture
def account(active_account):
    return approve_in_the_past(active_account, 2024)


# --- Refused before the year has ended ---------------------------------------------------------


def test_a_yearly_snapshot_of_the_current_year_is_refused(account, time_machine):
    time_machine.move_to(at(2026, 11, 29, 12))
    with pytest.raises(ValidationError) as refused:
        services.schedule_yearly_snapshots(year=2026)
    assert refused.value.messages == [
        "Den årliga ögonblicksbilden för 2026 kan göras först när året är slut, "
        "från 1 januari 2027."
    ]
    with pytest.raises(ValidationError):
        services.request_yearly_snapshot(account=account, year=2026)
    with pytest.raises(ValidationError):
        services.request_yearly_snapshot(account=account, year=2027)
    assert not Snapshot.objects.filter(kind=SnapshotKind.YEARLY).exists()


def test_the_year_is_accepted_from_new_year_in_swedish_time(account, time_machine):
    time_machine.move_to(at(2026, 12, 31, 23, 59))
    with pytest.raises(ValidationError):
        services.schedule_yearly_snapshots(year=2026)
    time_machine.move_to(at(2027, 1, 1, 0, 1))
    assert len(services.schedule_yearly_snapshots(year=2026)) == 1


def test_the_yearly_command_refuses_a_year_that_has_not_ended(account, time_machine):
    time_machine.move_to(at(2026, 11, 29, 12))
    with pytest.raises(CommandError, match="kan göras först när året är slut"):
        call_command("archive_yearly", "--year", "2026", stdout=StringIO())
    out = StringIO()
    call_command("archive_yearly", "--year", "2025", stdout=out)
    assert Snapshot.objects.filter(kind=SnapshotKind.YEARLY, year=2025).count() == 1


# --- Everything that happened in the year ------------------------------------------------------


def _build_year(account, year):
    snapshot, _ = services.request_yearly_snapshot(account=account, year=year)
    snapshot = services.build_snapshot(snapshot_id=snapshot.pk)
    root = str(snapshot.package_id)
    with default_storage.open(snapshot.file.name) as f, zipfile.ZipFile(f) as zf:
        items = etree.fromstring(zf.read(f"{root}/{REP1}/items.xml"))
        mod = etree.fromstring(zf.read(f"{root}/{REP1}/moderation.xml"))
    return snapshot, items, mod


def test_a_later_version_and_later_actions_land_in_the_year_they_happened(
    account, owner, time_machine
):
    common = {"account": account, "kind": ItemKind.COMMENT, "source": ItemSource.API}
    time_machine.move_to(at(2025, 12, 30, 20))
    item = moderation.ingest_item(
        platform_id="p1",
        author_name="Anna",
        text="Första",
        published_at=at(2025, 12, 30, 20),
        **common,
    ).item

    time_machine.move_to(at(2026, 1, 2, 3))
    _, items_2025, _ = _build_year(account, 2025)

    time_machine.move_to(at(2026, 1, 5, 9))
    moderation.ingest_item(
        platform_id="p1",
        author_name="Anna",
        text="Ändrad hot",
        published_at=at(2025, 12, 30, 20),
        changed_at=at(2026, 1, 5, 9),
        **common,
    )
    evidence = moderation.evidence_take(item=item, actor=owner)
    removal = moderation.item_mark_removed(
        item=item,
        evidence=evidence,
        actor=owner,
        legal_ground=LegalGround.values[0],
        reason="Olaga hot.",
        visitor_notice="Ditt inlägg togs bort.",
    )
    # Setup: the delete the removal asks of the platform, to be done by hand.
    OutboundAction.objects.create(
        item=item, moderation_action=removal, kind="delete", requested_by=owner, status="manual"
    )

    time_machine.move_to(at(2027, 1, 2, 3))
    snapshot_2026, items_2026, mod_2026 = _build_year(account, 2026)

    # 2025 holds the item as it was in 2025: one version.
    first = items_2025.find(f"a:item[@id='{item.pk}']", NS)
    assert first.get("scope") is None
    assert [
        v.findtext("a:text", namespaces=NS) for v in first.findall("a:versions/a:version", NS)
    ] == ["Första"]
    # 2026 refers to the 2025 item and holds what happened to it in 2026: the new version …
    ref = items_2026.find(f"a:item[@id='{item.pk}']", NS)
    assert ref is not None and ref.get("scope") == "earlier"
    texts = [v.findtext("a:text", namespaces=NS) for v in ref.findall("a:versions/a:version", NS)]
    assert texts == ["Ändrad hot"]
    # … the removal and the actions asked of the platform, and the evidence.
    assert mod_2026.find(f"a:action[@itemId='{item.pk}'][@kind='removed']", NS) is not None
    assert mod_2026.findall(f"a:outbound[@itemId='{item.pk}']", NS)
    assert snapshot_2026.counts["evidence"] == 1
    assert snapshot_2026.counts["items"] == 1
