"""Text made safe for every delivered format, and times as the requester reads them."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo

STOCKHOLM = zoneinfo.ZoneInfo("Europe/Stockholm")

# Characters XML 1.0 (and so HTML parsed for the PDF) cannot hold, and lone surrogates, which
# UTF-8 cannot encode: C0 controls except tab, line feed and carriage return, DEL and the C1
# controls, U+FFFE/U+FFFF. Each becomes U+FFFD so the reader sees that something was there.
_UNREPRESENTABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def representable(text: str) -> str:
    """``text`` with every character a PDF, an XML or a UTF-8 file cannot hold replaced."""
    return _UNREPRESENTABLE.sub("\ufffd", text)


def stockholm(moment: dt.datetime) -> dt.datetime:
    """``moment`` in Swedish time; a naive datetime is taken to be UTC, as Django stores it."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(STOCKHOLM)


def local_time(moment: dt.datetime) -> str:
    """``2026-03-14 09:05`` in Swedish time: the form Swedish readers and Excel both expect."""
    return stockholm(moment).strftime("%Y-%m-%d %H:%M")
