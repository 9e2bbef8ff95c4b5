"""The queue's filter, search, order and neighbours as the triage page and links use them."""

import datetime as dt

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from accounts.models import Absence
from moderation.models import Item, ItemKind, ItemSource
from moderation.queue import (
    SEARCH_MAX_LENGTH,
    QueueFilter,
    filter_querystring,
    queue_counts,
    queue_neighbours,
    queue_queryset,
    search_condition,
)
from moderation.workdays import STOCKHOLM, is_overdue, overdue_cutoff
from tests.properties import examples

from .conftest import make_item


def cleaned(**params):
    form = QueueFilter(params)
    assert form.is_valid(), form.errors
    return form.cleaned_data


def ids(user, **params):
    return [i.pk for i in queue_queryset(user, cleaned(**params))]


@pytest.fixture
def storm(active_account, owners_other_account):
    return {
        "praise": make_item(
            active_account,
            text="Tack för den fina kommentaren!",
            author_name="Berit Berg",
            hours_ago=5,
        ),
        "question": make_item(
            active_account,
            text="Var ligger Rantakyrö skola?",
            hours_ago=4,
            kind=ItemKind.POST,
            source=ItemSource.FACEBOOK,
        ),
        "flagged": make_item(
            owners_other_account,
            text="Mitt personnummer är 19121212-1212",
            hours_ago=3,
            author_name="Åsa Öberg",
        ),
        "old": make_item(active_account, text="Snöröjningen!", hours_ago=24 * 6),
    }


def test_the_default_is_every_open_item_oldest_first(owner, storm):
    s = storm
    assert ids(owner) == [s["old"].pk, s["praise"].pk, s["question"].pk, s["flagged"].pk]


def test_newest_first_reverses_the_order(owner, storm):
    assert ids(owner, ordning="nyast") == list(reversed(ids(owner)))


def test_filters_combine(owner, storm, active_account):
    assert ids(owner, konto=active_account.pk, typ="post", kalla="facebook") == [
        storm["question"].pk
    ]
    assert ids(owner, personuppgifter="1") == [storm["flagged"].pk]
    assert ids(owner, forsenade="1") == [storm["old"].pk]
    assert ids(owner, konto=active_account.pk, personuppgifter="1") == []


def test_owner_absent_filter(owner, deputy, storm):
    assert ids(owner, agare_franvarande="1") == []
    today = timezone.localdate()
    Absence.objects.create(user=owner, starts_on=today, ends_on=today, registered_by=owner)
    assert len(ids(owner, agare_franvarande="1")) == 4


def test_date_range_is_inclusive_by_local_day(owner, storm):
    six_days_ago = (timezone.now() - dt.timedelta(days=6)).astimezone(STOCKHOLM).date()
    assert ids(owner, fran=six_days_ago.isoformat(), till=six_days_ago.isoformat()) == [
        storm["old"].pk
    ]


@pytest.mark.parametrize(
    ("query", "finds"),
    [
        ("rantakyro", "question"),
        ("RANTAKYRÖ", "question"),
        ("kommentar", "praise"),
        ("asa oberg", "flagged"),
        ("Berit", "praise"),
        ("snö", "old"),
        ("100%", None),
        ("'; DROP TABLE moderation_item; --", None),
        ("<script>", None),
    ],
)
def test_search_folds_swedish_letters_and_finds_names(owner, storm, query, finds):
    expected = [storm[finds].pk] if finds else []
    assert ids(owner, q=query) == expected


def test_inflected_words_meet_on_postgresql(owner, storm):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("trigram matching is PostgreSQL only")
    # Not a substring of "kommentaren", and the Swedish stemmer keeps the two apart
    # ("kommentar", "komment"); the trigram word match joins them.
    assert ids(owner, q="kommentarerna") == [storm["praise"].pk]


def test_counts_cover_the_whole_filter(owner, storm):
    counts = queue_counts(owner, cleaned())
    assert (counts.total, counts.overdue, counts.personal_data) == (4, 1, 1)


def test_an_outsider_gets_nothing_whatever_the_filter(outsider, storm, active_account):
    assert ids(outsider) == []
    assert ids(outsider, konto=active_account.pk) == []


def test_neighbours_follow_the_filter_and_the_order(owner, storm, active_account):
    s = storm
    mine = cleaned(konto=active_account.pk)
    assert queue_neighbours(owner, mine, s["praise"]) == (s["old"].pk, s["question"].pk)
    assert queue_neighbours(owner, mine, s["old"]) == (None, s["praise"].pk)
    newest = cleaned(konto=active_account.pk, ordning="nyast")
    assert queue_neighbours(owner, newest, s["praise"]) == (s["question"].pk, s["old"].pk)


def test_the_querystring_carries_the_filter_and_reads_back(active_account):
    data = cleaned(konto=active_account.pk, forsenade="on", q="Rantakyrö & <b>", ordning="nyast")
    query = filter_querystring(data)
    assert query.startswith(f"konto={active_account.pk}&forsenade=1&q=Rantakyr%C3%B6")
    from django.http import QueryDict

    assert cleaned(**QueryDict(query).dict()) == data
    assert filter_querystring(cleaned()) == ""


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"typ": "brev"}, "typ"),
        ({"forsenade": "kanske"}, "forsenade"),
        ({"ordning": "slump"}, "ordning"),
        ({"konto": "abc"}, "konto"),
        ({"fran": "2026-13-01"}, "fran"),
        ({"fran": "2026-05-02", "till": "2026-05-01"}, "till"),
        ({"q": "x" * 10_000}, "q"),
    ],
)
def test_bad_values_are_refused_with_a_message(params, field):
    form = QueueFilter(params)
    assert not form.is_valid()
    assert form.errors[field]


def test_an_account_outside_ones_queue_is_refused_when_the_accounts_are_known(
    active_account, owners_other_account
):
    form = QueueFilter({"konto": owners_other_account.pk}, accounts=[active_account])
    assert form.errors["konto"] == ["Välj ett av dina konton."]


# Times across a year with weekends, Christmas, midsummer and the summer-time changes.
_instants = st.datetimes(
    min_value=dt.datetime(2026, 1, 1), max_value=dt.datetime(2027, 1, 10), timezones=st.just(dt.UTC)
)


@settings(max_examples=examples(300), deadline=None)
@given(now=_instants, back=st.integers(min_value=0, max_value=10 * 24 * 3600))
# Monday 2026-03-09 17:00 in Haparanda (16:00 UTC): Friday 17:00 and the weekend have exactly
# one office day behind them, Friday 16:59:59 a second more.
@example(now=dt.datetime(2026, 3, 9, 16, 0, tzinfo=dt.UTC), back=3 * 24 * 3600)
@example(now=dt.datetime(2026, 3, 9, 16, 0, tzinfo=dt.UTC), back=3 * 24 * 3600 + 1)
@example(now=dt.datetime(2026, 3, 9, 16, 0, tzinfo=dt.UTC), back=30 * 3600)
@example(now=dt.datetime(2026, 3, 9, 7, 0, tzinfo=dt.UTC), back=9 * 3600)
def test_the_overdue_cutoff_agrees_with_is_overdue(now, back):
    received = now - dt.timedelta(seconds=back)
    assert (received < overdue_cutoff(now)) == is_overdue(received, now)


@settings(
    max_examples=examples(60),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(text=st.text(max_size=SEARCH_MAX_LENGTH))
def test_any_search_text_is_answered_never_an_error(owner, storm, text):
    form = QueueFilter({"q": text})
    # Only a null character is refused (PostgreSQL text cannot hold it), with a message.
    assert form.is_valid() or ("\x00" in text and list(form.errors) == ["q"])
    counts = queue_counts(owner, form.valid_filter())
    assert 0 <= counts.total <= len(storm)


def test_the_search_can_use_its_indexes_on_postgresql(owner, storm):
    from django.db import connection, transaction

    if connection.vendor != "postgresql":
        pytest.skip("the search indexes are PostgreSQL's")
    with transaction.atomic(), connection.cursor() as cursor:
        # A handful of rows is read faster without an index; forbid that to see the plan.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        plan = Item.objects.filter(search_condition("Rantakyrö", "postgresql")).order_by()
        plan = plan.explain()
    for index in ("item_text_folded_trgm", "item_author_folded_trgm", "item_text_swedish_fts"):
        assert index in plan, plan
