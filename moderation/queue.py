"""The daily queue (R11): which unhandled items a person sees, filtered, searched and sorted.

The filter lives in the URL (Swedish parameter names, so a bookmarked or shared link reads
well) and is read by one form, ``QueueFilter``; the queue page, the triage page's next/previous
item and the bulk actions all use the same ``queue_queryset``. Counts cover the whole filter
and come from the database; the overdue rule is turned into one cutoff timestamp
(``workdays.overdue_cutoff``) so it can be counted in SQL.

Search: on PostgreSQL, Swedish full-text search (``to_tsvector('swedish', text)``, so
"kommentarerna" finds "kommentar") OR every word as a substring of the folded text or author
name (``hs_fold`` = lower + unaccent, so "Rantakyrö" finds "rantakyro"), each served by a GIN
index (migration 0005). On SQLite, the same substring match with a folding of å/ä/ö/é/ü.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from urllib.parse import urlencode

from django import forms
from django.db import connection
from django.db.models import (
    BooleanField,
    Count,
    Exists,
    F,
    Func,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Absence, AccountRole, Platform, Role
from haparanda_social.paging import PAGE_SIZE, page_number

from .claims import with_claims
from .models import Item, ItemKind, ItemSource
from .permissions import accounts_acted_for, messages_rule
from .workdays import local_today, overdue_cutoff

SEARCH_MAX_LENGTH = 200
SEARCH_MAX_WORDS = 8

OLDEST_FIRST = "aldst"
NEWEST_FIRST = "nyast"
ORDERINGS = {
    OLDEST_FIRST: ("published_at", "pk"),
    NEWEST_FIRST: ("-published_at", "-pk"),
}

# The GET parameters, in the order they appear in a link.
FILTER_FIELDS = (
    "konto",
    "plattform",
    "typ",
    "personuppgifter",
    "forsenade",
    "agare_franvarande",
    "kalla",
    "fran",
    "till",
    "q",
    "ordning",
    "sida",
)
FLAG_FIELDS = ("personuppgifter", "forsenade", "agare_franvarande")
_YES = ("1", "on", "ja", "true")


class FlagField(forms.TypedChoiceField):
    """A yes-only filter from a checkbox: absent means "any", a known yes means True, anything
    else is a clear error rather than a silent guess."""

    def __init__(self, **kwargs):
        super().__init__(
            choices=[(value, value) for value in _YES],
            coerce=lambda value: value in _YES,
            empty_value=False,
            required=False,
            error_messages={"invalid_choice": _("Unknown value %(value)s; tick the box or not.")},
            **kwargs,
        )


class QueueFilter(forms.Form):
    """The queue's filter, read from GET parameters. ``accounts`` (the person's queue accounts,
    already loaded) makes an account outside the queue a clear error; without it the account id
    is only checked to be a number and the queue itself keeps to the person's accounts."""

    konto = forms.IntegerField(label=_("Account"), required=False, min_value=1)
    plattform = forms.ChoiceField(
        label=_("Platform"), required=False, choices=[("", _("All platforms")), *Platform.choices]
    )
    typ = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All kinds")), *ItemKind.choices]
    )
    personuppgifter = FlagField(label=_("Personal data found"))
    forsenade = FlagField(label=_("Overdue"))
    agare_franvarande = FlagField(label=_("Owner absent"))
    kalla = forms.ChoiceField(
        label=_("Source"), required=False, choices=[("", _("All sources")), *ItemSource.choices]
    )
    fran = forms.DateField(label=_("Received from"), required=False)
    till = forms.DateField(label=_("Received until"), required=False)
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=SEARCH_MAX_LENGTH,
        error_messages={
            "max_length": _(
                "Search for at most %(limit_value)d characters (you wrote %(show_value)d)."
            )
        },
    )
    ordning = forms.ChoiceField(
        label=_("Order"),
        required=False,
        choices=[(OLDEST_FIRST, _("Oldest first")), (NEWEST_FIRST, _("Newest first"))],
    )
    sida = forms.IntegerField(label=_("Page"), required=False, min_value=1, max_value=1_000_000)

    def __init__(self, data=None, *, accounts=None, **kwargs):
        super().__init__(data, **kwargs)
        self.accounts = list(accounts) if accounts is not None else None
        invalid = _("Choose a valid option; %(value)s is not one of them.")
        for name in ("plattform", "typ", "kalla", "ordning"):
            self.fields[name].error_messages["invalid_choice"] = invalid
        self.fields["konto"].error_messages["invalid"] = _("Choose one of your accounts.")
        for name in ("fran", "till"):
            self.fields[name].error_messages["invalid"] = _("Write the date as YYYY-MM-DD.")
        for key in ("invalid", "min_value", "max_value"):
            self.fields["sida"].error_messages[key] = _("Give the page as a whole number.")

    def clean_konto(self):
        konto = self.cleaned_data.get("konto")
        if konto and self.accounts is not None and konto not in {a.pk for a in self.accounts}:
            raise forms.ValidationError(_("Choose one of your accounts."))
        return konto

    def clean_q(self):
        return " ".join(self.cleaned_data.get("q", "").split())

    def clean_ordning(self):
        return self.cleaned_data.get("ordning") or OLDEST_FIRST

    def clean_sida(self):
        return self.cleaned_data.get("sida") or 1

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("fran"), cleaned.get("till")
        if start and end and start > end:
            self.add_error("till", _("The end date is before the start date."))
        return cleaned

    def valid_filter(self) -> dict:
        """The fields that are valid, with defaults: what the queue can still be shown with
        when another field was refused. Call after ``is_valid()``."""
        cleaned = dict(self.cleaned_data)
        cleaned.setdefault("ordning", OLDEST_FIRST)
        cleaned.setdefault("sida", 1)
        return cleaned


# --- Search -----------------------------------------------------------------------------------

# What hs_fold and the SQLite fallback fold; the same mapping on both sides of a comparison.
_SQLITE_FOLDS = (
    ("Å", "a"),
    ("Ä", "a"),
    ("Ö", "o"),
    ("É", "e"),
    ("Ü", "u"),
    ("å", "a"),
    ("ä", "a"),
    ("ö", "o"),
    ("é", "e"),
    ("ü", "u"),
)


class Fold(Func):
    """Lower case without accents: ``hs_fold()`` on PostgreSQL (an IMMUTABLE wrapper of
    ``unaccent`` created in migration 0005, so expression indexes can use it); on SQLite,
    ``lower()`` with the Swedish letters replaced."""

    function = "hs_fold"
    arity = 1

    def as_sqlite(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        sql = f"lower({sql})"
        for letter, plain in _SQLITE_FOLDS:
            sql = f"replace({sql}, '{letter}', '{plain}')"
        return sql, params


class FoldedContains(Func):
    """``fold(expression) LIKE '%' || fold(word) || '%'``; the word's % and _ are escaped."""

    output_field = BooleanField()
    arity = 2

    def as_sql(self, compiler, connection, **extra_context):
        column, word = self.source_expressions
        column_sql, column_params = compiler.compile(Fold(column))
        word_sql, word_params = compiler.compile(Fold(word))
        sql = f"{column_sql} LIKE ('%%' || {word_sql} || '%%') ESCAPE '\\'"
        return sql, (*column_params, *word_params)


class WordSimilar(Func):
    """``fold(word) <% fold(expression)``: the word is close to some part of the text by
    trigrams (pg_trgm's word similarity, threshold 0.6), so inflections the Swedish stemmer
    keeps apart ("kommentarerna", "kommentar") and misspelt names still meet (PostgreSQL)."""

    output_field = BooleanField()
    arity = 2

    def as_sql(self, compiler, connection, **extra_context):
        column, word = self.source_expressions
        column_sql, column_params = compiler.compile(Fold(column))
        word_sql, word_params = compiler.compile(Fold(word))
        return f"{word_sql} <%% {column_sql}", (*word_params, *column_params)


class SwedishMatch(Func):
    """``to_tsvector('swedish', text) @@ websearch_to_tsquery('swedish', query)``: stems
    Swedish words and never fails on operators or quotes in the query (PostgreSQL only)."""

    output_field = BooleanField()
    template = (
        "to_tsvector('swedish'::regconfig, %(column)s) @@ "
        "websearch_to_tsquery('swedish'::regconfig, %(query)s)"
    )

    def as_sql(self, compiler, connection, **extra_context):
        column, query = self.source_expressions
        column_sql, column_params = compiler.compile(column)
        query_sql, query_params = compiler.compile(query)
        return self.template % {"column": column_sql, "query": query_sql}, (
            *column_params,
            *query_params,
        )


def _like_escape(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search_condition(text: str, vendor: str) -> Q:
    """Every word in the text or the author's name (folded; on PostgreSQL also a close trigram
    match for words of four letters or more), or, on PostgreSQL, a Swedish full-text match."""
    words = text.split()[:SEARCH_MAX_WORDS]
    if not words:
        return Q()
    every_word = Q()
    for word in words:
        pattern = Value(_like_escape(word))
        this_word = Q(FoldedContains(F("text"), pattern)) | Q(
            FoldedContains(F("author_name"), pattern)
        )
        if vendor == "postgresql" and len(word) >= 4:
            this_word |= Q(WordSimilar(F("text"), Value(word))) | Q(
                WordSimilar(F("author_name"), Value(word))
            )
        every_word &= this_word
    if vendor == "postgresql":
        return every_word | Q(SwedishMatch(F("text"), Value(text)))
    return every_word


# --- The queue --------------------------------------------------------------------------------


def owner_absent(today: dt.date):
    """Whether the item's account has an owner who is absent today (a subquery)."""
    absent = Absence.objects.filter(
        user_id=OuterRef("user_id"), starts_on__lte=today, ends_on__gte=today
    )
    return Exists(
        AccountRole.objects.current()
        .filter(account_id=OuterRef("account_id"), role=Role.OWNER)
        .filter(Exists(absent))
    )


def _filtered(user, cleaned: dict, *, now: dt.datetime, today: dt.date) -> QuerySet[Item]:
    qs = (
        Item.objects.open()
        .filter(account__in=accounts_acted_for(user, today))
        .filter(messages_rule(user, today))
    )
    if cleaned.get("konto"):
        qs = qs.filter(account_id=cleaned["konto"])
    if cleaned.get("plattform"):
        qs = qs.filter(account__platform=cleaned["plattform"])
    if cleaned.get("typ"):
        qs = qs.filter(kind=cleaned["typ"])
    if cleaned.get("kalla"):
        qs = qs.filter(source=cleaned["kalla"])
    if cleaned.get("personuppgifter"):
        qs = qs.filter(has_personal_data=True)
    if cleaned.get("forsenade"):
        qs = qs.filter(published_at__lt=overdue_cutoff(now))
    if cleaned.get("agare_franvarande"):
        qs = qs.filter(owner_absent(today))
    if cleaned.get("fran"):
        start = dt.datetime.combine(
            cleaned["fran"], dt.time.min, tzinfo=timezone.get_current_timezone()
        )
        qs = qs.filter(published_at__gte=start)
    if cleaned.get("till"):
        end = dt.datetime.combine(
            cleaned["till"] + dt.timedelta(days=1),
            dt.time.min,
            tzinfo=timezone.get_current_timezone(),
        )
        qs = qs.filter(published_at__lt=end)
    if cleaned.get("q"):
        qs = qs.filter(search_condition(cleaned["q"], connection.vendor))
    return qs


def _ordering(cleaned_filter: dict) -> tuple[str, ...]:
    return ORDERINGS.get(cleaned_filter.get("ordning") or OLDEST_FIRST, ORDERINGS[OLDEST_FIRST])


def attachment_count():
    """How many attachments the item has (a subquery; the attachments are the connectors'
    records, reached through the reverse relation so this app does not import that one)."""
    attachment = Item._meta.get_field("attachments").related_model
    counted = (
        attachment.objects.filter(item=OuterRef("pk"))
        .order_by()
        .values("item")
        .annotate(n=Count("pk"))
        .values("n")[:1]
    )
    return Coalesce(Subquery(counted), 0)


def _for_display(qs: QuerySet[Item], *, now: dt.datetime, today: dt.date) -> QuerySet[Item]:
    return with_claims(
        qs.select_related("account").annotate(
            owner_absent=owner_absent(today), attachment_count=attachment_count()
        ),
        now,
    )


def queue_queryset(user, cleaned_filter: dict, *, now: dt.datetime | None = None) -> QuerySet[Item]:
    """The person's unhandled items matching the filter, in the filter's order, with the account
    joined and annotated with ``owner_absent`` and the live claim (see ``claims.with_claims``).
    ``cleaned_filter`` is ``QueueFilter.cleaned_data`` (missing keys mean "any")."""
    now = now or timezone.now()
    today = local_today()
    qs = _filtered(user, cleaned_filter, now=now, today=today).order_by(*_ordering(cleaned_filter))
    return _for_display(qs, now=now, today=today)


def queue_neighbours(user, cleaned_filter: dict, item: Item) -> tuple[int | None, int | None]:
    """The ids of the items before and after ``item`` in the filtered queue, two small queries
    on (published_at, pk) rather than loading the queue. The item itself need not be in the
    queue any more (it was just handled): its place is where it would sort."""
    now = timezone.now()
    qs = _filtered(user, cleaned_filter, now=now, today=local_today())
    at, pk = item.published_at, item.pk
    earlier = Q(published_at__lt=at) | Q(published_at=at, pk__lt=pk)
    later = Q(published_at__gt=at) | Q(published_at=at, pk__gt=pk)
    before = qs.filter(earlier).order_by("-published_at", "-pk").values_list("pk", flat=True)
    after = qs.filter(later).order_by("published_at", "pk").values_list("pk", flat=True)
    if (cleaned_filter.get("ordning") or OLDEST_FIRST) == NEWEST_FIRST:
        before, after = after, before
    return before.first(), after.first()


def filter_querystring(cleaned_filter: dict, *, page: bool = True) -> str:
    """The filter as a query string without the leading "?" ("" when nothing is set), only
    the fields that differ from the defaults, in a fixed order, so links carry the filter."""
    params = []
    for name in FILTER_FIELDS:
        value = cleaned_filter.get(name)
        if name == "ordning" and value == OLDEST_FIRST:
            continue
        if name == "sida" and (not page or value == 1):
            continue
        if value in (None, "", False):
            continue
        if value is True:
            value = "1"
        elif isinstance(value, dt.date):
            value = value.isoformat()
        params.append((name, value))
    return urlencode(params)


@dataclass
class QueueCounts:
    total: int
    overdue: int
    personal_data: int


def queue_counts(user, cleaned_filter: dict, *, now: dt.datetime | None = None) -> QueueCounts:
    """The whole filter's total, overdue and personal-data counts in one query."""
    now = now or timezone.now()
    cutoff = overdue_cutoff(now)
    totals = _filtered(user, cleaned_filter, now=now, today=local_today()).aggregate(
        total=Count("pk"),
        overdue=Count("pk", filter=Q(published_at__lt=cutoff)),
        personal_data=Count("pk", filter=Q(has_personal_data=True)),
    )
    return QueueCounts(**totals)


@dataclass
class QueuePage:
    items: list[Item]
    counts: QueueCounts
    number: int
    num_pages: int
    page_size: int

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.num_pages

    @property
    def start_index(self) -> int:
        return (self.number - 1) * self.page_size + 1 if self.items else 0

    @property
    def end_index(self) -> int:
        return (self.number - 1) * self.page_size + len(self.items)


def queue_page(user, cleaned_filter: dict, *, page_size: int = PAGE_SIZE) -> QueuePage:
    """One numbered page of the filtered queue with the whole filter's counts: two queries,
    whatever the number of items. A page past the end shows the last page. Each item gets
    ``overdue`` and ``age`` set."""
    now = timezone.now()
    counts = queue_counts(user, cleaned_filter, now=now)
    number, num_pages = page_number(cleaned_filter.get("sida"), counts.total, per_page=page_size)
    offset = (number - 1) * page_size
    today = local_today()
    ordering = _ordering(cleaned_filter)
    # The page's ids first, in a subquery: rows skipped by OFFSET would otherwise each run the
    # owner-absent and claim subqueries, which made a page deep in a storm slow.
    window = (
        _filtered(user, cleaned_filter, now=now, today=today)
        .order_by(*ordering)
        .values("pk")[offset : offset + page_size]
    )
    page_items = Item.objects.filter(pk__in=window).order_by(*ordering)
    items = list(_for_display(page_items, now=now, today=today))
    cutoff = overdue_cutoff(now)
    for item in items:
        item.overdue = item.published_at < cutoff
        item.age = now - item.published_at
    return QueuePage(
        items=items, counts=counts, number=number, num_pages=num_pages, page_size=page_size
    )


def fields_search_condition(
    text: str, vendor: str, fields: tuple[str, ...], *, fuzzy: bool = True
) -> Q:
    """``search_condition`` over other text columns (versions, triage records, evidence): every
    word in one of ``fields`` (folded); on PostgreSQL, with ``fuzzy``, also a close trigram
    match for words of four letters or more, or a Swedish full-text match on one of them."""
    words = text.split()[:SEARCH_MAX_WORDS]
    if not words:
        return Q()
    every_word = Q()
    for word in words:
        pattern = Value(_like_escape(word))
        this_word = Q()
        for field in fields:
            this_word |= Q(FoldedContains(F(field), pattern))
            if fuzzy and vendor == "postgresql" and len(word) >= 4:
                this_word |= Q(WordSimilar(F(field), Value(word)))
        every_word &= this_word
    if fuzzy and vendor == "postgresql":
        for field in fields:
            every_word |= Q(SwedishMatch(F(field), Value(text)))
    return every_word
