"""Gallring: the rules in force, proposals and approval, the culling log and legal holds."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from haparanda_social.paging import paginate

from . import guard, kinds, selectors, services
from .forms import ApprovalForm, HoldForm, ReleaseForm, RuleForm
from .models import HoldScope
from .permissions import (
    communicator_required,
    get_hold_for_user,
    get_kind_for_user,
    get_proposal_for_user,
    may_change_rules,
)

REFUSAL_LABELS = {
    guard.NO_SNAPSHOT: gettext_lazy("no complete archival package covers these records"),
    guard.FIXITY_FAILED: gettext_lazy("the covering package failed its fixity check"),
    guard.NO_ACCOUNT: gettext_lazy("the records belong to no account, so no package covers them"),
}


COUNT_LABELS = {
    "items": gettext_lazy("items blanked"),
    "item_versions": gettext_lazy("versions deleted"),
    "evidence": gettext_lazy("evidence copies blanked"),
    "moderation_actions": gettext_lazy("decision records blanked"),
    "outbound_texts": gettext_lazy("platform texts blanked"),
    "raw_events": gettext_lazy("raw events deleted"),
}


def _error_into(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


def _date(value):
    return dt.datetime.fromisoformat(value) if value else None


@login_required
@require_GET
def overview(request):
    rules = services.rules_in_force()
    rows = [
        {"code": code, "rule": rule, "registered": kinds.get(code) is not None}
        for code, rule in rules.items()
    ]
    context = {
        "nav": "retention",
        "rows": rows,
        "is_communicator": may_change_rules(request.user),
        "latest": selectors.latest_proposal() if may_change_rules(request.user) else None,
    }
    return render(request, "retention/overview.html", context)


def _rule_page(request, code, form, status=200):
    page, page_query = paginate(request, selectors.rule_history(code))
    context = {
        "nav": "retention",
        "code": code,
        "label": kinds.label_of(code),
        "registered": kinds.get(code) is not None,
        "versions": page,
        "page_obj": page,
        "page_query": page_query,
        "in_force": services.rules_in_force().get(code),
        "form": form if may_change_rules(request.user) else None,
    }
    return render(request, "retention/rule_detail.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def rule_detail(request, kind):
    code = get_kind_for_user(request.user, kind)
    anchors = services.allowed_anchors(code)
    if request.method == "GET":
        current = services.rules_in_force().get(code)
        initial = {}
        if current is not None:
            initial = {
                "period_months": current.period_months,
                "anchor": current.anchor,
                "disposal": current.disposal,
            }
        return _rule_page(request, code, RuleForm(initial=initial, anchors=anchors))
    if not may_change_rules(request.user):
        raise PermissionDenied
    form = RuleForm(request.POST, anchors=anchors)
    if not form.is_valid():
        return _rule_page(request, code, form, status=400)
    try:
        rule = services.rule_change(kind=code, actor=request.user, **form.cleaned_data)
    except ValidationError as exc:
        _error_into(form, exc)
        return _rule_page(request, code, form, status=400)
    messages.success(
        request, _("Version %(number)d of the rule is now in force.") % {"number": rule.number}
    )
    return redirect("retention:rule_detail", kind=code)


@communicator_required
@require_http_methods(["GET", "POST"])
def proposals(request):
    if request.method == "POST":
        proposal = services.proposal_prepare(actor=request.user)
        messages.success(request, _("A new proposal has been prepared."))
        return redirect("retention:proposal_detail", pk=proposal.pk)
    page, page_query = paginate(request, selectors.proposals())
    context = {"nav": "retention", "proposals": page, "page_obj": page, "page_query": page_query}
    return render(request, "retention/proposals.html", context)


def _proposal_rows(proposal):
    rows = []
    for entry in proposal.summary:
        row = dict(entry)
        row["label"] = kinds.label_of(entry["kind"])
        for name in ("cutoff", "first", "last"):
            row[name] = _date(entry.get(name))
        row["refused"] = [
            {**r, "reason_label": REFUSAL_LABELS.get(r["reason"], r["reason"])}
            for r in entry.get("refused", [])
        ]
        row["examples"] = [{**e, "date": _date(e.get("date"))} for e in entry.get("examples", [])]
        rows.append(row)
    return rows


def _proposal_page(request, proposal, form, status=200):
    approval = getattr(proposal, "approval", None) if hasattr(proposal, "approval") else None
    run = getattr(proposal, "run", None) if hasattr(proposal, "run") else None
    latest = selectors.latest_proposal()
    context = {
        "nav": "retention",
        "proposal": proposal,
        "rows": _proposal_rows(proposal),
        "approval": approval,
        "run": run,
        "log_entries": selectors.log_entries().filter(run=run) if run else [],
        "is_latest": latest is not None and latest.pk == proposal.pk,
        "form": form,
    }
    return render(request, "retention/proposal_detail.html", context, status=status)


@communicator_required
@require_GET
def proposal_detail(request, pk):
    proposal = get_proposal_for_user(request.user, pk)
    return _proposal_page(request, proposal, ApprovalForm())


@communicator_required
@require_POST
def proposal_approve(request, pk):
    proposal = get_proposal_for_user(request.user, pk)
    form = ApprovalForm(request.POST)
    if not form.is_valid():
        return _proposal_page(request, proposal, form, status=400)
    try:
        services.proposal_approve(
            proposal=proposal, actor=request.user, comment=form.cleaned_data["comment"]
        )
    except ValidationError as exc:
        _error_into(form, exc)
        return _proposal_page(request, proposal, form, status=400)
    messages.success(request, _("The proposal is approved; the culling runs in the background."))
    return redirect("retention:proposal_detail", pk=proposal.pk)


@communicator_required
@require_GET
def log(request):
    page, page_query = paginate(request, selectors.log_entries())
    for entry in page:
        entry.refused_rows = [
            {**r, "reason_label": REFUSAL_LABELS.get(r["reason"], r["reason"])}
            for r in entry.refused
        ]
        entry.count_rows = [
            (COUNT_LABELS.get(key, key), value) for key, value in sorted(entry.counts.items())
        ]
    context = {"nav": "retention", "entries": page, "page_obj": page, "page_query": page_query}
    return render(request, "retention/log.html", context)


def _holds_page(request, form, status=200):
    show = request.GET.get("visa", "aktiva")
    active = {"aktiva": True, "slappta": False}.get(show)
    page, page_query = paginate(request, selectors.holds(active=active))
    context = {
        "nav": "retention",
        "holds": page,
        "page_obj": page,
        "page_query": page_query,
        "show": show,
        "form": form,
    }
    return render(request, "retention/holds.html", context, status=status)


@communicator_required
@require_http_methods(["GET", "POST"])
def holds(request):
    if request.method == "GET":
        return _holds_page(request, HoldForm(initial={"scope": HoldScope.ACCOUNT}))
    form = HoldForm(request.POST)
    if not form.is_valid():
        return _holds_page(request, form, status=400)
    try:
        hold = services.hold_place(actor=request.user, **form.cleaned_data)
    except ValidationError as exc:
        _error_into(form, exc)
        return _holds_page(request, form, status=400)
    messages.success(request, _("The hold is placed: nothing it covers will be culled."))
    return redirect("retention:hold_detail", pk=hold.pk)


def _hold_page(request, hold, form, status=200):
    items = hold.items.select_related("item__account").order_by("item_id")
    page, page_query = paginate(request, items)
    context = {
        "nav": "retention",
        "hold": hold,
        "release": getattr(hold, "release", None) if not hold.is_active else None,
        "held_items": page,
        "page_obj": page,
        "page_query": page_query,
        "form": form,
    }
    return render(request, "retention/hold_detail.html", context, status=status)


@communicator_required
@require_GET
def hold_detail(request, pk):
    hold = get_hold_for_user(request.user, pk)
    return _hold_page(request, hold, ReleaseForm())


@communicator_required
@require_POST
def hold_release(request, pk):
    hold = get_hold_for_user(request.user, pk)
    form = ReleaseForm(request.POST)
    if not form.is_valid():
        return _hold_page(request, hold, form, status=400)
    try:
        services.hold_release(hold=hold, actor=request.user, reason=form.cleaned_data["reason"])
    except ValidationError as exc:
        _error_into(form, exc)
        return _hold_page(request, hold, form, status=400)
    messages.success(request, _("The hold is released."))
    return redirect("retention:hold_detail", pk=hold.pk)
