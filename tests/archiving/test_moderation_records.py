"""A package built from the moderation app's own records (skipped until that app has models)."""

import datetime as dt
import zipfile
from importlib import import_module

import pytest
from django.apps import apps
from django.core.files.storage import default_storage
from django.utils import timezone
from lxml import etree

from archiving import services

from .factories import approve_in_the_past, pending_snapshot

try:
    apps.get_model("moderation", "Item")
except LookupError:
    pytest.skip("the moderation app has no Item model yet", allow_module_level=True)

NS = {"a": "urn:haparanda-social:archive:1"}
REP1 = "representations/rep01-structured/data"


def test_a_package_holds_items_versions_removals_and_their_evidence(active_account, owner):
    # Imported by name: the module exists only once the moderation app has its models.
    moderation = import_module("moderation.services")
    ItemKind = import_module("moderation.models").ItemKind
    ItemSource = import_module("moderation.models").ItemSource
    LegalGround = import_module("moderation.response_model").LegalGround

    account = approve_in_the_past(active_account, 2024)
    when = timezone.now() - dt.timedelta(hours=3)
    common = {"account": account, "kind": ItemKind.COMMENT, "source": ItemSource.API}
    kept = moderation.ingest_item(
        platform_id="p1",
        author_name="Anna <b>Andersson</b>",
        text="Ring mig på 070-123 45 67",
        published_at=when,
        **common,
    ).item
    moderation.ingest_item(
        platform_id="p1",
        author_name="Anna <b>Andersson</b>",
        text="Ändrad text",
        published_at=when,
        changed_at=when + dt.timedelta(minutes=5),
        **common,
    )
    removed = moderation.ingest_item(
        platform_id="p2", author_name="Troll", text="Hot", published_at=when, **common
    ).item
    evidence = moderation.evidence_take(item=removed, actor=owner)
    moderation.item_mark_removed(
        item=removed,
        evidence=evidence,
        actor=owner,
        legal_ground=LegalGround.values[0],
        reason="Olaga hot.",
        visitor_notice="Ditt inlägg togs bort.",
    )
    today = timezone.localdate()
    snapshot = pending_snapshot(account, period_start=dt.date(today.year, 1, 1), period_end=today)

    snapshot = services.build_snapshot(snapshot_id=snapshot.pk)

    root = str(snapshot.package_id)
    with default_storage.open(snapshot.file.name) as f, zipfile.ZipFile(f) as zf:
        items = etree.fromstring(zf.read(f"{root}/{REP1}/items.xml"))
        moderation_xml = etree.fromstring(zf.read(f"{root}/{REP1}/moderation.xml"))
        names = zf.namelist()
    assert snapshot.counts["items"] == 2
    first = items.find(f"a:item[@id='{kept.pk}']", NS)
    assert first.find("a:author", NS).text == "Anna <b>Andersson</b>"
    assert len(first.findall("a:versions/a:version", NS)) == 2
    assert first.find("a:flags/a:flag", NS) is not None
    removal = moderation_xml.find("a:action[@kind='removed']", NS)
    assert removal.find("a:legalGround", NS).text == LegalGround.values[0]
    assert f"{root}/{REP1}/removed/{removed.pk}/evidence-{evidence.pk}.html" in names
