"""Journey: the communicator sets a retention rule, sees a proposal, places a hold on one
account, approves, and reads the culling log showing the held account untouched (R22)."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from .conftest import login, screenshot

pytestmark = pytest.mark.browser


def _old_comment(account, platform_id, text):
    from moderation.models import Item, ItemKind, ItemSource
    from moderation.services import ingest_item

    published = dt.datetime(2021, 5, 4, 12, tzinfo=timezone.get_default_timezone())
    item = ingest_item(
        account=account,
        platform_id=platform_id,
        kind=ItemKind.COMMENT,
        author_name="Anna Andersson",
        text=text,
        published_at=published,
        source=ItemSource.API,
    ).item
    Item.objects.filter(pk=item.pk).update(status="handled")
    return item


def test_the_communicator_culls_by_rule_and_the_held_account_is_untouched(page, fresh_demo_url):
    from accounts.models import AccountStatus, SocialAccount
    from moderation.models import Item

    base_url = fresh_demo_url
    held_account, other_account = SocialAccount.objects.filter(
        status=AccountStatus.ACTIVE
    ).order_by("pk")[:2]
    held = _old_comment(held_account, "gallring-1", "Kommentar i en tvist")
    culled = _old_comment(other_account, "gallring-2", "Gammal fråga om soptömning")

    login(page, base_url, "karin.kommunikator")
    page.get_by_role("link", name="Gallring").click()
    page.get_by_text("Standard: förslag att bekräfta").first.wait_for()

    # The communicator records the municipality's rule for visitors' comments.
    page.get_by_role("link", name="Besökares kommentarer och svar").click()
    page.get_by_label("Tid i månader").fill("12")
    page.get_by_label("Tiden räknas från").select_option("end_of_year")
    page.get_by_label("Gallras direkt (gallras)").check()
    page.get_by_label("Beslutat av").fill("Kommunstyrelsen")
    page.get_by_label("Beslutsdatum").fill("2025-03-01")
    page.get_by_label("Diarienummer").fill("KS 2025/17")
    page.get_by_label("Varför regeln ändras").fill("Informationshanteringsplanen antagen.")
    page.get_by_role("button", name="Spara en ny version").click()
    page.get_by_text("Version 2 av regeln gäller nu.").wait_for()

    # A proposal shows both old comments.
    page.get_by_role("link", name="Förslag", exact=True).click()
    page.get_by_role("button", name="Upprätta ett förslag nu").click()
    section = page.get_by_role("region", name=re.compile("Besökares kommentarer"))
    assert section.locator("[data-kind=visitor_items]").inner_text() == "2"
    proposal_url = page.url

    # A hold on one account; the proposal made before it is now outdated.
    page.get_by_role("link", name="Spärrar", exact=True).click()
    page.get_by_label("Spärren gäller").select_option("account")
    page.locator("#id_account").select_option(str(held_account.pk))
    page.get_by_label("Motivering").fill("Tvist om ett inlägg, dnr KS 2026/301")
    page.get_by_role("button", name="Lägg spärren").click()
    page.get_by_text("Spärren är lagd").wait_for()

    page.goto(proposal_url)
    page.get_by_role("button", name="Godkänn och gallra").click()
    page.get_by_text("Handlingarna har ändrats sedan förslaget upprättades").wait_for()

    page.get_by_role("link", name="Förslag", exact=True).click()
    page.get_by_role("button", name="Upprätta ett förslag nu").click()
    section = page.get_by_role("region", name=re.compile("Besökares kommentarer"))
    assert section.locator("[data-kind=visitor_items]").inner_text() == "1"
    page.get_by_role("textbox", name="Kommentar").fill("Enligt informationshanteringsplanen.")
    page.get_by_role("button", name="Godkänn och gallra").click()
    page.get_by_text("Förslaget är godkänt").wait_for()

    page.get_by_role("link", name="Gallringslogg", exact=True).first.click()
    row = page.locator("tr", has=page.locator("[data-kind=visitor_items]"))
    assert row.locator("[data-kind=visitor_items]").inner_text().startswith("1")
    assert "Karin" in row.inner_text()
    assert "1 spärrad, inte gallrad" in row.inner_text()
    screenshot(page, "journey-retention")

    held.refresh_from_db()
    culled.refresh_from_db()
    assert held.culled_at is None and held.text == "Kommentar i en tvist"
    assert culled.culled_at is not None and culled.text == ""
    assert Item.objects.filter(account=held_account, culled_at__isnull=False).count() == 0
