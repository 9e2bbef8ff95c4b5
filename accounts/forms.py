"""Forms for the registry. They validate input; the services in ``services.py`` do the writes."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

from .models import HOURS_IN_A_WEEK, TEXT_LIMIT, AccountRole, Department, Goal, Role, SocialAccount
from .platforms import parse_profile_url
from .selectors import active_users
from .services import APPLICATION_FIELDS, DETAIL_FIELDS
from .validators import EARLIEST_DATE, latest_date, length_message, validate_sensible_date

_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
_TEXT = forms.Textarea(attrs={"rows": 3})


def person_label(user) -> str:
    return f"{user} ({user.title})" if user.title else str(user)


class PersonPicker(forms.Select):
    """A person picker that never lists every employee (issue 12): a search field and a select
    with the people whose name matches, plus the one already chosen.

    With JavaScript, htmx fills the select as the person types. Without it, the search button
    posts the form, the page shows it again with the matches and nothing is saved (views check
    ``SEARCH``). The search text travels as ``<name>__q``.
    """

    template_name = "accounts/widgets/person_picker.html"
    queryset = None
    query = ""

    def value_from_datadict(self, data, files, name):
        self.query = (data.get(f"{name}__q") or "").strip()[:100]
        return super().value_from_datadict(data, files, name)

    def get_context(self, name, value, attrs):
        from django.urls import reverse

        from .selectors import people_matching

        chosen = value[0] if isinstance(value, list | tuple) and value else value
        people = people_matching(self.queryset, self.query, include=chosen)
        self.choices = [("", _("– Search by name, then choose –"))] + [
            (p.pk, person_label(p)) for p in people
        ]
        context = super().get_context(name, value, attrs)
        context["widget"]["query"] = self.query
        context["widget"]["search_url"] = reverse("accounts:person_search")
        context["widget"]["search_button"] = SEARCH
        return context


# The name of the search button of a person picker: a post with it only searches.
SEARCH = "_search"


class UserChoiceField(forms.ModelChoiceField):
    widget = PersonPicker

    def _set_queryset(self, queryset):
        super()._set_queryset(queryset)
        self.widget.queryset = self.queryset

    queryset = property(forms.ModelChoiceField._get_queryset, _set_queryset)

    def label_from_instance(self, obj):
        return person_label(obj)


def _user_field(label, *, required=True, help_text=""):
    return UserChoiceField(
        queryset=active_users(), label=label, required=required, help_text=help_text
    )


def search_only(form):
    """The form as posted with the search button: shown again with its input, without the
    errors of fields the person has not finished."""
    from django.forms.utils import ErrorDict

    form.full_clean()
    form._errors = ErrorDict()
    return form


_DIRECTORY_MANAGER_HELP = _(
    "The person's manager in the staff directory is asked to confirm the assignment."
)
_NO_MANAGER = _(
    "%(person)s has no manager in the staff directory, so nobody can confirm the assignment. "
    "Ask the communicator to update the directory."
)


def _reason(label=None, *, required=True, rows=3):
    return forms.CharField(
        label=label or _("Reason"),
        required=required,
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


class NamedLengthsMixin:
    """A text over its limit is refused with a message that names the field, so the person
    knows which of the long form's texts to shorten; date pickers offer only sensible dates."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if getattr(field, "max_length", None):
                field.error_messages["max_length"] = length_message(field.label)
            if isinstance(field, forms.DateField):
                field.widget.attrs.update(
                    {"min": EARLIEST_DATE.isoformat(), "max": latest_date().isoformat()}
                )


class _Form(NamedLengthsMixin, forms.Form):
    pass


class _AccountFieldsForm(NamedLengthsMixin, forms.ModelForm):
    goals = forms.MultipleChoiceField(
        label=_("Goals served"),
        choices=Goal.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta:
        model = SocialAccount
        fields = APPLICATION_FIELDS
        widgets = {
            "starts_on": _DATE,
            "ends_on": _DATE,
            "purpose": _TEXT,
            "audiences": _TEXT,
            "plan": _TEXT,
            "tonality": _TEXT,
            "answers": _TEXT,
            "does_not_answer": _TEXT,
            "credentials_location": _TEXT,
            "credentials_access": _TEXT,
            **{name: forms.Textarea(attrs={"rows": 4}) for name in SocialAccount.VISITOR_FIELDS},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = Department.objects.order_by("name")
        hours = self.fields["hours_per_week"]
        hours_message = _("Give the hours per week as a number from 0 to %(max)s.") % {
            "max": HOURS_IN_A_WEEK
        }
        hours.validators += [
            MinValueValidator(0, message=hours_message),
            MaxValueValidator(HOURS_IN_A_WEEK, message=hours_message),
        ]
        hours.widget.attrs.update({"min": 0, "max": HOURS_IN_A_WEEK})

    def clean(self):
        cleaned = super().clean()
        starts, ends = cleaned.get("starts_on"), cleaned.get("ends_on")
        if starts and ends and ends < starts:
            # On the end date, where the mistake is, rather than as a message for the whole form.
            self.add_error("ends_on", _("The end date cannot be before the start date."))
        return cleaned

    def fieldsets(self):
        """Groups of fields, so the long form reads in the order of the guideline."""
        groups = [
            (
                _("The account"),
                ["department", "profile_url", "display_name", "starts_on", "ends_on"],
            ),
            (
                _("Purpose and plan"),
                ["purpose", "audiences", "goals", "plan", "tonality", "hours_per_week"],
            ),
            (_("What the account answers"), ["answers", "does_not_answer", "public_contact"]),
            (_("Visitor information"), list(SocialAccount.VISITOR_FIELDS)),
            (_("Login details"), ["credentials_location", "credentials_access"]),
        ]
        return [
            (title, [self[n] for n in names if n in self.fields])
            for title, names in groups
            if any(n in self.fields for n in names)
        ]


class ApplicationForm(_AccountFieldsForm):
    """The anmälan (R2): the account's data, its visitor information (R6) and credential custody
    (R9)."""

    profile_url = forms.CharField(
        label=_("Address of the profile page"),
        max_length=500,
        help_text=_("Paste the address of the account, e.g. https://www.facebook.com/haparanda."),
    )

    field_order = ["department", "profile_url", "display_name"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            self.initial.setdefault("profile_url", self.instance.url)

    def clean_profile_url(self):
        value = self.cleaned_data["profile_url"]
        parse_profile_url(value)  # raises a ValidationError the person can act on
        return value


class NewApplicationForm(ApplicationForm):
    """A new anmälan also names its people: the owner, a deputy and optionally an administrator.
    Each person's manager in the staff directory is asked to confirm the assignment (R3, R4);
    the applicant does not choose the managers."""

    owner = _user_field(_("Owner"), help_text=_DIRECTORY_MANAGER_HELP)
    deputy = _user_field(_("Deputy"), help_text=_DIRECTORY_MANAGER_HELP)
    administrator = _user_field(
        _("Administrator (optional)"), required=False, help_text=_DIRECTORY_MANAGER_HELP
    )

    PEOPLE = ("owner", "deputy")
    ADMIN = ("administrator",)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in (*self.PEOPLE, *self.ADMIN):
            self.fields[name].queryset = active_users()

    def fieldsets(self):
        groups = super().fieldsets()
        groups.insert(1, (_("People"), [self[n] for n in (*self.PEOPLE, *self.ADMIN)]))
        return groups

    def clean(self):
        cleaned = super().clean()
        people = [cleaned.get(n) for n in ("owner", "deputy", "administrator")]
        people = [p for p in people if p is not None]
        if len({p.pk for p in people}) != len(people):
            raise ValidationError(_("A person cannot hold two roles on one account."))
        for name in ("owner", "deputy", "administrator"):
            user = cleaned.get(name)
            if user is not None and user.manager_id is None:
                self.add_error(name, _NO_MANAGER % {"person": user})
        return cleaned


class DetailsForm(_AccountFieldsForm):
    """An active account's record, kept by the owner or the communicator."""

    comment = _reason(_("What changed and why"), required=False)

    class Meta(_AccountFieldsForm.Meta):
        fields = DETAIL_FIELDS


class CredentialsForm(NamedLengthsMixin, forms.ModelForm):
    class Meta:
        model = SocialAccount
        fields = ("credentials_location", "credentials_access")
        widgets = {"credentials_location": _TEXT, "credentials_access": _TEXT}


class PersonForm(_Form):
    """Name a person for a role; their manager in the staff directory gives the assignment."""

    user = _user_field(_("Person"), help_text=_DIRECTORY_MANAGER_HELP)
    comment = _reason(required=False)

    def __init__(self, *args, comment_required=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = active_users()
        self.fields["comment"].required = comment_required


class AddPersonForm(PersonForm):
    role = forms.ChoiceField(
        label=_("Role"),
        choices=[(Role.DEPUTY, Role.DEPUTY.label), (Role.ADMINISTRATOR, Role.ADMINISTRATOR.label)],
    )
    field_order = ["role", "user"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["comment"]


class OwnerForm(PersonForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].label = _("Owner")
        del self.fields["comment"]


class CommentForm(_Form):
    comment = _reason()

    def __init__(self, *args, required=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["comment"].required = required


class RoleChoiceForm(_Form):
    """Which role to end, with the reason."""

    role = forms.ModelChoiceField(queryset=AccountRole.objects.none(), widget=forms.HiddenInput)
    comment = _reason(rows=2)

    def __init__(self, *args, account=None, **kwargs):
        super().__init__(*args, **kwargs)
        if account is not None:
            self.fields["role"].queryset = account.roles.current()


class DecisionForm(_Form):
    """The communicator's decision on an application: approve, reject or send back. The choice
    is the button pressed; every decision carries its reason (R23)."""

    APPROVE, REJECT, REQUEST_CHANGES = "approve", "reject", "request_changes"
    comment = _reason(_("Comment"))

    def __init__(self, *args, decision=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.decision = decision
        self.fields["comment"].help_text = _(
            "Why you decide as you do. The decision is documented and the applicant reads it."
        )
        self.fields["comment"].error_messages["required"] = _(
            "Write a reason: the decision is documented."
        )


class ConfirmAssignmentForm(_Form):
    reference = forms.CharField(
        label=_("Reference (optional)"),
        max_length=200,
        required=False,
        help_text=_("A diarienummer or other reference to your decision, if any."),
    )
    comment = _reason(_("Comment (optional)"), required=False)


class DeclineAssignmentForm(_Form):
    reason = _reason(_("Why you decline"))


class AbsenceForm(_Form):
    user = _user_field(_("Person"))
    starts_on = forms.DateField(label=_("From"), widget=_DATE, validators=[validate_sensible_date])
    ends_on = forms.DateField(
        label=_("To and including"), widget=_DATE, validators=[validate_sensible_date]
    )
    note = forms.CharField(label=_("Note (optional)"), max_length=200, required=False)

    def __init__(self, *args, people=None, **kwargs):
        super().__init__(*args, **kwargs)
        if people is None:
            del self.fields["user"]
        else:
            self.fields["user"].queryset = people

    def clean(self):
        cleaned = super().clean()
        starts, ends = cleaned.get("starts_on"), cleaned.get("ends_on")
        if starts and ends and ends < starts:
            self.add_error("ends_on", _("An absence cannot end before it starts."))
        return cleaned


class AbsenceChangeForm(_Form):
    """Correct an absence's dates, with the reason (the change is documented)."""

    starts_on = forms.DateField(label=_("From"), widget=_DATE, validators=[validate_sensible_date])
    ends_on = forms.DateField(
        label=_("To and including"), widget=_DATE, validators=[validate_sensible_date]
    )
    comment = _reason(rows=2)

    def clean(self):
        cleaned = super().clean()
        starts, ends = cleaned.get("starts_on"), cleaned.get("ends_on")
        if starts and ends and ends < starts:
            self.add_error("ends_on", _("An absence cannot end before it starts."))
        return cleaned


class DirectoryUploadForm(_Form):
    """The HR system's file, uploaded by the communicator (issue 12)."""

    file = forms.FileField(
        label=_("The staff directory as a CSV file"),
        help_text=_(
            "Columns: employee id, name, e-mail, department and manager's employee id, separated "
            "by semicolons or commas, in UTF-8. People missing from the file are taken to have "
            "left."
        ),
    )

    def clean_file(self):
        from django.conf import settings

        upload = self.cleaned_data["file"]
        cap = settings.STAFF_DIRECTORY_MAX_BYTES
        if upload.size > cap:
            raise ValidationError(
                _("The file is %(size)s MB; at most %(max)s MB is accepted. Nothing was changed.")
                % {
                    "size": f"{upload.size / 1_000_000:.1f}".replace(".", ","),
                    "max": f"{cap / 1_000_000:.1f}".removesuffix(".0").replace(".", ","),
                }
            )
        return upload
