"""The standard visitor information (R6), built from the account's own data, in each language.

The five statements are templates (gettext strings) filled in with the account's data. The texts
that the owner files and the communicator approves are the Swedish ones (stored on the account,
published on the platform). On the public page, a statement still as generated is shown in the
page's language (Swedish, English, Finnish, Meänkieli – which falls back to Finnish until the
translator has filled in its catalogue); a statement the account's people rewrote exists only
in Swedish and is shown in Swedish, marked ``lang="sv"``. The communicator sees on the staff
account page which languages an account's information exists in (``visitor_information_languages``).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import get_language_info, override
from django.utils.translation import gettext as _

VISITOR_FIELDS = (
    "visitor_responsibility",
    "visitor_public_records",
    "visitor_forbidden",
    "visitor_own_responsibility",
    "visitor_contact",
)


def _statements(account) -> dict[str, str]:
    municipality = settings.MUNICIPALITY_NAME
    department = account.department.name if account.department_id else municipality
    purpose = (account.purpose or "").strip().rstrip(".")
    contact = account.public_contact or settings.COMMUNICATOR_EMAIL
    responsibility = _(
        "This account is run by %(municipality)s, %(department)s, which is responsible for its "
        "content."
    ) % {"municipality": municipality, "department": department}
    if purpose:
        responsibility += " " + _("The purpose of the account is: %(purpose)s.") % {
            "purpose": purpose
        }
    return {
        "visitor_responsibility": responsibility,
        "visitor_public_records": _(
            "Everything published here – posts, comments and messages – becomes a public record "
            "of %(municipality)s and may be disclosed under the principle of public access to "
            "official records. What you write is also seen by other visitors."
        )
        % {"municipality": municipality},
        "visitor_forbidden": _(
            "You may not post anything that breaks the law, for example unlawful threats, "
            "incitement against a group of people, sedition, unlawful depiction of violence, "
            "child pornography or copyright infringement. Nor may you post personal identity "
            "numbers, offensive personal data, confidential information, advertising or posts "
            "unrelated to the account's subject. Such posts are documented and removed, and we "
            "tell you that they have been removed. Criminal content may be reported to the "
            "police."
        ),
        "visitor_own_responsibility": _(
            "You are responsible yourself for making sure that what you post is correct and does "
            "not break the law."
        ),
        "visitor_contact": _(
            "Contact us at %(contact)s if you have questions about the account. Do you see "
            "inappropriate comments or offensive content? Please report it to us and we will "
            "deal with it."
        )
        % {"contact": contact},
    }


def standard_visitor_information(account, *, language: str | None = None) -> dict[str, str]:
    """The five statements in ``language``; Swedish (the texts to file and approve) by default."""
    with override(language or settings.LANGUAGE_CODE):
        return _statements(account)


@dataclass(frozen=True)
class VisitorStatement:
    field: str
    text: str
    language: str  # the language the text is actually in, for the lang attribute


def _shown_language(account, language: str) -> str:
    """``language``, or the language it falls back to while its catalogue lacks the texts."""
    fallback = settings.TRANSLATION_FALLBACKS.get(language)
    if fallback and standard_visitor_information(
        account, language=language
    ) == standard_visitor_information(account, language=fallback):
        return fallback
    return language


def _is_standard(account, field: str, swedish: dict[str, str]) -> bool:
    stored = (getattr(account, field) or "").strip()
    return bool(stored) and stored == swedish[field].strip()


def visitor_information_in(account, language: str) -> list[VisitorStatement]:
    """The five statements for the account's public page in ``language``."""
    swedish = standard_visitor_information(account)
    translated = standard_visitor_information(account, language=language)
    shown = _shown_language(account, language)
    return [
        VisitorStatement(field, translated[field], shown)
        if _is_standard(account, field, swedish)
        else VisitorStatement(field, getattr(account, field) or "", settings.LANGUAGE_CODE)
        for field in VISITOR_FIELDS
    ]


def visitor_information_languages(account) -> list[dict]:
    """For the communicator: per language, how many of the five statements the public page can
    show in it, and whether the language still shows the texts in its fall-back language."""
    swedish = standard_visitor_information(account)
    standard = sum(_is_standard(account, field, swedish) for field in VISITOR_FIELDS)
    rows = []
    for code, _name in settings.LANGUAGES:
        shown = _shown_language(account, code)
        rows.append(
            {
                "code": code,
                "name": get_language_info(code)["name_local"],
                "statements": len(VISITOR_FIELDS) if code == settings.LANGUAGE_CODE else standard,
                "total": len(VISITOR_FIELDS),
                "falls_back_to": get_language_info(shown)["name_translated"]
                if shown != code
                else None,
            }
        )
    return rows
