from django import forms
from django.utils.translation import gettext_lazy as _


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=20,
        help_text=_("Six digits from your authenticator app, or one of your recovery codes."),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True}
        ),
    )


class ConfirmAppForm(forms.Form):
    code = forms.CharField(
        label=_("Code from the app"),
        max_length=6,
        min_length=6,
        help_text=_("The six digits the app shows now."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class FindPersonForm(forms.Form):
    who = forms.CharField(label=_("User name or e-mail address"), max_length=254)


class ResetForm(forms.Form):
    reason = forms.CharField(
        label=_("Why"),
        max_length=2000,
        help_text=_("For example: the person has lost their phone. Recorded with your name."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
