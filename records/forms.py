from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User

from .masking import MaskingError, parse_spans
from .models import Channel, ReviewOutcome, SecrecyProvision
from .services import ASKED_FOR_MAX


class RequestForm(forms.Form):
    """Registration of a request; the requester's name and contact are optional on purpose."""

    received_at = forms.DateTimeField(
        label=_("Received"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    channel = forms.ChoiceField(label=_("How it came"), choices=Channel.choices)
    asked_for = forms.CharField(
        label=_("What is asked for, in the requester's words"),
        max_length=ASKED_FOR_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    requester_name = forms.CharField(
        label=_("Requester's name"),
        required=False,
        max_length=200,
        help_text=_("Only if they give it: anyone may ask anonymously."),
    )
    requester_contact = forms.CharField(
        label=_("Requester's contact"),
        required=False,
        max_length=300,
        help_text=_("Only if they give it, for example an e-mail or postal address."),
    )
    diarienummer = forms.CharField(
        label=_("Diarienummer"),
        required=False,
        max_length=60,
        help_text=_("When the municipality registers the request."),
    )
    include_versions = forms.BooleanField(
        label=_("The requester asks for earlier versions too"), required=False
    )
    decision_maker = forms.ModelChoiceField(
        label=_("Decision maker"),
        required=False,
        queryset=User.objects.none(),
        help_text=_("Who decides on secrecy besides the communicator."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["decision_maker"].queryset = User.objects.filter(is_active=True).order_by(
            "first_name", "last_name", "username"
        )
        self.fields["decision_maker"].label_from_instance = lambda user: (
            user.get_full_name() or user.get_username()
        )
        self.fields["received_at"].error_messages["invalid"] = _(
            "Write the date and time as YYYY-MM-DD HH:MM."
        )
        if not self.is_bound:
            self.initial.setdefault(
                "received_at", timezone.localtime().replace(second=0, microsecond=0)
            )


class ReviewForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Decision"), choices=ReviewOutcome.choices, widget=forms.RadioSelect
    )
    provision = forms.ModelChoiceField(
        label=_("Provision (offentlighets- och sekretesslagen)"),
        required=False,
        queryset=SecrecyProvision.objects.none(),
        help_text=_("Required when masking or withholding."),
    )
    accepted = forms.TypedMultipleChoiceField(
        label=_("Suggested masking"),
        required=False,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
    )
    spans = forms.CharField(
        label=_("Further spans to mask"),
        required=False,
        max_length=2000,
        help_text=_(
            "Character positions as start-end, for example 12-25, 40-52 (counted from 0; the "
            "end is not masked)."
        ),
    )
    mask_author = forms.BooleanField(label=_("Mask the author's name"), required=False)
    reason = forms.CharField(
        label=_("Reason"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )
    # The SHA-256 of the text the reviewer saw: spans are positions in that text.
    seen = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)

    def __init__(self, *args, suggestions=(), text="", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["provision"].queryset = SecrecyProvision.objects.filter(active=True)
        self.fields["accepted"].choices = [
            (
                i,
                f"{s['label']}: {text[s['start'] : s['end']]} ({s['start']}-{s['end']})",
            )
            for i, s in enumerate(suggestions)
        ]
        self.fields["accepted"].error_messages["invalid_choice"] = _(
            "An accepted suggestion is not in the list."
        )
        self.fields["outcome"].error_messages["invalid_choice"] = _(
            "Choose release, release with masking or withhold."
        )
        self.fields["provision"].error_messages["invalid_choice"] = _(
            "Choose a provision from the list."
        )

    def clean_spans(self):
        try:
            return parse_spans(self.cleaned_data.get("spans", ""))
        except MaskingError as exc:
            raise forms.ValidationError(str(exc)) from None


class ProvisionForm(forms.ModelForm):
    class Meta:
        model = SecrecyProvision
        fields = ["citation", "description"]
