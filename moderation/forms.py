from __future__ import annotations

import json

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Department

from .models import ItemKind
from .response_model import LegalGround, Outcome, ground_choices
from .services import OUTCOME_FIELDS, REQUIRED_FIELDS


class ItemRegisterForm(forms.Form):
    """Register by hand an item seen on the platform (R10)."""

    account = forms.ModelChoiceField(queryset=None, label=_("Account"))
    kind = forms.ChoiceField(choices=ItemKind.choices, label=_("Kind"))
    author_name = forms.CharField(label=_("Author"), max_length=200)
    text = forms.CharField(label=_("Text"), widget=forms.Textarea)
    link = forms.URLField(
        assume_scheme="https",
        label=_("Link"),
        required=False,
        max_length=1000,
        help_text=_("The address of the item on the platform."),
    )
    published_at = forms.DateTimeField(
        label=_("Published"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("When the author published it."),
    )
    platform_id = forms.CharField(
        label=_("Platform id"),
        required=False,
        max_length=200,
        help_text=_("Leave empty if unknown; the link is used, or a new id is made."),
    )

    def __init__(self, *args, accounts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["account"].queryset = accounts
        self.fields["published_at"].initial = timezone.localtime().strftime("%Y-%m-%dT%H:%M")

    def clean_published_at(self):
        value = self.cleaned_data["published_at"]
        if value > timezone.now():
            raise forms.ValidationError(_("The time cannot be in the future."))
        return value


MAX_IMPORT_BYTES = 5 * 1024 * 1024


class ImportForm(forms.Form):
    account = forms.ModelChoiceField(queryset=None, label=_("Account"))
    file = forms.FileField(
        label=_("File"),
        help_text=_("CSV with a header row, a JSON array or JSON Lines, in UTF-8."),
    )

    def __init__(self, *args, accounts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["account"].queryset = accounts

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            raise forms.ValidationError(_("The file is larger than 5 MB; split it into parts."))
        return upload


class AnswerForm(forms.Form):
    """One question of the response model as radio buttons; works without JavaScript."""

    # Named "a" so that the answers so far (hidden inputs "a") and this one form one list.
    a = forms.ChoiceField(widget=forms.RadioSelect, label="")

    def __init__(self, *args, node: dict, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["a"]
        field.choices = [(answer["key"], answer["label"]) for answer in node["answers"]]
        field.label = node["question"]
        field.help_text = node.get("help", "")


class OutcomeForm(forms.Form):
    """The fields of one outcome; which are shown and required follows ``OUTCOME_FIELDS`` and
    ``REQUIRED_FIELDS`` in the service, which refuses the same way."""

    reply_text = forms.CharField(
        label=_("Reply"),
        widget=forms.Textarea,
        help_text=_("Your first name and Haparanda stad are added as signature."),
    )
    source_url = forms.URLField(label=_("Source"), max_length=1000, assume_scheme="https")
    recipient = forms.CharField(label=_("Forwarded to"), max_length=200)
    department = forms.ModelChoiceField(queryset=Department.objects.all(), label=_("Department"))
    diarienummer = forms.CharField(
        label=_("Diarienummer"),
        max_length=100,
        help_text=_("The registration number of the case, when known."),
    )
    legal_ground = forms.ChoiceField(
        choices=[("", "---------"), *LegalGround.choices],
        label=_("Ground for the removal"),
        widget=forms.RadioSelect,
    )
    visitor_notice = forms.CharField(
        label=_("Notice to the visitor"),
        widget=forms.Textarea,
        help_text=_("Visitors are always told that their item was removed."),
    )
    police_report = forms.BooleanField(label=_("Reported to the police"))
    troll = forms.BooleanField(label=_("A troll: tell the communicator"))
    reason = forms.CharField(label=_("Why (for the record)"), widget=forms.Textarea)

    def __init__(self, *args, outcome: str, **kwargs):
        super().__init__(*args, **kwargs)
        shown = OUTCOME_FIELDS[outcome]
        for name in list(self.fields):
            if name not in shown:
                del self.fields[name]
            else:
                self.fields[name].required = name in REQUIRED_FIELDS[outcome]
        if "legal_ground" in self.fields:
            # The laws and the municipality's rules are offered apart, so the person chooses
            # knowingly which of the two a removal rests on.
            exclude = frozenset({LegalGround.CASE_HANDLING}) if outcome == Outcome.REMOVE else ()
            self.fields["legal_ground"].choices = ground_choices(exclude=frozenset(exclude))
        order = [n for n in shown if n in self.fields]
        self.order_fields(order)


class PublishModelForm(forms.Form):
    tree = forms.CharField(
        label=_("Decision tree (JSON)"),
        widget=forms.Textarea(attrs={"rows": 30, "spellcheck": "false"}),
    )
    note = forms.CharField(label=_("What changed"), widget=forms.Textarea(attrs={"rows": 3}))

    def clean_tree(self):
        from .response_model import InvalidTree, validate_tree

        try:
            tree = json.loads(self.cleaned_data["tree"])
        except json.JSONDecodeError as exc:
            raise forms.ValidationError(
                _("Not valid JSON (line %(line)s): %(error)s")
                % {"line": exc.lineno, "error": exc.msg}
            ) from exc
        try:
            validate_tree(tree)
        except InvalidTree as exc:
            raise forms.ValidationError(exc.errors) from exc
        return tree


class DailyCheckForm(forms.Form):
    note = forms.CharField(label=_("Note"), max_length=500, required=False)
