"""Webhook endpoints for Meta and the communicator's page of connector failures."""

from __future__ import annotations

import hmac
import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse, HttpResponseForbidden
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from accounts.permissions import communicator_required
from moderation.models import (
    ConnectorConfig,
    ConnectorPlatform,
    OutboundAction,
    OutboundStatus,
    RawEvent,
    RawEventStatus,
)
from moderation.permissions import items_for_user

from . import meta
from .media import attachment_retry
from .models import Attachment, media_file
from .permissions import get_stored_attachment_for_user
from .selectors import failed_attachments, is_behind
from .services import (
    OutboundNotWaiting,
    outbound_confirm,
    outbound_retry,
    raw_event_retry,
    raw_event_store,
)

logger = logging.getLogger("connectors")

PAGE_SIZE = 100


def _handshake(request) -> HttpResponse:
    """Meta's subscription check: echo ``hub.challenge`` when the verify token matches."""
    expected = settings.META_VERIFY_TOKEN
    given = request.GET.get("hub.verify_token", "")
    if (
        request.GET.get("hub.mode") == "subscribe"
        and expected
        and hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))
    ):
        challenge = request.GET.get("hub.challenge", "")[:200]
        return HttpResponse(challenge, content_type="text/plain; charset=utf-8")
    logger.warning("webhook handshake refused")
    return HttpResponseForbidden("verification failed", content_type="text/plain")


def _meta_webhook(request, platform: str) -> HttpResponse:
    if request.method == "GET":
        return _handshake(request)
    # The signature is checked on the raw bytes before anything is parsed or stored.
    header = request.headers.get(meta.SIGNATURE_HEADER, "")
    if not meta.signature_valid(request.body, header, settings.META_APP_SECRET):
        logger.warning("%s webhook refused: missing or wrong signature", platform)
        return HttpResponseForbidden("invalid signature", content_type="text/plain")
    raw_event_store(source=platform, body=request.body)
    return HttpResponse("EVENT_RECEIVED", content_type="text/plain")


@csrf_exempt
@require_http_methods(["GET", "POST"])
def facebook_webhook(request):
    return _meta_webhook(request, ConnectorPlatform.FACEBOOK)


@csrf_exempt
@require_http_methods(["GET", "POST"])
def instagram_webhook(request):
    return _meta_webhook(request, ConnectorPlatform.INSTAGRAM)


@communicator_required
def connector_status(request):
    """Raw events that failed (with a retry button), outbound actions that failed or wait to be
    done by hand, and the configured connectors without their secrets."""
    # Queries: session, user, failed events with their config, outbound actions with item,
    # account and requester, configs with their account and capture state, failed downloads with
    # their item and account: six, however many rows.
    failed_events = list(
        RawEvent.objects.filter(status=RawEventStatus.FAILED)
        .select_related("config")
        .defer("body", "raw_body")
        .order_by("-received_at", "-pk")[:PAGE_SIZE]
    )
    outbound = list(
        OutboundAction.objects.filter(status__in=(OutboundStatus.FAILED, OutboundStatus.MANUAL))
        .select_related("item__account", "requested_by")
        .order_by("status", "-created_at", "-pk")[:PAGE_SIZE]
    )
    # The encrypted token is loaded only to tell whether one is set; it is never rendered.
    configs = list(
        ConnectorConfig.objects.select_related("account", "capture_state").order_by(
            "platform", "external_id"
        )
    )
    for config in configs:
        config.capture = getattr(config, "capture_state", None)
        config.capture_is_behind = config.enabled and is_behind(config)
        waits = config.capture.next_call_at if config.capture else None
        config.rate_limited_until = waits if waits and waits > timezone.now() else None
    return render(
        request,
        "moderation/connectors.html",
        {
            "failed_attachments": failed_attachments(PAGE_SIZE),
            "failed_events": failed_events,
            "failed_outbound": [o for o in outbound if o.status == OutboundStatus.FAILED],
            "manual_outbound": [o for o in outbound if o.status == OutboundStatus.MANUAL],
            "configs": configs,
            "capture_behind": [c for c in configs if c.capture_is_behind],
            "nav": "connectors",
        },
    )


@communicator_required
@require_POST
def raw_event_retry_view(request, pk):
    event = get_object_or_404(RawEvent, pk=pk)
    if raw_event_retry(event=event, actor=request.user):
        messages.success(request, _("The event is queued for processing again."))
    else:
        messages.info(request, _("The event had not failed; nothing was done."))
    return redirect(reverse("moderation:connectors"))


def _outbound_for_user(user, pk) -> OutboundAction:
    return get_object_or_404(
        OutboundAction.objects.filter(item__in=items_for_user(user)).select_related("item"),
        pk=pk,
    )


def _back(request, outbound: OutboundAction):
    target = request.POST.get("next", "")
    if target == "item":
        return redirect(outbound.item.get_absolute_url())
    if target == "todo":
        return redirect(reverse("moderation:todo"))
    return redirect(reverse("moderation:connectors"))


@login_required
@require_POST
def outbound_retry_view(request, pk):
    outbound = _outbound_for_user(request.user, pk)
    if outbound_retry(outbound=outbound, actor=request.user):
        messages.success(request, _("The action is queued to be sent again."))
    else:
        messages.info(request, _("The action had not failed; nothing was done."))
    return _back(request, outbound)


@login_required
@require_POST
def outbound_confirm_view(request, pk):
    outbound = _outbound_for_user(request.user, pk)
    try:
        outbound_confirm(outbound=outbound, actor=request.user)
    except OutboundNotWaiting as exc:
        messages.error(request, already_done_message(exc.outbound))
    else:
        messages.success(request, _("Recorded as done by hand on the platform."))
    return _back(request, outbound)


def already_done_message(outbound: OutboundAction) -> str:
    """Why a second "done" changed nothing: who did it and when, or what state it is in."""
    if outbound.status == OutboundStatus.CONFIRMED and outbound.confirmed_by_id:
        return _("Already marked as done by %(name)s at %(when)s; nothing was changed.") % {
            "name": outbound.confirmed_by,
            "when": timezone.localtime(outbound.done_at).strftime("%Y-%m-%d %H:%M"),
        }
    if outbound.status == OutboundStatus.SENT:
        return _("Already sent through the connector; nothing was changed.")
    return _("The action is not waiting for anyone; nothing was changed.")


@communicator_required
@require_POST
def attachment_retry_view(request, pk):
    attachment = get_object_or_404(Attachment, pk=pk)
    if attachment_retry(attachment=attachment, actor=request.user):
        messages.success(request, _("The download is queued again."))
    else:
        messages.info(request, _("The download had not failed; nothing was done."))
    return redirect(reverse("moderation:connectors"))


@login_required
def attachment_file(request, pk):
    """The stored bytes of an attachment, to those who may see its item. The type is the one
    decided from the bytes, never sniffed by the browser; only images other than SVG are shown
    inline, everything else (SVG, HTML, PDF, video…) is a download under a neutral name."""
    attachment = get_stored_attachment_for_user(request.user, pk)
    path = media_file(attachment.sha256)
    try:
        handle = path.open("rb")
    except OSError:
        logger.error("attachment %s: stored file %s is missing", attachment.pk, path)
        raise Http404 from None
    inline = attachment.is_image
    response = FileResponse(
        handle,
        content_type=attachment.mime_type or "application/octet-stream",
        as_attachment=not inline,
        filename=f"bilaga-{attachment.pk}-{attachment.sha256[:12]}",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, max-age=3600"
    return response
