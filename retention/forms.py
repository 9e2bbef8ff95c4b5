import re

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import SocialAccount

from .models import MAX_PERIOD_MONTHS, Anchor, Disposal, HoldScope


class RuleForm(forms.Form):
    period_months = forms.IntegerField(
        label=_("Period in months"),
        help_text=_("How long the records are kept after the event below; 0 to 1200."),
        error_messages={"invalid": _("Give the period as a whole number of months.")},
    )
    anchor = forms.ChoiceField(label=_("The period runs from"), choices=Anchor.choices)
    disposal = forms.ChoiceField(
        label=_("Disposal"), choices=Disposal.choices, widget=forms.RadioSelect
    )
    decision_body = forms.CharField(
        label=_("Decided by"),
        max_length=200,
        help_text=_("For example: Kommunstyrelsen."),
        error_messages={"required": _("Name the body that decided the rule.")},
    )
    decision_date = forms.DateField(
        label=_("Decision date"),
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={
            "required": _("Give the date of the decision the rule rests on."),
            "invalid": _("Give the date as YYYY-MM-DD."),
        },
    )
    decision_reference = forms.CharField(
        label=_("Diarienummer"),
        max_length=100,
        help_text=_("The registration number of the decision the rule rests on."),
        error_messages={"required": _("Give the diarienummer of the decision.")},
    )
    why = forms.CharField(
        label=_("Why the change"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Say why the rule changes.")},
    )

    def __init__(self, *args, anchors=None, **kwargs):
        super().__init__(*args, **kwargs)
        if anchors is not None:
            self.fields["anchor"].choices = [c for c in Anchor.choices if c[0] in anchors]

    def clean_period_months(self):
        months = self.cleaned_data["period_months"]
        if months < 0 or months > MAX_PERIOD_MONTHS:
            raise forms.ValidationError(
                _("The period must be between 0 and %(max)d months (100 years)."),
                params={"max": MAX_PERIOD_MONTHS},
            )
        return months

    def clean(self):
        data = super().clean()
        for name in ("decision_body", "decision_reference", "why"):
            if name in data and not data[name].strip():
                self.add_error(name, _("This field is required."))
        return data


class ApprovalForm(forms.Form):
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class HoldForm(forms.Form):
    scope = forms.ChoiceField(label=_("The hold covers"), choices=HoldScope.choices)
    account = forms.ModelChoiceField(
        label=_("Account"),
        queryset=SocialAccount.objects.order_by("display_name"),
        required=False,
        help_text=_("For a hold on an account; limits a search to one account."),
    )
    date_from = forms.DateField(
        label=_("From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": _("Give the date as YYYY-MM-DD.")},
    )
    date_to = forms.DateField(
        label=_("To and including"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": _("Give the date as YYYY-MM-DD.")},
    )
    search = forms.CharField(label=_("Search the items' text"), required=False, max_length=200)
    item_ids = forms.CharField(
        label=_("Item numbers"),
        required=False,
        max_length=2000,
        help_text=_("Separated by commas or spaces, as shown in the queue."),
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For example a dispute, an investigation or a request's diarienummer."),
        error_messages={"required": _("Give the reason for the hold.")},
    )

    def clean_item_ids(self):
        value = self.cleaned_data["item_ids"].strip()
        if not value:
            return []
        parts = [p for p in re.split(r"[\s,;]+", value) if p]
        if not all(p.isdigit() and len(p) < 12 for p in parts):
            raise forms.ValidationError(_("Give item numbers only, separated by commas."))
        return [int(p) for p in parts]


class ReleaseForm(forms.Form):
    reason = forms.CharField(
        label=_("Why the hold is released"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Give the reason for releasing the hold.")},
    )
