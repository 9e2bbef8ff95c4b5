"""Templated texts that are published to visitors, in Swedish whatever the interface language
(R13, R14): replies for referrals and forwards, notices of removal, and the sender's signature."""

from __future__ import annotations

from django.conf import settings

from .response_model import LegalGround, Outcome


def signature(user) -> str:
    name = (user.first_name or user.get_username()).strip()
    return f"/{name}, {settings.MUNICIPALITY_NAME}"


def sign(text: str, user) -> str:
    text = text.strip()
    sig = signature(user)
    if text.endswith(sig):
        return text
    return f"{text}\n\n{sig}"


def _hello(author_name: str) -> str:
    # Greet by first name when the author gives a full name; a handle is used as it is.
    first = author_name.split()[0] if author_name.strip() else ""
    return f"Hej {first}!" if first else "Hej!"


def template_reply(outcome: str, *, author_name: str = "", recipient: str = "") -> str:
    hello = _hello(author_name)
    if outcome == Outcome.REFER_FAULT_REPORT:
        return (
            f"{hello} Tack för att du hör av dig. Felanmälan gör du enklast på "
            f"{settings.FAULT_REPORT_URL} eller på telefon {settings.MUNICIPALITY_PHONE}, så "
            "hamnar den direkt hos rätt handläggare och du kan följa ärendet."
        )
    if outcome == Outcome.REFER_INDIVIDUAL_CASE:
        return (
            f"{hello} Frågor om enskilda ärenden kan vi tyvärr inte hantera här, eftersom allt "
            "som skrivs här är offentligt. Kontakta oss gärna på telefon "
            f"{settings.MUNICIPALITY_PHONE} eller via e-post, så hjälper vi dig vidare."
        )
    if outcome == Outcome.FORWARD_TO_DEPARTMENT:
        to = f" till {recipient}" if recipient else ""
        return (
            f"{hello} Tack för din anmälan. Vi har vidarebefordrat den{to} för diarieföring och "
            "handläggning i kommunens ordinarie ärendehantering. Eftersom sådana ärenden "
            "handläggs i särskild ordning tar vi bort inlägget härifrån."
        )
    if outcome == Outcome.FORWARD_FOR_ANSWER:
        who = recipient or "en kollega som kan frågan"
        return f"{hello} Bra fråga! Vi har skickat den vidare till {who}, som återkommer med svar."
    return ""


def visitor_notice(legal_ground: str, *, author_name: str = "") -> str:
    hello = _hello(author_name)
    if legal_ground == LegalGround.PERSONAL_DATA:
        why = "eftersom den innehöll personuppgifter som inte får publiceras här"
    elif legal_ground == LegalGround.CONFIDENTIAL:
        why = "eftersom den innehöll uppgifter som omfattas av sekretess"
    elif legal_ground == LegalGround.ACCOUNT_RULES:
        why = (
            "eftersom den bröt mot reglerna för kontot, som inte tillåter reklam, spam eller "
            "inlägg utan koppling till kontots ämne"
        )
    elif legal_ground == LegalGround.CASE_HANDLING:
        why = "eftersom ärendet har lämnats vidare till kommunens ordinarie ärendehantering"
    else:
        why = "eftersom den stred mot lag och mot reglerna för kontot"
    return (
        f"{hello} Vi har tagit bort din kommentar {why}. Inlägget har dokumenterats enligt "
        f"{settings.MUNICIPALITY_NAME}s riktlinjer för sociala medier. Hör gärna av dig till oss "
        f"på telefon {settings.MUNICIPALITY_PHONE} om du har frågor."
    )
