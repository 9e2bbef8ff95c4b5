"""Pages of the records search and of requests for allmänna handlingar (R21).

Every view gets its items and requests through ``records.permissions``: an outsider gets 404.
"""

from __future__ import annotations

from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Prefetch, Q
from django.http import FileResponse, Http404, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.permissions import communicator_required
from haparanda_social.paging import paginate
from moderation.models import Item, sha256_hex
from moderation.selectors import item_with_history

from .delivering import build_delivery, item_reference
from .forms import ProvisionForm, RequestForm, ReviewForm
from .masking import MASK, apply_mask, suggestions_for
from .models import ItemReview, RequestStatus, SecrecyProvision
from .permissions import (
    can_decide,
    can_search_records,
    get_record_for_user,
    get_request_for_user,
    get_request_to_decide,
    records_for_user,
    requests_for_user,
)
from .search import FILTER_FIELDS, RecordsFilter, filter_querystring, records_queryset
from .services import (
    DeliveryUnavailable,
    ItemChanged,
    check_seen,
    current_items,
    item_review,
    latest_reviews,
    provision_add,
    provision_set_active,
    records_root,
    request_add_items,
    request_deliver,
    request_register,
    request_remove_item,
)


def _searcher(request):
    if not can_search_records(request.user):
        raise PermissionDenied
    return request.user


def _error_messages(exc: ValidationError) -> list[str]:
    return [str(message) for message in exc.messages]


@login_required
def search(request):
    """The records search. With ``begaran`` (an open request the person handles) each result
    can be added to it, and so can the whole result up to the limit."""
    user = _searcher(request)
    target = None
    if request.GET.get("begaran", "").isdigit():
        target = get_request_for_user(user, request.GET["begaran"])
        if not target.is_open:
            target = None
    submitted = any(name in request.GET for name in FILTER_FIELDS)
    form = RecordsFilter(request.GET if submitted else None, user=user)
    page = page_query = None
    querystring = ""
    in_request: set[int] = set()
    if submitted and form.is_valid():
        page, page_query = paginate(request, records_queryset(user, form.cleaned_data))
        querystring = filter_querystring(form.cleaned_data)
        if target:
            in_request = set(
                current_items(target)
                .filter(item_id__in=[item.pk for item in page])
                .values_list("item_id", flat=True)
            )
    return render(
        request,
        "records/search.html",
        {
            "nav": "records",
            "form": form,
            "page_obj": page,
            "page_query": page_query,
            "querystring": querystring,
            "target": target,
            "in_request": in_request,
            "add_limit": _add_limit(),
        },
        status=400 if submitted and not form.is_valid() else 200,
    )


def _add_limit() -> int:
    from django.conf import settings

    return settings.RECORDS_ADD_ALL_LIMIT


@login_required
def record_detail(request, pk):
    """One item with its thread (the parents, oldest first, and the replies) and its history."""
    item = get_record_for_user(request.user, pk)
    item = item_with_history(item)
    visible = records_for_user(request.user)
    parents = []
    parent_id, seen = item.parent_id, {item.pk}
    while parent_id and parent_id not in seen and len(parents) < 50:
        seen.add(parent_id)
        parent = visible.filter(pk=parent_id).first()
        if parent is None:
            parents.append(None)
            break
        parents.append(parent)
        parent_id = parent.parent_id
    parents.reverse()
    replies = visible.filter(parent=item).order_by("published_at", "pk")
    requests = (
        requests_for_user(request.user)
        .filter(request_items__item=item, request_items__removed_at__isnull=True)
        .distinct()
    )
    return render(
        request,
        "records/record_detail.html",
        {
            "nav": "records",
            "item": item,
            "parents": parents,
            "replies": replies[:50],
            "reply_count": replies.count(),
            "requests": requests,
            "reference": item_reference(item),
        },
    )


@login_required
def request_list(request):
    qs = (
        requests_for_user(request.user)
        .annotate(item_count=Count("request_items", filter=Q(request_items__removed_at=None)))
        .order_by("-status", "received_at", "pk")
    )
    if request.GET.get("status") in RequestStatus.values:
        qs = qs.filter(status=request.GET["status"])
    page, page_query = paginate(request, qs)
    now = timezone.now()
    return render(
        request,
        "records/request_list.html",
        {
            "nav": "records",
            "page_obj": page,
            "page_query": page_query,
            "now": now,
            "can_register": can_search_records(request.user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def request_new(request):
    user = _searcher(request)
    form = RequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            created = request_register(actor=user, **form.cleaned_data)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("The request is registered."))
            return redirect(created)
    return render(
        request,
        "records/request_new.html",
        {"nav": "records", "form": form},
        status=400 if request.method == "POST" else 200,
    )


def _request_items(records_request):
    return (
        current_items(records_request)
        .annotate(latest=latest_reviews())
        .select_related("item", "item__account")
        .prefetch_related(
            Prefetch(
                "reviews",
                queryset=ItemReview.objects.select_related("reviewer").order_by(
                    "-reviewed_at", "-pk"
                ),
            )
        )
    )


@login_required
def request_detail(request, pk):
    records_request = get_request_for_user(request.user, pk)
    items = _request_items(records_request)
    counts = items.aggregate(
        total=Count("pk"),
        unreviewed=Count("pk", filter=Q(latest__isnull=True)),
    )
    page, page_query = paginate(request, items)
    rows = []
    for request_item in page:
        reviews = list(request_item.reviews.all())
        rows.append((request_item, reviews[0] if reviews else None))
    return render(
        request,
        "records/request_detail.html",
        {
            "nav": "records",
            "records_request": records_request,
            "rows": rows,
            "page_obj": page,
            "page_query": page_query,
            "counts": counts,
            "can_decide": can_decide(request.user, records_request),
            "age": records_request.age_in_working_days(),
            "late": records_request.is_late(),
            "events": records_request.events.select_related("actor", "item", "review").order_by(
                "-created_at", "-pk"
            )[:10],
        },
    )


@login_required
def request_history(request, pk):
    records_request = get_request_for_user(request.user, pk)
    page, page_query = paginate(
        request,
        records_request.events.select_related("actor", "item", "review").order_by(
            "created_at", "pk"
        ),
    )
    return render(
        request,
        "records/request_history.html",
        {
            "nav": "records",
            "records_request": records_request,
            "page_obj": page,
            "page_query": page_query,
        },
    )


@login_required
@require_POST
def request_add(request, pk):
    """Add one item (``item``) or the whole search in the form's fields (``alla``)."""
    records_request = get_request_for_user(request.user, pk)
    back = redirect(records_request)
    if "alla" in request.POST:
        params = QueryDict(mutable=True)
        params.update(QueryDict(request.POST.get("sokning", "")))
        form = RecordsFilter(params, user=request.user)
        if not form.is_valid():
            messages.error(request, _("The search could not be read; search again."))
            return back
        items = records_queryset(request.user, form.cleaned_data)
        search_text = filter_querystring(form.cleaned_data)
    else:
        item_id = request.POST.get("item", "")
        if not item_id.isdigit():
            messages.error(request, _("Choose an item to add."))
            return back
        items = Item.objects.filter(
            pk=get_object_or_404(records_for_user(request.user), pk=item_id).pk
        )
        search_text = request.POST.get("sokning", "")[:1000]
    try:
        added = request_add_items(
            request=records_request, actor=request.user, items=items, search=search_text
        )
    except ValidationError as exc:
        for message in _error_messages(exc):
            messages.error(request, message)
    else:
        messages.success(request, _("%(count)d items added to the request.") % {"count": added})
    if request.POST.get("tillbaka") == "sok":
        return redirect(
            f"{_search_url()}?{search_text}&begaran={records_request.pk}"
            if search_text
            else f"{_search_url()}?begaran={records_request.pk}"
        )
    return back


def _search_url() -> str:
    from django.urls import reverse

    return reverse("records:search")


@login_required
@require_POST
def request_remove_item_view(request, pk, item_pk):
    records_request = get_request_for_user(request.user, pk)
    request_item = get_object_or_404(
        current_items(records_request).select_related("request"), item_id=item_pk
    )
    try:
        request_remove_item(
            request_item=request_item, actor=request.user, reason=request.POST.get("reason", "")
        )
    except ValidationError as exc:
        for message in _error_messages(exc):
            messages.error(request, message)
    else:
        messages.success(request, _("The item is removed from the request."))
    return redirect(records_request)


@login_required
@require_http_methods(["GET", "POST"])
def item_review_view(request, pk, item_pk):
    """The secrecy review of one item: the detector's findings are offered as masking spans."""
    records_request = get_request_to_decide(request.user, pk)
    request_item = get_object_or_404(
        current_items(records_request).select_related("request", "item", "item__account"),
        item_id=item_pk,
    )
    item = item_with_history(request_item.item)
    suggestions = suggestions_for(item.text)
    previous = request_item.reviews.select_related("reviewer").order_by("-reviewed_at", "-pk")
    form = ReviewForm(request.POST or None, suggestions=suggestions, text=item.text)
    try:
        check_seen(item.text, request.POST.get("seen", ""))
    except ItemChanged as exc:
        messages.error(request, exc.messages[0])
        return redirect(request.path)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            item_review(
                request_item=request_item,
                actor=request.user,
                outcome=data["outcome"],
                provision=data["provision"],
                reason=data["reason"],
                spans=data["spans"],
                accepted=set(data["accepted"]),
                mask_author=data["mask_author"],
                seen=data["seen"],
            )
        except ItemChanged as exc:
            messages.error(request, exc.messages[0])
            return redirect(request.path)
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, exc.messages)
        else:
            messages.success(request, _("The review is recorded."))
            following = (
                _request_items(records_request)
                .filter(latest__isnull=True)
                .values_list("item_id", flat=True)
                .first()
            )
            if following:
                return redirect("records:item_review", pk=records_request.pk, item_pk=following)
            return redirect(records_request)
    if not form.is_bound:
        form.initial["seen"] = sha256_hex(item.text)
        if suggestions:
            form.initial["accepted"] = list(range(len(suggestions)))
    # The text with positions, so a reviewer can mark further spans.
    return render(
        request,
        "records/item_review.html",
        {
            "nav": "records",
            "records_request": records_request,
            "item": item,
            "reference": item_reference(item),
            "form": form,
            "suggestions": suggestions,
            "previous": previous,
            "preview": apply_mask(item.text, [(s["start"], s["end"]) for s in suggestions]),
            "mask": MASK,
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
def decision_preview(request, pk):
    """The written decision as it would be made now, from the reviews so far."""
    records_request = get_request_for_user(request.user, pk)
    delivery, lines = build_delivery(
        records_request, actor=request.user, delivered_at=timezone.now()
    )
    return render(
        request,
        "records/decision_preview.html",
        {
            "nav": "records",
            "records_request": records_request,
            "decision": records_request.decision_text or delivery.decision_text,
            "lines": lines,
        },
    )


@login_required
@require_POST
def request_deliver_view(request, pk):
    records_request = get_request_to_decide(request.user, pk)
    try:
        request_deliver(request=records_request, actor=request.user)
    except ValidationError as exc:
        for message in _error_messages(exc):
            messages.error(request, message)
    except DeliveryUnavailable:
        messages.error(request, _("The delivered files cannot be written on this installation."))
    else:
        messages.success(request, _("The request is delivered; the package can be downloaded."))
    return redirect(records_request)


@login_required
def package_download(request, pk):
    records_request = get_request_for_user(request.user, pk)
    if not records_request.package:
        raise Http404
    root = records_root().resolve()
    path = Path(records_request.package).resolve()
    if root not in path.parents or not path.is_file():
        raise Http404
    return FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=f"handlingar-{records_request.pk}.zip",
        content_type="application/zip",
    )


@communicator_required
@require_http_methods(["GET", "POST"])
def provisions(request):
    """The municipality's list of provisions a withholding may cite: add, retire, bring back."""
    form = ProvisionForm(request.POST if "citation" in request.POST else None)
    if request.method == "POST":
        if "toggle" in request.POST:
            toggle = request.POST.get("toggle", "")
            provision = get_object_or_404(SecrecyProvision, pk=toggle if toggle.isdigit() else 0)
            provision_set_active(provision=provision, active=not provision.active)
            messages.success(request, _("The list is updated."))
            return redirect("records:provisions")
        if form.is_valid():
            provision_add(**form.cleaned_data)
            messages.success(request, _("The provision is added."))
            return redirect("records:provisions")
    page, page_query = paginate(request, SecrecyProvision.objects.order_by("citation"))
    return render(
        request,
        "records/provisions.html",
        {"nav": "records", "form": form, "page_obj": page, "page_query": page_query},
        status=400 if request.method == "POST" else 200,
    )
