"""Bulk actions from the queue: one outcome for many items (issue 9)."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from .bulk import BULK_EXCLUDED_GROUNDS, BULK_LIMIT, BulkAction, bulk_triage
from .queue import QueueFilter, queue_queryset
from .response_model import ground_choices

SELECTED = "valda"
WHOLE_FILTER = "filtret"


class BulkForm(forms.Form):
    atgard = forms.ChoiceField(
        label=_("Outcome"),
        choices=BulkAction.choices,
        error_messages={"required": _("Choose what to do with the items.")},
    )
    svar = forms.CharField(label=_("Reply (for thanking)"), required=False, max_length=5000)
    grund = forms.ChoiceField(
        label=_("Ground (for removal)"),
        required=False,
        choices=[("", "—"), *ground_choices(exclude=BULK_EXCLUDED_GROUNDS)],
    )
    motivering = forms.CharField(
        label=_("Reason (kept in each record)"), required=False, max_length=2000
    )
    omfang = forms.ChoiceField(
        label=_("Which items"),
        choices=[(SELECTED, _("The items ticked")), (WHOLE_FILTER, _("The whole filter"))],
        required=False,
    )
    filter = forms.CharField(required=False, max_length=2000, widget=forms.HiddenInput)
    tillbaka = forms.CharField(required=False, max_length=2000, widget=forms.HiddenInput)

    def __init__(self, data, *, user, **kwargs):
        super().__init__(data, **kwargs)
        self.user = user
        invalid = _("Choose a valid option; %(value)s is not one of them.")
        for name in ("atgard", "grund", "omfang"):
            self.fields[name].error_messages["invalid_choice"] = invalid

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("atgard") == BulkAction.THANK and not cleaned.get("svar", "").strip():
            self.add_error("svar", _("Write the reply that will be published."))
        if cleaned.get("atgard") == BulkAction.REMOVE and not cleaned.get("grund"):
            self.add_error("grund", _("Choose the ground for the removal."))
        cleaned["item_ids"] = self._item_ids(cleaned)
        return cleaned

    def _item_ids(self, cleaned) -> list[int]:
        if cleaned.get("omfang") == WHOLE_FILTER:
            queue_filter = QueueFilter(QueryDict(cleaned.get("filter", "")))
            if not queue_filter.is_valid():
                raise ValidationError(_("The filter could not be read; filter the queue again."))
            # One more than allowed tells "too many" apart from "exactly the limit".
            return list(
                queue_queryset(self.user, queue_filter.cleaned_data).values_list("pk", flat=True)[
                    : BULK_LIMIT + 1
                ]
            )
        raw = self.data.getlist("objekt")
        if not all(value.isdigit() for value in raw):
            raise ValidationError(_("The selection could not be read; select the items again."))
        return list(dict.fromkeys(int(value) for value in raw))


@login_required
@require_POST
def queue_bulk(request):
    """Carry out one outcome for the selected items, or for the whole filter, and show what
    happened to each item. A refused request (status 400) changes nothing and shows why."""
    form = BulkForm(request.POST, user=request.user)
    back = f"{reverse('moderation:queue')}?{form.data.get('tillbaka', '')}".rstrip("?")
    result, errors = None, []
    if form.is_valid():
        data = form.cleaned_data
        try:
            result = bulk_triage(
                actor=request.user,
                item_ids=data["item_ids"],
                action=data["atgard"],
                reply_text=data["svar"],
                legal_ground=data["grund"],
                reason=data["motivering"],
            )
        except ValidationError as exc:
            errors = exc.messages
    else:
        errors = [str(error) for field_errors in form.errors.values() for error in field_errors]
    return render(
        request,
        "moderation/queue_bulk.html",
        {"nav": "queue", "result": result, "errors": errors, "back": back},
        status=200 if result is not None else 400,
    )
