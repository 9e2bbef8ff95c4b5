"""R16: personnummer, samordningsnummer, e-mail and phone numbers are found; near misses are not."""

import datetime as dt

import pytest
import time_machine
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from stdnum import exceptions as stdnum_exceptions
from stdnum import luhn
from stdnum.se import personnummer as stdnum_personnummer

from moderation.personal_data import (
    EMAIL,
    PERSONNUMMER,
    PHONE,
    SAMORDNINGSNUMMER,
    find_personal_data,
)
from tests.properties import examples


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


# --- Every way a valid number is written (issue #13) -------------------------------------------


def test_a_child_born_in_the_2000s_is_found_without_a_separator():
    # 2005-01-01; the number also reads as a phone number, so it keeps that flag too.
    assert kinds("Barnets nummer är 0501011233") == [PERSONNUMMER, PHONE]


@pytest.mark.parametrize(
    "separator",
    [
        "\u2013",  # en dash, what word processors make of a hyphen
        "\u2212",  # minus sign
        "\u2011",  # non-breaking hyphen
        "\u2010",  # hyphen
        "\u00a0",  # no-break space
        "\u202f",  # narrow no-break space
        " ",
        "-",
    ],
)
@pytest.mark.parametrize("number", ["121212{}1212", "19121212{}1212", "050101{}1233"])
def test_a_personnummer_is_found_whatever_separates_its_parts(separator, number):
    (finding,) = [f for f in find_personal_data(number.format(separator)) if f.kind != PHONE]
    assert finding.kind == PERSONNUMMER
    assert finding.masked.endswith("-****")


def test_a_samordningsnummer_is_found_with_an_en_dash():
    assert kinds("samordningsnummer 121272\u20131219") == [SAMORDNINGSNUMMER]


def test_a_personnummer_right_after_a_phone_number_is_found():
    assert kinds("Ring 0701234567-121212-1212") == [PERSONNUMMER, PHONE]
    assert kinds("0701234567 0501011233") == [PERSONNUMMER, PHONE, PHONE]


def test_a_phone_number_keeps_its_flag_beside_an_e_mail_address():
    assert kinds("Ring 070\u2013123 45 67 eller mejla anna@example.se") == [EMAIL, PHONE]
    assert kinds("Sms:a 0701234567@sms.example.se") == [EMAIL, PHONE]


def test_a_phone_number_written_with_an_en_dash_is_a_phone_number():
    assert kinds("Ring 070\u20131234567") == [PHONE]


# --- Property: python-stdnum is the oracle -------------------------------------------------------
#
# The detector is a pure function, so ten thousand cases take seconds. Each case writes an
# identity number the way people do (10 or 12 digits, any of the separators, or none) inside a
# sentence, sometimes next to a phone number or an e-mail address. stdnum decides whether the
# number is valid; a samordningsnummer is valid when the date 60 days back is (stdnum does not
# know them) and its own check digit holds.

SEPARATORS = ["", "-", "+", " ", "\u2013", "\u2212", "\u2011", "\u2010", "\u00a0", "\u202f"]
PREFIXES = [
    "",
    "Mitt personnummer är ",
    "pnr: ",
    "(",
    "Barnets nummer är ",
    "Ring 0701234567 ",
    "Ring 070-123 45 67, pnr ",
    "anna.andersson@example.se ",
    "nr\u00a0",
    "Hej!\n",
]
SUFFIXES = ["", ".", ", tack!", ")", " och 0701234567", " anna@example.se", "\n", "?"]
CONTEXTS = st.tuples(st.sampled_from(PREFIXES), st.sampled_from(SUFFIXES))


def _ascii(separator):
    if separator in ("", "+"):
        return separator
    return "-"


def oracle(written: str) -> str | None:
    """What the number is, by stdnum; ``written`` uses only ASCII separators."""
    if stdnum_personnummer.is_valid(written):
        return PERSONNUMMER
    digits = written.replace("-", "").replace("+", "")
    day_at = 6 if len(digits) == 12 else 4
    day = int(digits[day_at : day_at + 2])
    if day > 60:
        as_personnummer = written[:day_at] + f"{day - 60:02d}" + written[day_at + 2 :]
        try:
            stdnum_personnummer.get_birth_date(as_personnummer)
        except stdnum_exceptions.ValidationError:
            return None
        if luhn.is_valid(digits[-10:]):
            return SAMORDNINGSNUMMER
    return None


def _identity_number(birth_day, day, any_day, serial, twelve, wrong_by, separator):
    """(head, separator, last four): often valid, sometimes with a wrong check digit or date."""
    birth = dt.date(1850, 1, 1) + dt.timedelta(days=birth_day)
    if day == "coordination":
        dd = birth.day + 60
    elif day == "any":
        dd = any_day  # 00, 31 in a short month, 29 February in another year, 32-60, 92-99…
    else:
        dd = birth.day
    yymmdd = f"{birth:%y%m}{dd:02d}"
    serial = f"{serial:03d}"
    check = str((int(luhn.calc_check_digit(yymmdd + serial)) + wrong_by) % 10)
    head = f"{birth.year // 100:02d}{yymmdd}" if twelve else yymmdd
    return head, separator, serial + check


identity_number = st.builds(
    _identity_number,
    birth_day=st.integers(0, (dt.date(2099, 12, 31) - dt.date(1850, 1, 1)).days),
    day=st.sampled_from(["birth"] * 5 + ["coordination"] * 3 + ["any"] * 2),
    any_day=st.integers(0, 99),
    serial=st.integers(0, 999),
    twelve=st.booleans(),
    # Most often right, sometimes a wrong check digit.
    wrong_by=st.sampled_from([0, 0, 0, 0, 0, 1, 3, 5, 9]),
    separator=st.sampled_from(SEPARATORS),
)


@settings(max_examples=examples(10_000), deadline=None)
@given(number=identity_number, context=CONTEXTS)
def test_the_detector_agrees_with_stdnum(number, context):
    head, separator, last4 = number
    prefix, suffix = context
    text = prefix + head + separator + last4 + suffix
    expected = oracle(head + _ascii(separator) + last4)
    masked = f"{head}{'+' if separator == '+' else '-'}****"
    found = [
        f.kind
        for f in find_personal_data(text)
        if f.kind in (PERSONNUMMER, SAMORDNINGSNUMMER) and f.masked == masked
    ]
    if expected:
        assert found == [expected], text  # no false negative
    else:
        assert found == [], text  # a wrong check digit or date is not an identity number


@settings(max_examples=examples(2_000), deadline=None)
@given(number=identity_number, wrong_by=st.integers(1, 9))
def test_a_wrong_check_digit_is_never_a_personnummer(number, wrong_by):
    head, separator, last4 = number
    wrong = last4[:3] + str((int(last4[3]) + wrong_by) % 10)
    assume(oracle(head + _ascii(separator) + last4) is not None)
    assert oracle(head + _ascii(separator) + wrong) is None
    assert not {PERSONNUMMER, SAMORDNINGSNUMMER} & set(kinds(f"pnr {head}{separator}{wrong}."))


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("\uff11\uff12\uff11\uff12\uff17\uff12-\uff11\uff12\uff11\uff19", SAMORDNINGSNUMMER),
        ("\uff11\uff12\uff11\uff12\uff11\uff12-\uff11\uff12\uff11\uff12", PERSONNUMMER),
    ],
)
def test_a_number_in_full_width_digits_is_found_and_masked_in_ordinary_ones(text, kind):
    (finding,) = find_personal_data(text)
    assert finding.kind == kind
    assert finding.masked.startswith("1212")


# --- What the person triaging relies on, case by case (issue #18) -------------------------------


def findings(text):
    return [(f.kind, f.masked) for f in find_personal_data(text)]


def test_a_samordningsnummer_with_a_wrong_check_digit_is_not_flagged():
    assert kinds("samordningsnummer 19121272-1219") == [SAMORDNINGSNUMMER]
    assert kinds("samordningsnummer 19121272-1218") == []
    assert kinds("121272-1210") == []


def test_a_samordningsnummer_for_the_first_of_the_month_is_found():
    # 1990-01-01 with 60 added to the day: 61. Day 60 would be the 0th, which is no date.
    assert kinds("9001611236") == [SAMORDNINGSNUMMER]
    assert kinds("121260-1239") == []


def test_a_centenarians_number_keeps_its_plus_sign_in_the_mask():
    assert findings("121212+1212") == [(PERSONNUMMER, "121212+****")]
    assert findings("121272+1219") == [(SAMORDNINGSNUMMER, "121272+****")]


def test_a_ten_digit_number_is_read_in_the_latest_century_that_is_not_in_the_future():
    # 29 February exists in 2000 but not in 1900: with a plus sign the person is over a
    # hundred, born in 1900, and there was no such day.
    with time_machine.travel(dt.datetime(2026, 6, 1, 12, tzinfo=dt.UTC), tick=False):
        assert kinds("000229-1235") == [PERSONNUMMER]
        assert kinds("000229+1235") == []
        assert kinds("000289-1232") == [SAMORDNINGSNUMMER]
        assert kinds("000289+1232") == []
    # In the year 2000, the year 00 is this year, not a hundred years ago.
    with time_machine.travel(dt.datetime(2000, 6, 1, 12, tzinfo=dt.UTC), tick=False):
        assert kinds("000229-1235") == [PERSONNUMMER]
    # In 1999, the year 00 is 1900, which had no 29 February.
    with time_machine.travel(dt.datetime(1999, 6, 1, 12, tzinfo=dt.UTC), tick=False):
        assert kinds("000229-1235") == []


def test_a_twelve_digit_number_takes_its_century_from_the_number():
    assert kinds("20000229-1235") == [PERSONNUMMER]
    assert kinds("19000229-1235") == []


def test_a_personnummer_written_with_a_separator_is_not_also_a_phone_number():
    assert findings("050101-1233") == [(PERSONNUMMER, "050101-****")]
    assert findings("050101\u20131233") == [(PERSONNUMMER, "050101-****")]
    assert findings("20050101-1233") == [(PERSONNUMMER, "20050101-****")]


def test_a_personnummer_after_a_phone_like_number_is_found():
    assert findings("Ring 0922-150 00 eller pnr 121212-1212") == [
        (PERSONNUMMER, "121212-****"),
        (PHONE, "0922…00"),
    ]


def test_phone_numbers_are_kept_when_the_text_also_holds_an_e_mail_address():
    assert findings("Mejla a.b@haparanda.se eller ring 0922-150 00, mobil +46 70 123 45 67") == [
        (EMAIL, "a…@haparanda.se"),
        (PHONE, "0922…00"),
        (PHONE, "+46 …67"),
    ]


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("0701234567", "0701…67"),
        ("070-123 45 67", "070-…67"),
        ("+46701234567", "+467…67"),
        ("0046 70 123 45 67", "0046…67"),
        ("08-123 456 78", "08-1…78"),
        ("(0922) 150 00", "0922…00"),
        ("0922 150 00", "0922…00"),
    ],
)
def test_phone_numbers_in_their_written_forms_are_found_and_masked(text, masked):
    assert findings(f"Ring {text} i dag") == [(PHONE, masked)]


@pytest.mark.parametrize(
    "text",
    [
        "Ordernummer 7012345678",  # no leading zero
        "+45 70 123 45 67",  # a Danish number
        "070-123",  # too short
        "07012345678901",  # too long: part of a longer run of digits
        "9070123456",  # a digit before the leading zero
    ],
)
def test_what_is_not_a_swedish_phone_number_is_not_flagged(text):
    assert kinds(text) == []


def test_e_mail_addresses_are_masked_but_keep_their_domain():
    assert findings("skriv till kommun.info@haparanda.se.") == [(EMAIL, "k…@haparanda.se")]
    assert kinds("inte en adress: kommun@haparanda") == []
    assert kinds("@haparandastad på Instagram") == []


def test_an_empty_text_has_no_findings():
    assert find_personal_data("") == []
    assert find_personal_data(None) == []


def test_the_item_page_names_what_was_found_in_swedish(owner_client, active_account):
    from django.urls import reverse

    from .conftest import make_item

    item = make_item(active_account, text="Mitt pnr är 121212-1212, ring 070-123 45 67")
    html = owner_client.get(reverse("moderation:item_detail", args=[item.pk])).content.decode()
    assert "Personnummer: 121212-****" in html
    assert "Telefonnummer: 070-…67" in html
    assert item.has_personal_data


def test_a_flag_of_a_kind_no_longer_known_is_shown_as_it_was_stored():
    from moderation.personal_data import flag_label

    assert flag_label({"kind": "email", "masked": "a…@example.se"}) == "E-postadress: a…@example.se"
    assert flag_label({"kind": "iban", "masked": "SE45…"}) == "iban: SE45…"
    assert flag_label({}) == ": "


def test_a_samordningsnummer_for_a_leap_day_is_found_only_in_a_leap_year():
    with time_machine.travel(dt.datetime(2026, 6, 1, 12, tzinfo=dt.UTC), tick=False):
        # Born 29 February 1996: the day is 29 + 60.
        assert kinds("960289-1237") == [SAMORDNINGSNUMMER]
        assert kinds("19960289-1237") == [SAMORDNINGSNUMMER]
        # 2002 had no 29 February.
        assert SAMORDNINGSNUMMER not in kinds("020289-1230")
        assert kinds("960229-1230") == [PERSONNUMMER]


def test_a_phone_number_after_a_personnummer_that_also_reads_as_one_is_kept():
    # 050101-1233 is a child's personnummer that the phone pattern also matches; the mobile
    # number after it is a phone number of its own.
    assert findings("050101-1233, ring 070-123 45 67") == [
        (PERSONNUMMER, "050101-****"),
        (PHONE, "070-…67"),
    ]


def test_a_phone_number_with_its_digits_spaced_out_is_masked_by_its_last_two_digits():
    assert findings("Ring 0 7 0 1 2 3 4 5 6 7") == [(PHONE, "0 7 …67")]
