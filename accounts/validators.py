"""Validators that keep secrets out of the registry (R9)."""

import re

from django.core.exceptions import ValidationError
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
