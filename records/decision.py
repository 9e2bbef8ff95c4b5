"""The written decision (avslagsbeslut) when anything in a request is withheld or masked.

Generated from the reviews, in Swedish whatever the interface language, as plain text: the
request, what is released, which provisions of offentlighets- och sekretesslagen (2009:400)
each withholding or masking rests on, who decided, and how to appeal (överklagande till
kammarrätten, lämnas till kommunen inom tre veckor från det att beslutet togs emot). It names
items by reference only and never holds the requester's name or contact, nor the masked text.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings

from moderation.workdays import STOCKHOLM

from .models import RecordsRequest, ReviewOutcome

CHANNEL_WORDS = {
    "email": "e-post",
    "phone": "telefon",
    "letter": "brev",
    "visit": "besök",
    "form": "webbformulär",
}


@dataclass(frozen=True)
class ReviewLine:
    reference: str
    outcome: str
    citation: str
    description: str


def _date(moment: dt.datetime) -> str:
    return moment.astimezone(STOCKHOLM).strftime("%Y-%m-%d")


def decision_text(
    request: RecordsRequest,
    lines: list[ReviewLine],
    *,
    decided_at: dt.datetime,
    decided_by: str,
) -> str | None:
    """The decision, or None when every item is released whole."""
    withheld = [line for line in lines if line.outcome == ReviewOutcome.WITHHOLD]
    masked = [line for line in lines if line.outcome == ReviewOutcome.MASK]
    if not withheld and not masked:
        return None
    municipality = settings.MUNICIPALITY_NAME
    released = len(lines) - len(withheld)
    text = [
        municipality,
        "BESLUT",
        "Beslut om utlämnande av allmänna handlingar",
        "",
        f"Ärende: {request.reference}",
        f"Begäran kom in: {_date(request.received_at)} ({CHANNEL_WORDS.get(request.channel, '')})",
        f"Beslutsdatum: {_date(decided_at)}",
        "",
        "Beslut",
        (
            f"{municipality} har prövat begäran om att få ta del av allmänna handlingar. "
            f"Av {len(lines)} handlingar lämnas {released} ut"
            + (f", varav {len(masked)} med maskerade uppgifter" if masked else "")
            + "."
        ),
    ]
    if withheld:
        text.append(
            f"Begäran avslås för {len(withheld)} handlingar, som inte lämnas ut (se nedan)."
        )
    by_provision: dict[tuple[str, str], list[ReviewLine]] = defaultdict(list)
    for line in withheld + masked:
        by_provision[(line.citation, line.description)].append(line)
    text += ["", "Skäl"]
    text.append(
        "Uppgifterna omfattas av sekretess enligt följande bestämmelser i offentlighets- och "
        "sekretesslagen (2009:400), OSL:"
    )
    for (citation, description), group in sorted(by_provision.items()):
        text.append(f"- {citation} OSL ({description}):")
        for line in group:
            what = "lämnas inte ut" if line.outcome == ReviewOutcome.WITHHOLD else "maskerad"
            text.append(f"  {line.reference}: {what}")
    text += [
        "",
        f"Beslutet har fattats av {decided_by}.",
        "",
        "Hur man överklagar",
        (
            f"Du kan överklaga beslutet hos {settings.RECORDS_APPEAL_COURT}. Överklagandet ska "
            f"vara skriftligt och lämnas till {municipality}, inte till kammarrätten. Det måste "
            "ha kommit in inom tre veckor från den dag du tog emot beslutet. Skriv vilket beslut "
            "du överklagar (ange ärendet ovan), hur du vill att beslutet ska ändras och varför. "
            "Du behöver inte uppge ditt namn, men utan en adress kan kammarrätten inte skicka "
            "sitt avgörande till dig."
        ),
    ]
    return "\n".join(text) + "\n"
