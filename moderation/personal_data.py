"""Detection of personal data in incoming text (R16).

Items that contain a personnummer or samordningsnummer, an e-mail address or a phone number are
flagged so that the person triaging sees why, and can remove the item with personal data as the
legal ground. A number is only taken for a personnummer when its date and its check digit are
valid, so an order number is not flagged as one. No valid number is missed, whatever dash or
space separates it: a number that could be both (0501011233, a child born in 2005, or a mobile
number) is flagged as both, so the person triaging decides.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from stdnum import luhn
from stdnum.se import personnummer

PERSONNUMMER = "personnummer"
SAMORDNINGSNUMMER = "samordningsnummer"
EMAIL = "email"
PHONE = "phone"

KIND_LABELS = {
    PERSONNUMMER: _("Personal identity number"),
    SAMORDNINGSNUMMER: _("Co-ordination number"),
    EMAIL: _("E-mail address"),
    PHONE: _("Phone number"),
}

# The separators people and keyboards put between the date and the last four digits: the
# hyphen and plus of the standard form, and what word processors and phones turn them into (en
# dash, minus sign, non-breaking hyphen, figure dash, and the no-break and narrow no-break spaces
# that keep a number on one line).
_DASHES = "\u2010\u2011\u2012\u2013\u2212"
_SPACES = " \u00a0\u2007\u2009\u202f"
_SEPARATOR = f"[-+{_DASHES}{_SPACES}]"
# 6 or 8 digits, an optional separator and 4 digits; never part of a longer run of digits, so a
# 13-digit number is not read as a 12-digit personnummer inside it.
_ID_NUMBER = re.compile(rf"(?<!\d)(\d{{6}}|\d{{8}})({_SEPARATOR}?)(\d{{4}})(?!\d)")
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b")
# Swedish numbers: +46/0046/0, an area or mobile code, then 5–8 digits in groups.
_PHONE_GAP = f"[\\s\\-{_DASHES}]"
_PHONE = re.compile(
    rf"(?<![\d+])(?:\+46|0046|0){_PHONE_GAP}?\(?[1-9]\d{{0,3}}\)?(?:{_PHONE_GAP}?\d){{5,8}}(?!\d)"
)


@dataclass(frozen=True)
class Finding:
    kind: str
    masked: str

    def as_flag(self) -> dict[str, str]:
        return {"kind": self.kind, "masked": self.masked}


def _century_for(yymmdd: str, separator: str, today: dt.date) -> int:
    """The century of a 10-digit number: the latest that is not in a future year; '+' adds 100
    years (the person is a hundred or older). The same reading as ``stdnum``'s."""
    year = int(yymmdd[:2])
    century = today.year // 100 * 100
    full = century + year
    if full > today.year:
        full -= 100
    if separator == "+":
        full -= 100
    return full // 100


def classify_id_number(digits8or6: str, separator: str, last4: str) -> str | None:
    """``PERSONNUMMER``, ``SAMORDNINGSNUMMER`` or None when the date or check digit is wrong.

    ``separator`` is "+", "-" or "" (any dash or space counts as "-").
    """
    today = timezone.localdate()
    if len(digits8or6) == 8:
        century, yymmdd = int(digits8or6[:2]), digits8or6[2:]
    else:
        yymmdd = digits8or6
        century = _century_for(yymmdd, separator, today)
    ten = yymmdd + last4
    day = int(yymmdd[4:])
    if day > 60:
        # A samordningsnummer is a personnummer with 60 added to the day; stdnum rejects it.
        try:
            dt.date(century * 100 + int(yymmdd[:2]), int(yymmdd[2:4]), day - 60)
        except ValueError:
            return None
        return SAMORDNINGSNUMMER if luhn.is_valid(ten) else None
    if not personnummer.is_valid(f"{century:02d}{yymmdd}{last4}"):
        return None
    return PERSONNUMMER


def _ascii_digits(digits: str) -> str:
    """Full-width and other scripts' digits as 0-9, so the check digit is computed on them."""
    return "".join(str(unicodedata.digit(c)) for c in digits)


def _normal_separator(separator: str) -> str:
    if separator == "+":
        return "+"
    return "-" if separator else ""


def find_personal_data(text: str) -> list[Finding]:
    return [finding for finding, _span in find_personal_data_spans(text)]


def find_personal_data_spans(text: str) -> list[tuple[Finding, tuple[int, int]]]:
    """Each finding with where it is in the text (``[start, end)``), for masking suggestions."""
    text = text or ""
    findings: list[tuple[Finding, tuple[int, int]]] = []
    # Where an identity number or an e-mail address was found; a phone number is not looked for
    # inside an identity number (121212-1212 is not a phone number), but it is inside an e-mail
    # address (0701234567@sms.example.se holds one).
    numbers: list[tuple[int, int]] = []
    for match in _ID_NUMBER.finditer(text):
        head, separator, last4 = match.groups()
        head, last4 = _ascii_digits(head), _ascii_digits(last4)
        separator = _normal_separator(separator)
        kind = classify_id_number(head, separator, last4)
        if not kind:
            continue
        findings.append((Finding(kind, f"{head}{separator or '-'}****"), match.span()))
        if not (len(head) == 6 and separator == "" and head.startswith("0")):
            numbers.append(match.span())
        # Otherwise it is also written as a Swedish phone number is (0501011233): children born
        # 2000-2009 have such numbers, and so do mobile phones. It is flagged as both.
    for match in _EMAIL.finditer(text):
        local, _at, domain = match.group().partition("@")
        findings.append((Finding(EMAIL, f"{local[:1]}…@{domain}"), match.span()))
    for match in _PHONE.finditer(text):
        start, end = match.span()
        if any(start < t_end and t_start < end for t_start, t_end in numbers):
            continue
        digits = re.sub(r"\D", "", match.group())
        findings.append((Finding(PHONE, f"{match.group()[:4]}…{digits[-2:]}"), (start, end)))
    return findings


def flag_label(flag: dict) -> str:
    label = KIND_LABELS.get(flag.get("kind", ""), flag.get("kind", ""))
    return f"{label}: {flag.get('masked', '')}"
