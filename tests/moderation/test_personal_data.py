"""R16: personnummer, samordningsnummer, e-mail and phone numbers are found; near misses are not."""

import pytest

from moderation.personal_data import (
    EMAIL,
    PERSONNUMMER,
    PHONE,
    SAMORDNINGSNUMMER,
    find_personal_data,
)


def kinds(text):
    return [f.kind for f in find_personal_data(text)]


@pytest.mark.parametrize(
    "text",
    [
        "Mitt personnummer är 19121212-1212, kan ni kolla?",
        "121212-1212",
        "1212121212",
        "191212121212",
        "19121212 1212",
        "121212+1212",
    ],
)
def test_it_finds_a_valid_personnummer_in_every_written_form(text):
    assert kinds(text) == [PERSONNUMMER]


def test_it_masks_the_number_it_reports():
    (finding,) = find_personal_data("pnr 19121212-1212")
    assert "1212-1212" not in finding.masked
    assert finding.masked.startswith("19121212")


@pytest.mark.parametrize("text", ["19121212-1213", "121212-1213", "191213321212"])
def test_it_ignores_a_number_with_a_wrong_checksum_or_date(text):
    assert PERSONNUMMER not in kinds(text)


def test_it_finds_a_samordningsnummer():
    # 1912-12-12 with 60 added to the day; the check digit is computed on the 72.
    assert kinds("samordningsnummer 19121272-1219") == [SAMORDNINGSNUMMER]


def test_it_ignores_a_samordningsnummer_with_an_impossible_date():
    # Day 92 - 60 = 32: no such date.
    assert kinds("121292-1215") == []


@pytest.mark.parametrize("text", ["1912121212121", "12121212121212"])
def test_it_ignores_thirteen_or_more_digits(text):
    assert kinds(text) == []


@pytest.mark.parametrize("text", ["Ring 070-123 45 67", "0701234567", "+46 70 123 45 67"])
def test_a_phone_number_is_flagged_as_a_phone_number_not_a_personnummer(text):
    assert kinds(text) == [PHONE]


def test_it_finds_an_email_address():
    assert kinds("Mejla mig på anna.andersson@example.se") == [EMAIL]


def test_plain_text_has_no_findings():
    assert find_personal_data("Snöröjningen på Storgatan 12 var bra idag, 2024!") == []
