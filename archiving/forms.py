from django import forms
from django.utils.translation import gettext_lazy as _


class ChangeSnapshotForm(forms.Form):
    reason = forms.CharField(
        label=_("What has changed"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For example a new owner, a changed purpose or a move to another platform."),
    )

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(_("Say what has changed."))
        return reason


class FlaggedDownloadForm(forms.Form):
    reason = forms.CharField(
        label=_("Why do you download it anyway?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For example: to compare it with the copy in the e-archive."),
        error_messages={"required": _("Say why you download the package anyway.")},
    )

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(_("Say why you download the package anyway."))
        return reason
