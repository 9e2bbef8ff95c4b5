"""Validators of the registry: no secrets (R9), no invisible characters in public names, sensible
dates, and length messages that name the field."""

import datetime
import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# "lösenord: hemligt", "password=…", "pwd …", "pin: 1234": a label followed by a value.
_SECRET_LABEL = re.compile(
    r"\b(l[öo]senord|password|passwd|pwd|pass|pin|kod|l[öo]sen|secret|token|api[-_ ]?key)"
    r"\s*[:=]\s*\S+",
    re.IGNORECASE,
)
_WORD = re.compile(r"\S+")


def _looks_like_generated_secret(word: str) -> bool:
    """A long run with no spaces mixing letter cases, digits and symbols, like a password."""
    word = word.strip(".,;:!?()[]\"'")
    if len(word) < 10 or "://" in word or ("@" in word and "." in word.split("@")[-1]):
        return False
    classes = sum(
        (
            any(c.islower() for c in word),
            any(c.isupper() for c in word),
            any(c.isdigit() for c in word),
            any(not c.isalnum() for c in word),
        )
    )
    return classes >= 3


def validate_not_a_secret(value: str) -> None:
    """Refuse text that looks like it holds a password or token, rather than where one is kept."""
    if not value:
        return
    if _SECRET_LABEL.search(value) or any(
        _looks_like_generated_secret(w) for w in _WORD.findall(value)
    ):
        raise ValidationError(
            _(
                "This looks like a password or other secret. Write where the login details are "
                "kept and who can reach them, never the details themselves."
            ),
            code="secret",
        )


# Characters that change how text is shown without being seen: bidirectional overrides and
# isolates (an account named "\u202eadnarapah" reads as "haparanda"), zero-width spaces and
# joiners, the soft hyphen, the byte order mark (Unicode's "format" category, Cf) and control
# characters (Cc), line and paragraph separators. In a public name they let a look-alike account
# pass for ours (R7), so they are refused rather than silently removed.
_INVISIBLE_CATEGORIES = {"Cf", "Cc", "Zl", "Zp"}


def validate_visible_text(value: str) -> None:
    """Refuse direction overrides, zero-width characters and control characters in a name the
    public reads."""
    if not value:
        return
    if any(unicodedata.category(c) in _INVISIBLE_CATEGORIES for c in value):
        raise ValidationError(
            _(
                "The name contains invisible characters (direction overrides, zero-width or "
                "control characters). Type the name again without them."
            ),
            code="invisible_characters",
        )


# The dates the registry accepts: an account or an absence dated before 2000 or more than ten
# years ahead is a typing error (e.g. 0202 for 2022), never a plan.
EARLIEST_DATE = datetime.date(2000, 1, 1)
YEARS_AHEAD = 10


def latest_date(today: datetime.date | None = None) -> datetime.date:
    today = today or timezone.localdate()
    try:
        return today.replace(year=today.year + YEARS_AHEAD)
    except ValueError:  # 29 February
        return today.replace(year=today.year + YEARS_AHEAD, day=28)


def validate_sensible_date(value: datetime.date | None) -> None:
    """Refuse a date before 2000-01-01 or more than ten years from today."""
    if value is None:
        return
    latest = latest_date()
    if not EARLIEST_DATE <= value <= latest:
        raise ValidationError(
            _("Give a date between %(earliest)s and %(latest)s.")
            % {"earliest": EARLIEST_DATE.isoformat(), "latest": latest.isoformat()},
            code="date_out_of_range",
        )


def length_message(label) -> str:
    """The error for a text over its limit, naming the field, with Django's placeholders
    (``limit_value``, ``show_value``) left for the validator to fill in."""
    return str(
        _("%(field)s may be at most %%(limit_value)d characters long (it has %%(show_value)d).")
        % {"field": str(label).replace("%", "%%")}
    )
