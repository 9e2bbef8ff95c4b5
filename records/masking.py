"""Masking: spans of a text replaced before it leaves the municipality.

Masked text is removed, not covered: the delivered files hold the marker ``[maskerat]`` where
it was. The personal-data detector's findings (``moderation.personal_data``) are offered as
suggested spans that the reviewer accepts or rejects. What a span masks in the reviewed text is
masked wherever the same words appear in the item's other versions too.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.utils.translation import gettext as _

from moderation.personal_data import KIND_LABELS, find_personal_data_spans

MASK = "[maskerat]"
NOT_RELEASED = "[inte utlämnad]"
MAX_SPANS = 200


class MaskingError(ValueError):
    """A span that cannot be applied; the message is for the reviewer."""


def suggestions_for(text: str) -> list[dict]:
    """The detector's findings in ``text`` as spans, in text order, without duplicates."""
    seen = set()
    suggestions = []
    for finding, (start, end) in sorted(find_personal_data_spans(text), key=lambda f: f[1]):
        if (start, end) in seen:
            continue
        seen.add((start, end))
        suggestions.append(
            {
                "kind": finding.kind,
                "label": str(KIND_LABELS.get(finding.kind, finding.kind)),
                "start": start,
                "end": end,
            }
        )
    return suggestions


def parse_spans(value: str) -> list[tuple[int, int]]:
    """Spans written as "start-end" character positions, separated by commas or spaces
    ("12-25, 40-52"); positions count from 0 and the end is not included."""
    spans = []
    for part in value.replace(",", " ").split():
        start, dash, end = part.partition("-")
        if not dash or not start.isdigit() or not end.isdigit():
            raise MaskingError(
                _("Write each span as start-end, for example 12-25; %(part)s is not one.")
                % {"part": part[:40]}
            )
        spans.append((int(start), int(end)))
    return spans


def normalise_spans(spans, length: int) -> list[tuple[int, int]]:
    """Sorted, overlapping spans merged; a span outside the text or empty is refused."""
    checked = []
    for span in spans:
        try:
            start, end = (int(n) for n in span)
        except (TypeError, ValueError):
            raise MaskingError(_("A span is not two positions.")) from None
        if not 0 <= start < end <= length:
            raise MaskingError(
                _(
                    "The span %(start)d-%(end)d is outside the text, which has %(length)d "
                    "characters."
                )
                % {"start": start, "end": end, "length": length}
            )
        checked.append((start, end))
    if len(checked) > MAX_SPANS:
        raise MaskingError(_("Mask at most %(limit)d spans.") % {"limit": MAX_SPANS})
    merged: list[tuple[int, int]] = []
    for start, end in sorted(checked):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def apply_mask(text: str, spans) -> str:
    """The text with every span replaced by the marker."""
    parts, position = [], 0
    for start, end in sorted(tuple(s) for s in spans):
        parts.append(text[position:start])
        parts.append(MASK)
        position = end
    parts.append(text[position:])
    return "".join(parts)


def masked_words(text: str, spans, *, author: str | None = None) -> set[str]:
    """What the spans (and the author's name, when masked) hide."""
    words = {text[start:end] for start, end in spans}
    if author:
        words.add(author)
    return {w for w in words if w.strip()}


def mask_words(text: str, words: Iterable[str]) -> str:
    """``text`` with every occurrence of each word replaced by the marker.

    The occurrences are all found in the text as it is (overlapping ones too) and each run of
    overlapping or touching ones becomes one marker: a word is never looked for inside a marker
    already put in (masking "era" must not turn "[maskerat]" into "[mask[maskerat]t]"), and no
    character of any occurrence stays visible, whatever the order of the words."""
    found = sorted(
        (match.start(), match.start() + len(word))
        for word in {w for w in words if w}
        for match in re.finditer(f"(?={re.escape(word)})", text)
    )
    merged: list[list[int]] = []
    for start, end in found:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return apply_mask(text, merged)
