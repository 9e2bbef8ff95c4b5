"""The staff search over every item the municipality holds (R21).

One search over posts, comments, replies and messages, every version, the evidence of removed
items and the triage records (reasons and replies). It reuses the queue's search
(``moderation.queue``): Swedish full-text search, trigram matching on the folded text
(``hs_fold``), each served by a GIN index (moderation migration 0005 for items, records
migration 0002 for versions and triage records); on SQLite a folded substring match. Who sees
what is ``records.permissions.records_for_user``.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django import forms
from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Department, Platform, SocialAccount
from moderation.models import Evidence, Item, ItemKind, ItemVersion, ModerationAction
from moderation.queue import SEARCH_MAX_LENGTH, fields_search_condition, search_condition

from .permissions import records_for_user

YES, NO = "ja", "nej"
YES_NO = [("", _("Either")), (YES, _("Yes")), (NO, _("No"))]

# The GET parameters, in the order they appear in a link.
FILTER_FIELDS = (
    "q",
    "konto",
    "forvaltning",
    "plattform",
    "typ",
    "forfattare",
    "fran",
    "till",
    "hanterad",
    "borttagen",
    "personuppgifter",
)


class RecordsFilter(forms.Form):
    """The search, read from GET parameters. A search needs words or at least one filter."""

    q = forms.CharField(
        label=_("Words"),
        required=False,
        max_length=SEARCH_MAX_LENGTH,
        error_messages={
            "max_length": _(
                "Search for at most %(limit_value)d characters (you wrote %(show_value)d)."
            )
        },
    )
    konto = forms.ModelChoiceField(
        label=_("Account"),
        required=False,
        queryset=SocialAccount.objects.none(),
        empty_label=_("All accounts"),
    )
    forvaltning = forms.ModelChoiceField(
        label=_("Department"),
        required=False,
        queryset=Department.objects.order_by("name"),
        empty_label=_("All departments"),
    )
    plattform = forms.ChoiceField(
        label=_("Platform"), required=False, choices=[("", _("All platforms")), *Platform.choices]
    )
    typ = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All kinds")), *ItemKind.choices]
    )
    forfattare = forms.CharField(label=_("Author"), required=False, max_length=200)
    fran = forms.DateField(label=_("Published from"), required=False)
    till = forms.DateField(label=_("Published until"), required=False)
    hanterad = forms.ChoiceField(label=_("Handled"), required=False, choices=YES_NO)
    borttagen = forms.ChoiceField(label=_("Removed"), required=False, choices=YES_NO)
    personuppgifter = forms.ChoiceField(
        label=_("Flagged for personal data"), required=False, choices=YES_NO
    )

    def __init__(self, data=None, *, user=None, **kwargs):
        super().__init__(data, **kwargs)
        accounts = SocialAccount.objects.order_by("display_name", "pk")
        if user is not None:
            accounts = accounts.filter(pk__in=records_for_user(user).values("account_id"))
        self.fields["konto"].queryset = accounts
        invalid = _("Choose a valid option; %(value)s is not one of them.")
        for name in ("plattform", "typ", "hanterad", "borttagen", "personuppgifter"):
            self.fields[name].error_messages["invalid_choice"] = invalid
        for name in ("konto", "forvaltning"):
            self.fields[name].error_messages["invalid_choice"] = _("Choose one from the list.")
        for name in ("fran", "till"):
            self.fields[name].error_messages["invalid"] = _("Write the date as YYYY-MM-DD.")
            self.fields[name].widget = forms.DateInput(attrs={"type": "date"})

    def clean_q(self):
        return " ".join(self.cleaned_data.get("q", "").split())

    def clean_forfattare(self):
        return " ".join(self.cleaned_data.get("forfattare", "").split())

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("fran"), cleaned.get("till")
        if start and end and start > end:
            self.add_error("till", _("The end date is before the start date."))
        if not self.errors and not any(cleaned.get(name) for name in FILTER_FIELDS):
            raise forms.ValidationError(
                _("Write what to search for, or choose at least one filter."),
                code="empty",
            )
        return cleaned


def _local_midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=timezone.get_current_timezone())


def text_condition(text: str) -> Q:
    """The words in the item itself, one of its versions, its evidence or its triage records."""
    vendor = connection.vendor
    versions = ItemVersion.objects.filter(item_id=OuterRef("pk")).filter(
        fields_search_condition(text, vendor, ("text",))
    )
    actions = ModerationAction.objects.filter(item_id=OuterRef("pk")).filter(
        fields_search_condition(text, vendor, ("reason", "reply_text"))
    )
    # The evidence repeats the item and its versions as JSON and HTML; a substring match finds
    # what the copy holds beyond them (the moment it was taken, who took it).
    evidence = Evidence.objects.filter(item_id=OuterRef("pk")).filter(
        fields_search_condition(text, vendor, ("data_json",), fuzzy=False)
    )
    return search_condition(text, vendor) | Exists(versions) | Exists(actions) | Exists(evidence)


def records_queryset(user, cleaned: dict) -> QuerySet[Item]:
    """The items matching the search that this person may see, newest first, with the account
    and its department joined."""
    qs = records_for_user(user)
    if cleaned.get("konto"):
        qs = qs.filter(account=cleaned["konto"])
    if cleaned.get("forvaltning"):
        qs = qs.filter(account__department=cleaned["forvaltning"])
    if cleaned.get("plattform"):
        qs = qs.filter(account__platform=cleaned["plattform"])
    if cleaned.get("typ"):
        qs = qs.filter(kind=cleaned["typ"])
    if cleaned.get("forfattare"):
        qs = qs.filter(
            fields_search_condition(cleaned["forfattare"], connection.vendor, ("author_name",))
        )
    if cleaned.get("fran"):
        qs = qs.filter(published_at__gte=_local_midnight(cleaned["fran"]))
    if cleaned.get("till"):
        qs = qs.filter(published_at__lt=_local_midnight(cleaned["till"] + dt.timedelta(days=1)))
    flags = {
        "hanterad": Q(handled_at__isnull=False),
        "borttagen": Q(removed_at__isnull=False),
        "personuppgifter": Q(has_personal_data=True),
    }
    for name, condition in flags.items():
        if cleaned.get(name) == YES:
            qs = qs.filter(condition)
        elif cleaned.get(name) == NO:
            qs = qs.exclude(condition)
    if cleaned.get("q"):
        qs = qs.filter(text_condition(cleaned["q"]))
    return qs.select_related("account", "account__department").order_by("-published_at", "-pk")


def filter_querystring(cleaned: dict) -> str:
    """The search as a query string without "?", so links and the add-all form carry it."""
    params = []
    for name in FILTER_FIELDS:
        value = cleaned.get(name)
        if value in (None, ""):
            continue
        if hasattr(value, "pk"):
            value = value.pk
        elif isinstance(value, dt.date):
            value = value.isoformat()
        params.append((name, value))
    return urlencode(params)
