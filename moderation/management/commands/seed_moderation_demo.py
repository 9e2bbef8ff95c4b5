"""Demo data for moderation: a realistic Swedish queue on the demo accounts.

Run after the demo users and accounts exist (the general demo command calls this one). Safe to
run again: an item that already exists is left as it is, and nothing is duplicated.
"""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from accounts.models import SocialAccount, User
from moderation.models import Item, ItemKind, ItemSource
from moderation.response_model import LegalGround, Outcome
from moderation.services import (
    daily_check_record,
    ingest_item,
    response_model_ensure_default,
    triage_item,
)
from moderation.workdays import local_today, previous_working_day

FACEBOOK = "https://www.facebook.com/haparandastad"
INSTAGRAM = "https://www.instagram.com/haparandakultur"
USERS = ("karin.kommunikator", "olle.agare", "disa.ersattare", "adam.admin")

NO5 = ["nej"] * 5

# (account, platform id, kind, author, hours ago, text, extra)
OPEN_ITEMS = [
    (
        FACEBOOK,
        "demo-fb-post-1",
        ItemKind.POST,
        "Haparanda stad",
        80,
        "Nu drar vinterns snöröjning igång! Huvudgator och busslinjer plogas först, sedan "
        "bostadsgator. Läs mer på haparanda.se/snorojning.",
        {"by_municipality": True},
    ),
    (
        FACEBOOK,
        "demo-fb-1",
        ItemKind.COMMENT,
        "Maja Lind",
        75,
        "När plogas Västra Esplanaden? Det har inte plogats sedan i lördags och bilen sitter fast.",
        {"parent_platform_id": "demo-fb-post-1"},
    ),
    (
        FACEBOOK,
        "demo-fb-2",
        ItemKind.COMMENT,
        "Erik Niemi",
        52,
        "Hej! Vilka öppettider har medborgarservice i mellandagarna?",
        {},
    ),
    (
        FACEBOOK,
        "demo-fb-3",
        ItemKind.COMMENT,
        "Sofia Kallio",
        30,
        "Gatlampan vid busshållplatsen på Storgatan 42 har varit trasig i en vecka. Det är "
        "becksvart när barnen väntar på skolbussen.",
        {},
    ),
    (
        FACEBOOK,
        "demo-fb-4",
        ItemKind.COMMENT,
        "Sanningen_Haparanda",
        28,
        "Typiskt Haparanda stad, ni kan INGENTING. Lägg ner hela kommunen och sparka alla!!!",
        {},
    ),
    (
        FACEBOOK,
        "demo-fb-5",
        ItemKind.COMMENT,
        "Lars Öberg",
        26,
        "Min pappa Bengt (19121212-1212) har fortfarande inte fått något beslut om färdtjänst. "
        "Vad håller ni på med?",
        {},
    ),
    (
        FACEBOOK,
        "demo-fb-6",
        ItemKind.COMMENT,
        "Anonym granne",
        20,
        "Grannen på Rådhusgatan bygger ett stort garage utan bygglov, det står redan halvfärdigt "
        "tätt inpå tomtgränsen. Kan någon på kommunen kolla?",
        {},
    ),
    (
        FACEBOOK,
        "demo-fb-7",
        ItemKind.COMMENT,
        "Kent Rantakyrö",
        9,
        "Badhuset är stängt hela sommaren har jag hört. Snyggt jobbat...",
        {},
    ),
    (
        FACEBOOK,
        "demo-fb-8",
        ItemKind.MESSAGE,
        "Aino Palo",
        6,
        "Hej, jag har fått avslag på min ansökan om bostadsanpassning och förstår inte varför. "
        "Kan ni förklara vad handläggaren menar i beslutet?",
        {},
    ),
    (
        FACEBOOK,
        "demo-fb-9",
        ItemKind.COMMENT,
        "Johan Wiik",
        5,
        "Varför är biblioteket stängt idag?",
        {"edit": "Varför är biblioteket stängt idag? Det står att det är öppet på hemsidan."},
    ),
    (
        FACEBOOK,
        "demo-fb-10",
        ItemKind.COMMENT,
        "Arg medborgare",
        4,
        "Kommunalrådet är en idiot och borde skämmas, alla vet vad han håller på med.",
        {"deleted": True},
    ),
    (
        INSTAGRAM,
        "demo-ig-1",
        ItemKind.COMMENT,
        "lisa.haparanda",
        27,
        "Vilken fantastisk konsert i Kulturhuset igår! Tack till alla som ordnade den 😍",
        {},
    ),
    (
        INSTAGRAM,
        "demo-ig-2",
        ItemKind.COMMENT,
        "familjen_berg",
        3,
        "Vi stod i kö i en timme till skridskodiscot och sedan var det fullt. Dåligt ordnat, "
        "barnen var så besvikna.",
        {},
    ),
]

# Already handled, so the statistics page has data: (…, answers, outcome fields).
HANDLED_ITEMS = [
    (
        INSTAGRAM,
        "demo-ig-3",
        ItemKind.COMMENT,
        "Matti Koski",
        7,
        "Är det gratis inträde på vinterutställningen?",
        [*NO5, "ja", "ja"],
        {
            "reply_text": "Hej Matti! Ja, utställningen i Kulturhuset är gratis hela vintern. "
            "Välkommen!"
        },
    ),
    (
        INSTAGRAM,
        "demo-ig-4",
        ItemKind.COMMENT,
        "Eva Lehto",
        6,
        "Så fina bilder från isfestivalen!",
        [*NO5, "nej", "ja", "ja"],
        {"reply_text": "Tack Eva, vad roligt att du gillar dem!"},
    ),
    (
        FACEBOOK,
        "demo-fb-11",
        ItemKind.COMMENT,
        "Pekka Harju",
        8,
        "Det läcker vatten ur en brunn på Köpmansgatan, det har bildats en stor isfläck.",
        ["nej", "nej", "ja"],
        None,
    ),
    (
        FACEBOOK,
        "demo-fb-12",
        ItemKind.COMMENT,
        "Hatkonto 88",
        5,
        "Alla invandrare i Haparanda borde [hets mot folkgrupp, återgivet i dokumentationen].",
        ["ja"],
        {
            "legal_ground": LegalGround.HATE_SPEECH,
            "visitor_notice": "Vi har tagit bort din kommentar eftersom den stred mot lag och mot "
            "reglerna för kontot. Inlägget har dokumenterats.",
            "reason": "Uppenbar hets mot folkgrupp, BBS-lagen 5 §.",
        },
    ),
]


class Command(BaseCommand):
    help = "Create a realistic moderation queue on the demo accounts (idempotent)."

    def handle(self, *args, **options):
        users = {u.username: u for u in User.objects.filter(username__in=USERS)}
        accounts = {
            a.url: a for a in SocialAccount.objects.active().filter(url__in=(FACEBOOK, INSTAGRAM))
        }
        missing = [name for name in USERS if name not in users] + [
            url for url in (FACEBOOK, INSTAGRAM) if url not in accounts
        ]
        if missing:
            self.stdout.write(
                "Moderation demo skipped: create the demo users and accounts first "
                f"(missing: {', '.join(missing)})."
            )
            return
        model = response_model_ensure_default()
        owner = users["olle.agare"]
        now = timezone.now()
        created = 0
        with transaction.atomic():
            for url, pid, kind, author, hours, text, extra in OPEN_ITEMS:
                account = accounts[url]
                if Item.objects.filter(account=account, platform_id=pid).exists():
                    continue
                extra = dict(extra)
                edit = extra.pop("edit", None)
                deleted = extra.pop("deleted", False)
                published = now - dt.timedelta(hours=hours)
                source = ItemSource.FACEBOOK if url == FACEBOOK else ItemSource.INSTAGRAM
                common = dict(
                    account=account,
                    platform_id=pid,
                    kind=kind,
                    author_name=author,
                    published_at=published,
                    source=source,
                    link=f"{url}/posts/{pid}",
                    **extra,
                )
                ingest_item(text=text, **common)
                if edit:
                    ingest_item(
                        text=edit, changed_at=published + dt.timedelta(minutes=20), **common
                    )
                if deleted:
                    ingest_item(
                        text=text,
                        deleted=True,
                        changed_at=published + dt.timedelta(hours=1),
                        **common,
                    )
                created += 1
            for url, pid, kind, author, hours, text, answers, fields in HANDLED_ITEMS:
                account = accounts[url]
                if Item.objects.filter(account=account, platform_id=pid).exists():
                    continue
                item = ingest_item(
                    account=account,
                    platform_id=pid,
                    kind=kind,
                    author_name=author,
                    text=text,
                    published_at=now - dt.timedelta(hours=hours),
                    source=ItemSource.FACEBOOK if url == FACEBOOK else ItemSource.INSTAGRAM,
                    link=f"{url}/posts/{pid}",
                ).item
                if fields is None:
                    from moderation.replies import template_reply

                    fields = {
                        "reply_text": template_reply(
                            Outcome.REFER_FAULT_REPORT, author_name=author.split()[0]
                        )
                    }
                triage_item(item=item, actor=owner, response_model=model, answers=answers, **fields)
                created += 1
            yesterday = previous_working_day(local_today())
            for account in accounts.values():
                daily_check_record(
                    account=account, actor=owner, day=yesterday, note="Allt hanterat."
                )
        # A connector for the demo Page, without a token: its outcomes are done by hand and the
        # connectors page has something to show.
        from connectors.services import connector_configure

        connector_configure(
            account=accounts[FACEBOOK], platform="facebook", external_id="104500000000001"
        )
        self.stdout.write(f"Moderation demo: {created} new items.")
