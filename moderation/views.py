from __future__ import annotations

import contextlib
import json
import uuid

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, RequestDataTooBig, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Q
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRefresh, push_url

from accounts.permissions import is_communicator

from .bulk import BULK_EXCLUDED_GROUNDS, BULK_LIMIT, BulkAction
from .claims import ClaimRefused, claim_for, claim_holder_name, item_claim
from .forms import (
    AnswerForm,
    DailyCheckForm,
    ImportForm,
    ItemRegisterForm,
    OutcomeForm,
    PublishModelForm,
)
from .importing import import_rows, parse_file, parse_ingest_body
from .models import Evidence, ItemSource, ResponseModelVersion
from .page_cache import cached_for_person, serve_for_person
from .permissions import (
    accounts_acted_for,
    get_account_for_moderator,
    get_item_for_user,
    items_for_user,
)
from .queue import NEWEST_FIRST, OLDEST_FIRST, QueueFilter, filter_querystring, queue_page
from .replies import signature, template_reply, visitor_notice
from .response_model import (
    RESPONSE_CONSIDERATIONS,
    WHEN_YOU_ANSWER,
    InvalidPath,
    Outcome,
    ground_choices,
    walk,
)
from .selectors import (
    account_statistics,
    current_response_model,
    item_with_history,
    queue_accounts,
    recent_actions,
)
from .services import (
    EvidenceNotVerified,
    ItemAlreadyHandled,
    daily_check_record,
    ingest_item,
    ingest_token_authenticate,
    response_model_publish,
    triage_item,
)
from .triage import queue_navigation, shortcut_links, walk_url

# The accounts-to-check table on the queue page.
ACCOUNTS_PER_PAGE = 20


@login_required
@cached_for_person
def queue(request):
    """The person's unhandled items, filtered by the GET parameters of ``QueueFilter``, about
    fifty a page, with the whole filter's counts. A bad filter value is shown as a message next
    to its field (status 400) and the queue is shown with the other, valid fields."""
    # The filter's account choice lists every account; the table of accounts to check today is
    # paged on its own (the communicator acts for all of them), with its counts from the database.
    accounts = list(
        accounts_acted_for(request.user)
        .only("pk", "display_name", "platform")
        .order_by("display_name", "pk")
    )
    todays = queue_accounts(request.user)
    tally = todays.aggregate(
        total=Count("pk"), unchecked=Count("pk", filter=Q(checked_today=False))
    )
    paginator = Paginator(todays, ACCOUNTS_PER_PAGE)
    paginator.count = tally["total"]  # one query for both counts
    accounts_today = paginator.get_page(request.GET.get("kontosida"))
    params = request.GET.copy()
    if "account" in params and "konto" not in params:
        # Links from before the filter had Swedish names (e-mails already sent) still work.
        params["konto"] = params["account"]
    form = QueueFilter(params, accounts=accounts)
    valid = form.is_valid()
    cleaned = form.valid_filter()
    page = queue_page(request.user, cleaned)
    selected = next((a for a in accounts if a.pk == cleaned.get("konto")), None)
    return render(
        request,
        "moderation/queue.html",
        {
            "nav": "queue",
            "form": form,
            "page": page,
            "items": page.items,
            "counts": page.counts,
            "accounts": accounts,
            "accounts_today": accounts_today,
            "unchecked_today": tally["unchecked"],
            "selected": selected,
            "querystring": filter_querystring(cleaned),
            "filter_without_page": filter_querystring(cleaned, page=False),
            "sort_links": _sort_links(cleaned),
            "page_links": _page_links(cleaned, page),
            "prev_url": _with(cleaned, sida=page.number - 1),
            "next_url": _with(cleaned, sida=page.number + 1),
            "bulk_actions": BulkAction.choices,
            "legal_grounds": ground_choices(exclude=BULK_EXCLUDED_GROUNDS),
            "bulk_limit": BULK_LIMIT,
        },
        status=200 if valid else 400,
    )


def _with(cleaned: dict, **changes) -> str:
    query = filter_querystring({**cleaned, **changes})
    return f"?{query}" if query else "?"


def _sort_links(cleaned: dict) -> list[dict]:
    current = cleaned.get("ordning") or OLDEST_FIRST
    return [
        {"label": label, "url": _with(cleaned, ordning=value, sida=1), "current": value == current}
        for value, label in ((OLDEST_FIRST, _("Oldest first")), (NEWEST_FIRST, _("Newest first")))
    ]


def _page_links(cleaned: dict, page) -> list[dict]:
    """First, last and up to two pages either side of the current one, with gaps marked."""
    numbers = sorted(
        {
            1,
            page.num_pages,
            *range(max(1, page.number - 2), min(page.num_pages, page.number + 2) + 1),
        }
    )
    links, previous = [], 0
    for number in numbers:
        if number - previous > 1:
            links.append({"gap": True})
        links.append(
            {"number": number, "url": _with(cleaned, sida=number), "current": number == page.number}
        )
        previous = number
    return links


def _initial_outcome_data(item, outcome: str, preset: dict) -> dict:
    initial = dict(preset)
    if outcome in (
        Outcome.REFER_FAULT_REPORT,
        Outcome.REFER_INDIVIDUAL_CASE,
        Outcome.FORWARD_TO_DEPARTMENT,
        Outcome.FORWARD_FOR_ANSWER,
    ):
        initial["reply_text"] = template_reply(outcome, author_name=item.author_name)
    if outcome == Outcome.CORRECT_FACTS:
        initial["source_url"] = "https://www.haparanda.se/"
    if outcome == Outcome.REMOVE:
        ground = preset.get("legal_ground", "")
        initial["visitor_notice"] = visitor_notice(ground, author_name=item.author_name)
    return initial


def _item_page(request, item, *, model, answers, nav, outcome_form=None, status=200):
    """The item with its one-page triage. An htmx request (an answer given with JavaScript)
    gets only the triage part, so the next question appears without a page load."""
    item = item_with_history(item)
    claim = claim_for(item)
    claimed_by_other = claim is not None and claim.user_id != request.user.pk
    context = {
        "item": item,
        "model": model,
        "answers": answers,
        "walk": None,
        "answer_form": None,
        "outcome_form": outcome_form,
        "signature": signature(request.user),
        "considerations": RESPONSE_CONSIDERATIONS,
        "when_you_answer": WHEN_YOU_ANSWER,
        "nav": nav,
        "claim": claim,
        "claim_holder": claim_holder_name(claim.user) if claim else "",
        "claimed_by_other": claimed_by_other,
        "shortcuts": [],
        "path_reset": False,
    }
    # A refused submission is shown again even when someone else handled the item meanwhile,
    # so the person's text is not lost.
    if (item.is_open and not claimed_by_other) or outcome_form is not None:
        try:
            result = walk(model.tree, answers)
        except (InvalidPath, KeyError):
            answers, result = [], walk(model.tree, [])
            context["answers"] = answers
            context["path_reset"] = True
        context["walk"] = result
        context["shortcuts"] = shortcut_links(item, model, nav)
        if result.outcome is None:
            context["answer_form"] = AnswerForm(node=result.node)
        elif outcome_form is None:
            context["outcome_form"] = OutcomeForm(
                outcome=result.outcome,
                initial=_initial_outcome_data(item, result.outcome, result.preset),
            )
        context["outcome"] = result.outcome
        context["outcome_label"] = Outcome(result.outcome).label if result.outcome else ""
    context["back_url"] = walk_url(item, model, context["answers"][:-1], nav)
    context["start_url"] = walk_url(item, model, [], nav)
    if request.htmx and context["walk"] is None:
        # Handled or taken over meanwhile: the whole page says so, not an empty triage part.
        return HttpResponseClientRefresh()
    if request.htmx and not request.htmx.history_restore_request and status == 200:
        response = render(request, "moderation/includes/triage.html", context)
        # The address shows the answers as one list, so reloading or sharing it works.
        response = push_url(response, walk_url(item, model, context["answers"], nav))
    else:
        response = render(request, "moderation/item_detail.html", context, status=status)
    # The same address answers with the whole page or its triage part.
    patch_vary_headers(response, ("HX-Request",))
    return response


def _claim_on_open(request, item) -> None:
    """Opening an open item claims it for the person, unless a colleague is on it already;
    taking over from them is a deliberate step (``item_take_over``)."""
    if not item.is_open:
        return
    with contextlib.suppress(ClaimRefused):
        item_claim(item=item, user=request.user)


@login_required
def item_detail(request, pk):
    """The item, its versions and history, and the response model: each answer reveals the
    next question (htmx), and without JavaScript the same GET forms lead one question at a
    time. The queue's filter rides along in the address for the next and previous item."""

    def build():
        item = get_item_for_user(request.user, pk)
        # Each answer renews the person's claim, so a long walk does not lose it. A stored copy
        # is at most one time slot old and was built right after a renewal, so serving it
        # leaves the claim at least thirteen minutes to run; the next copy renews it again.
        _claim_on_open(request, item)
        model = current_response_model()
        version = request.GET.get("model")
        if version and version.isdigit() and int(version) != model.number:
            model = ResponseModelVersion.objects.filter(number=int(version)).first() or model
        answers = [a for a in request.GET.getlist("a") if a][:50]
        # The answer just given comes as "svar" (the pressed button), after the answers so far.
        given = request.GET.get("svar", "")
        if given:
            answers.append(given)
        nav = queue_navigation(request.user, request.GET, item)
        return _item_page(request, item, model=model, answers=answers, nav=nav)

    return serve_for_person(request, build)


@login_required
@require_POST
def item_take_over(request, pk):
    """Take over a colleague's claim, deliberately; the take-over is recorded."""
    item = get_item_for_user(request.user, pk)
    nav = queue_navigation(request.user, request.GET, item)
    try:
        item_claim(item=item, user=request.user, take_over=True)
    except ClaimRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("You are handling the item now."))
    return redirect(nav.item_url(item.pk))


@login_required
@require_POST
def item_triage(request, pk):
    item = get_item_for_user(request.user, pk)
    nav = queue_navigation(request.user, request.GET, item)
    number = request.POST.get("model", "")
    if not number.isdigit():
        raise Http404
    model = get_object_or_404(ResponseModelVersion, number=int(number))
    answers = [a for a in request.POST.getlist("a") if a][:50]
    try:
        result = walk(model.tree, answers)
    except (InvalidPath, KeyError):
        result = None
    if result is None or result.outcome is None:
        messages.error(request, _("The answers did not fit the response model; start again."))
        return redirect(nav.item_url(item.pk))
    form = OutcomeForm(request.POST, outcome=result.outcome)
    page = {"model": model, "answers": answers, "nav": nav, "outcome_form": form}
    if not form.is_valid():
        return _item_page(request, item, **page, status=400)
    claim = claim_for(item)
    if claim is not None and claim.user_id != request.user.pk:
        # A colleague took the item over while this person worked on it.
        form.add_error(
            None,
            _(
                "%(name)s took over this item at %(time)s. Your outcome was not saved; your "
                "text is kept below so you can copy it."
            )
            % {
                "name": claim_holder_name(claim.user),
                "time": timezone.localtime(claim.claimed_at).strftime("%H:%M"),
            },
        )
        return _item_page(request, item, **page, status=409)
    data = form.cleaned_data
    try:
        triage_item(
            item=item,
            actor=request.user,
            response_model=model,
            answers=answers,
            reply_text=data.get("reply_text", ""),
            source_url=data.get("source_url", ""),
            recipient=data.get("recipient", ""),
            department=data.get("department"),
            diarienummer=data.get("diarienummer", ""),
            legal_ground=data.get("legal_ground", ""),
            visitor_notice=data.get("visitor_notice", ""),
            reason=data.get("reason", ""),
            troll=data.get("troll", False),
            police_report=data.get("police_report", False),
        )
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            form.add_error(None, exc.messages)
        return _item_page(request, item, **page, status=400)
    except ItemAlreadyHandled:
        # Keep what this person wrote on the page, so nothing of their work is lost.
        form.add_error(
            None,
            _(
                "Someone else handled this item while you were working on it. Your outcome was "
                "not saved; your text is kept below so you can copy it."
            ),
        )
        return _item_page(request, item, **page, status=409)
    except EvidenceNotVerified:
        form.add_error(None, _("The evidence could not be verified, so nothing was removed."))
        return _item_page(request, item, **page, status=409)
    # The next item of the same filtered queue opens. The neighbours are read again now, so an
    # item a colleague handled meanwhile is skipped.
    after = queue_navigation(request.user, request.GET, item)
    if after.next_id:
        messages.success(request, _("The item is handled. Here is the next one in the queue."))
        return redirect(after.next_url)
    messages.success(request, _("The item is handled. There are no more items in the queue."))
    return redirect(after.queue_url)


@login_required
@require_http_methods(["GET", "POST"])
def item_register(request):
    accounts = accounts_acted_for(request.user).order_by("display_name")
    form = ItemRegisterForm(request.POST or None, accounts=accounts)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        platform_id = data["platform_id"] or data["link"] or f"manuell-{uuid.uuid4()}"
        result = ingest_item(
            account=data["account"],
            platform_id=platform_id,
            kind=data["kind"],
            author_name=data["author_name"],
            text=data["text"],
            link=data["link"],
            published_at=data["published_at"],
            source=ItemSource.MANUAL,
            actor=request.user,
        )
        if result.created:
            messages.success(request, _("The item is registered."))
        elif result.changed:
            messages.success(request, _("The item was already registered; a new version is kept."))
        else:
            messages.info(request, _("The item was already registered, unchanged."))
        return redirect(result.item.get_absolute_url())
    return render(
        request, "moderation/item_register.html", {"form": form}, status=400 if form.errors else 200
    )


@login_required
@require_http_methods(["GET", "POST"])
def item_import(request):
    accounts = accounts_acted_for(request.user).order_by("display_name")
    form = ImportForm(request.POST or None, request.FILES or None, accounts=accounts)
    errors: list[str] = []
    parsed = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        parsed = parse_file(upload.read())
        errors = parsed.errors
        if not errors:
            try:
                results = import_rows(
                    account=form.cleaned_data["account"],
                    rows=parsed.rows,
                    source=ItemSource.IMPORT,
                    actor=request.user,
                )
            except ValidationError as exc:
                errors = exc.messages
            else:
                created = sum(1 for r in results if r.created)
                changed = sum(1 for r in results if r.changed and not r.created)
                messages.success(
                    request,
                    _(
                        "Read as %(read_as)s. Imported %(created)d new items and %(changed)d new "
                        "versions."
                    )
                    % {"read_as": parsed.read_as, "created": created, "changed": changed},
                )
                return redirect(reverse("moderation:queue"))
    status = 400 if (errors or form.errors) else 200
    return render(
        request,
        "moderation/item_import.html",
        {"form": form, "errors": errors, "read_as": parsed.read_as if parsed and errors else ""},
        status=status,
    )


CONNECTOR_SOURCES = (ItemSource.API, ItemSource.FACEBOOK, ItemSource.INSTAGRAM, ItemSource.MASTODON)


@csrf_exempt
@require_POST
def ingest_api(request):
    """JSON ingest for connectors: ``Authorization: Bearer <token>``. The body is one item or
    ``{"items": [...]}``, each with ``account`` (the canonical address) unless given at the top.
    All items are checked first; one bad item means none is saved."""
    header = request.headers.get("Authorization", "")
    raw = header[7:].strip() if header.startswith("Bearer ") else ""
    token = ingest_token_authenticate(raw)
    if token is None:
        response = JsonResponse({"error": "invalid or missing token"}, status=401)
        response["WWW-Authenticate"] = 'Bearer realm="ingest"'
        return response
    try:
        body = request.body
    except RequestDataTooBig:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        message = _(
            "The body is larger than the limit of %(limit)d bytes; send the items in smaller "
            "batches."
        ) % {"limit": limit}
        return JsonResponse({"errors": [message], "limit_bytes": limit}, status=413)
    batch = parse_ingest_body(body)
    if batch.errors:
        return _ingest_refused(batch.errors, batch)
    results = []
    try:
        with transaction.atomic():
            for position, account, values in batch.items:
                try:
                    result = ingest_item(account=account, source=batch.source, **values)
                except ValidationError as exc:
                    raise _ItemRefused(position, exc) from exc
                results.append(
                    {
                        "platform_id": result.item.platform_id,
                        "id": result.item.pk,
                        "created": result.created,
                        "changed": result.changed,
                        "flagged": result.item.has_personal_data,
                    }
                )
    except _ItemRefused as refused:
        where = _("Item %d") % refused.position
        errors = [f"{where}: {'; '.join(refused.error.messages)}"]
        return _ingest_refused(errors, batch, refused=refused.position)
    return JsonResponse(
        {
            "created": sum(r["created"] for r in results),
            "changed": sum(r["changed"] and not r["created"] for r in results),
            "items": results,
        }
    )


class _ItemRefused(Exception):
    def __init__(self, position: int, error: ValidationError):
        self.position, self.error = position, error


def _ingest_refused(errors: list[str], batch, refused: int | None = None) -> JsonResponse:
    """All or nothing: say that nothing was saved and which items were fine."""
    valid = [position for position, _a, _v in batch.items if position != refused]
    return JsonResponse(
        {
            "errors": errors,
            "saved": 0,
            "valid_items": valid,
            "detail": _(
                "Nothing was saved: one bad item stops the whole batch. Correct the items named "
                "in errors and send the batch again."
            ),
        },
        status=400,
    )


@login_required
@require_http_methods(["GET", "POST"])
def response_model(request):
    model = current_response_model()
    can_publish = is_communicator(request.user)
    form = None
    if can_publish:
        initial = {"tree": json.dumps(model.tree, ensure_ascii=False, indent=2)}
        form = PublishModelForm(request.POST or None, initial=initial)
    if request.method == "POST":
        if not can_publish:
            raise PermissionDenied
        if form.is_valid():
            response_model_publish(
                tree=form.cleaned_data["tree"], actor=request.user, note=form.cleaned_data["note"]
            )
            messages.success(request, _("A new version of the response model is published."))
            return redirect(reverse("moderation:response_model"))
    versions = ResponseModelVersion.objects.select_related("published_by").order_by("-number")[:20]
    labels = dict(Outcome.choices)
    nodes = [
        {
            "id": node_id,
            "question": node.get("question", ""),
            "help": node.get("help", ""),
            "answers": [
                {**answer, "outcome_label": labels.get(answer.get("outcome"), "")}
                for answer in node.get("answers", [])
            ],
        }
        for node_id, node in model.tree["nodes"].items()
    ]
    return render(
        request,
        "moderation/response_model.html",
        {"model": model, "nodes": nodes, "form": form, "versions": versions},
        status=400 if form is not None and form.errors else 200,
    )


@login_required
def account_stats(request, pk):
    account = get_account_for_moderator(request.user, pk)
    return render(
        request,
        "moderation/account_stats.html",
        {
            "account": account,
            "stats": account_statistics(account),
            "actions": recent_actions(account),
        },
    )


@login_required
@require_POST
def daily_check(request, pk):
    account = get_account_for_moderator(request.user, pk)
    form = DailyCheckForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    _check, created = daily_check_record(account=account, actor=request.user, note=note)
    if created:
        messages.success(
            request, _("%(account)s is marked as checked today.") % {"account": account}
        )
    else:
        messages.info(request, _("%(account)s was already checked today.") % {"account": account})
    return redirect(f"{reverse('moderation:queue')}?konto={account.pk}")


@login_required
def evidence_download(request, pk, part):
    evidence = get_object_or_404(
        Evidence.objects.filter(item__in=items_for_user(request.user)), pk=pk
    )
    if part not in ("json", "html"):
        raise Http404
    if part == "json":
        response = HttpResponse(evidence.data_json, content_type="application/json; charset=utf-8")
        name = f"evidence-{evidence.pk}.json"
    else:
        response = HttpResponse(evidence.html, content_type="text/html; charset=utf-8")
        name = f"evidence-{evidence.pk}.html"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
