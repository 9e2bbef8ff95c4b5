"""The public face of the registry: no login, nothing but what is public (R7, R24, R26).

Every page and feed here is read-only, cacheable and built from ``public_selectors``. The list,
its feeds and the lookup are kept rendered under the registry's version (``public_cache``) and
answer conditional requests with 304. The HTML pages are cached publicly only for anonymous
visitors: a logged-in employee sees their name in
the header, so their copy is private. The anonymous header carries no CSRF token (the language
switch is a link), so a shared cache never hands one visitor's token to another.
"""

from __future__ import annotations

import csv
import io
from functools import wraps
from urllib.parse import urlencode

from csp.decorators import csp_replace
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.cache import patch_cache_control
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_safe

from archiving.selectors import public_snapshots_for

from . import public_cache
from . import public_selectors as selectors
from .models import Platform
from .platforms import parse_profile_url
from .visitor_info import visitor_information_in

# The longest address the lookup reads; a profile address is far shorter. The request line that
# carries it (GET) stays within the web server's limit, see "Running in production" in the README.
VERIFY_MAX_LENGTH = 500
PUBLIC_MAX_AGE = 300  # seconds; the list changes a few times a year, five minutes is fresh enough


# --- Caching and framing ------------------------------------------------------------------------


def _cached_page(view):
    """Public cache for anonymous visitors, private for logged-in staff (their name is shown).

    For pages that show more than the registry (the account page lists archive snapshots), so
    they are rendered afresh and only marked cacheable for proxies."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if response.status_code == 200:
            if request.user.is_authenticated:
                patch_cache_control(response, private=True, max_age=0)
            else:
                patch_cache_control(response, public=True, max_age=PUBLIC_MAX_AGE)
        return response

    return wrapper


def _registry_page(view):
    """A page built from the registry alone: anonymous visitors get the copy stored under the
    current registry version (and 304 when theirs is current); staff see theirs, private."""
    return public_cache.cached_public(view, max_age=PUBLIC_MAX_AGE, personal_when_logged_in=True)


def _registry_feed(view):
    """Feeds hold nothing personal to the reader, so one stored copy serves everyone."""
    return public_cache.cached_public(view, max_age=PUBLIC_MAX_AGE, personal_when_logged_in=False)


def _frameable_by_embed_origins(view):
    """Let only ``settings.CSP_EMBED_ORIGINS`` frame the view; every other page keeps
    ``frame-ancestors 'none'`` and ``X-Frame-Options: DENY``. The origins are read per request
    so that a changed setting applies without a code change; with none configured the view is
    as unframeable as the rest."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        origins = list(settings.CSP_EMBED_ORIGINS)
        if not origins:
            return view(request, *args, **kwargs)
        framed = csp_replace({"frame-ancestors": origins})(xframe_options_exempt(view))
        return framed(request, *args, **kwargs)

    return wrapper


# --- Forms --------------------------------------------------------------------------------------


class PublicFilterForm(forms.Form):
    """Filter by department (its short name) and platform. Built from the departments already
    read, so validating it costs no query."""

    department = forms.ChoiceField(label=_("Department"), required=False)
    platform = forms.ChoiceField(label=_("Platform"), required=False)

    def __init__(self, data, *, departments):
        super().__init__(data)
        self._departments = {d.slug: d for d in departments}
        selected = (data or {}).get("department")
        self.fields["department"].choices = [("", _("All departments"))] + [
            (d.slug, d.name) for d in departments if d.public_count or d.slug == selected
        ]
        self.fields["platform"].choices = [("", _("All platforms")), *Platform.choices]

    def clean_department(self):
        slug = self.cleaned_data.get("department")
        return self._departments.get(slug) if slug else None

    def filters(self) -> dict:
        """The valid filters; an invalid one is shown as an error and left out."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {"department": data.get("department"), "platform": data.get("platform") or None}


class VerifyForm(forms.Form):
    url = forms.CharField(
        label=_("Address of the account"),
        max_length=VERIFY_MAX_LENGTH,
        error_messages={
            "max_length": _(
                "The address is too long: an account's address has at most %(limit_value)d "
                "characters (this one has %(show_value)d). Copy the address from the browser's "
                "address bar again."
            )
        },
        help_text=_("Paste the address of the profile page, e.g. https://www.facebook.com/…"),
        widget=forms.TextInput(attrs={"type": "url", "inputmode": "url", "autocomplete": "url"}),
    )

    def clean_url(self):
        try:
            return parse_profile_url(self.cleaned_data["url"])
        except ValidationError as exc:
            raise ValidationError(exc.messages, code="invalid_profile_url") from exc


# --- Helpers ------------------------------------------------------------------------------------


def _render(request, template: str, context: dict, *, status: int = 200):
    return render(request, template, context, status=status)


def _filtered_list(request):
    departments = selectors.public_departments()
    form = PublicFilterForm(request.GET or None, departments=departments)
    filters = form.filters() if form.is_bound else {"department": None, "platform": None}
    return form, filters, selectors.public_account_list(**filters)


def _feed_list(request):
    """The filtered list for a feed, or a 400 answer naming the invalid filter."""
    form = PublicFilterForm(request.GET, departments=selectors.public_departments())
    if not form.is_valid():
        return None, _bad_filter_response(form)
    return selectors.public_account_list(**form.filters()), None


def _feed_query(filters: dict) -> str:
    params = []
    if filters["department"] is not None:
        params.append(("department", filters["department"].slug))
    if filters["platform"]:
        params.append(("platform", filters["platform"]))
    return "?" + urlencode(params) if params else ""


def _bad_filter_response(form) -> JsonResponse:
    return JsonResponse(
        {"error": str(_("Invalid filter.")), "fields": form.errors.get_json_data()},
        status=400,
        json_dumps_params={"ensure_ascii": False},
    )


def _records(accounts) -> list[dict]:
    return [selectors.public_record(a, page_url=selectors.absolute_public_url(a)) for a in accounts]


# --- Pages --------------------------------------------------------------------------------------


@require_safe
@_registry_page
def account_list(request):
    form, filters, result = _filtered_list(request)
    return _render(
        request,
        "accounts/public/account_list.html",
        {
            "form": form,
            "filters": filters,
            "result": result,
            "feed_query": _feed_query(filters),
            "nav": "public_list",
            "contact_email": settings.COMMUNICATOR_EMAIL,
        },
    )


@require_safe
@_frameable_by_embed_origins
@_registry_page
def account_list_embed(request):
    form, filters, result = _filtered_list(request)
    return _render(
        request,
        "accounts/public/embed.html",
        {"form": form, "filters": filters, "result": result, "link_target": "_top"},
    )


@require_safe
@_cached_page
def account_detail(request, pk: int):
    account = selectors.public_account(pk)
    if account is None:
        raise Http404
    return _render(
        request,
        "accounts/public/account_detail.html",
        {
            "account": account,
            "is_closed": selectors.public_status(account) == selectors.PUBLIC_CLOSED,
            "closed_on": selectors.closed_on(account),
            "contact_email": account.public_contact or settings.COMMUNICATOR_EMAIL,
            "visitor": {s.field: s for s in visitor_information_in(account, get_language())},
            # That snapshots exist (never the packages), so a copy handed out can be verified.
            "snapshots": public_snapshots_for(account),
        },
    )


@require_safe
@_registry_page
def verify(request):
    """Is this address an official account of the municipality? (R7)"""
    form = VerifyForm(request.GET if "url" in request.GET else None)
    context = {
        "form": form,
        "contact_email": settings.COMMUNICATOR_EMAIL,
        "nav": "public_verify",
    }
    if form.is_bound and not form.is_valid():
        # Tie the message to the field for screen readers; the value stays in the field.
        form.fields["url"].widget.attrs.update(
            {"aria-invalid": "true", "aria-describedby": "id_url_error id_url_helptext"}
        )
    elif form.is_bound:
        account = selectors.public_account_for_profile(form.cleaned_data["url"])
        context.update(
            {
                "checked": True,
                "profile": form.cleaned_data["url"],
                "account": account,
                "is_closed": account is not None
                and selectors.public_status(account) == selectors.PUBLIC_CLOSED,
                "closed_on": selectors.closed_on(account) if account else None,
            }
        )
    return _render(request, "accounts/public/verify.html", context)


# --- Feeds --------------------------------------------------------------------------------------


@require_safe
@_registry_feed
def account_list_json(request):
    result, error = _feed_list(request)
    if error is not None:
        return error
    records = _records(result.all)
    return JsonResponse(
        {
            "municipality": settings.MUNICIPALITY_NAME,
            "count": len(records),
            "fields": list(selectors.PUBLIC_FIELDS),
            "accounts": records,
        },
        json_dumps_params={"ensure_ascii": False},
    )


# Cells that a spreadsheet would read as a formula (CSV injection); a leading ' makes them text.
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def _csv_cell(value) -> str:
    if value is None:
        return ""
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_PREFIXES) else text


def _csv_response(request, *, delimiter: str, filename: str):
    result, error = _feed_list(request)
    if error is not None:
        return error
    buffer = io.StringIO()
    # The byte order mark makes Excel read the file as UTF-8, so å, ä and ö come out right.
    buffer.write("\ufeff")
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(selectors.PUBLIC_FIELDS)
    for record in _records(result.all):
        writer.writerow([_csv_cell(record[field]) for field in selectors.PUBLIC_FIELDS])
    response = HttpResponse(
        buffer.getvalue().encode("utf-8"), content_type="text/csv; charset=utf-8; header=present"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_safe
@_registry_feed
def account_list_csv(request):
    """The list as standard CSV (RFC 4180, comma-separated), for programs and open-data use."""
    return _csv_response(request, delimiter=",", filename="haparanda-sociala-medier.csv")


@require_safe
@_registry_feed
def account_list_csv_excel(request):
    """The list for Excel with Swedish settings, which opens a CSV file by double-click with the
    list separator of the region: a semicolon in sv-SE, where the comma is the decimal sign.
    The byte order mark is what makes Excel read UTF-8; a ``sep=;`` first line is not needed
    with it, and is left out because Excel then ignores the mark and garbles å, ä and ö."""
    return _csv_response(request, delimiter=";", filename="haparanda-sociala-medier-excel.csv")


@require_safe
@_cached_page
def accessibility_statement(request):
    """The tillgänglighetsredogörelse that lag (2018:1937) om tillgänglighet till digital offentlig
    service requires. The facts come from settings; the text is the template
    ``accounts/public/accessibility.html``, which the municipality may override in
    ``templates/`` without touching the code."""
    return _render(
        request,
        "accounts/public/accessibility.html",
        {
            "nav": "accessibility",
            "contact_email": settings.ACCESSIBILITY_CONTACT_EMAIL,
            "contact_phone": settings.ACCESSIBILITY_CONTACT_PHONE,
            "response_days": settings.ACCESSIBILITY_RESPONSE_DAYS,
            "assessed_on": settings.ACCESSIBILITY_ASSESSED_ON,
            "complaint_url": settings.ACCESSIBILITY_COMPLAINT_URL,
        },
    )


@require_safe
@_registry_feed
def verify_json(request):
    form = VerifyForm({"url": request.GET.get("url", "")})
    if not form.is_valid():
        return JsonResponse(
            {
                "url": request.GET.get("url", ""),
                "error": " ".join(str(m) for m in form.errors.get("url", [])),
            },
            status=400,
            json_dumps_params={"ensure_ascii": False},
        )
    profile = form.cleaned_data["url"]
    account = selectors.public_account_for_profile(profile)
    if account is None:
        result = "not_official"
    elif selectors.public_status(account) == selectors.PUBLIC_CLOSED:
        result = "closed"
    else:
        result = "official"
    return JsonResponse(
        {
            "url": request.GET.get("url", ""),
            "canonical_url": profile.url,
            "platform": profile.platform,
            "result": result,
            "official": result == "official",
            "account": _records([account])[0] if account else None,
            "report_to": settings.COMMUNICATOR_EMAIL,
        },
        json_dumps_params={"ensure_ascii": False},
    )
