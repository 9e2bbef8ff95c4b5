"""Meta's webhook deliveries answered before the middleware that serves people."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils import translation

# The strictest policy: the answer is plain text for Meta's servers, never a page to show.
WEBHOOK_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"


class WebhookMiddleware:
    """A POST to a Meta webhook (``/moderering/webhooks/facebook/`` and ``…/instagram/``) goes
    straight to its view, past the middleware below this one: sessions, language, CSRF (the
    view is exempt anyway), the signed-in person, two factors, messages, htmx and axes have
    nothing to do for a signed delivery from a server, and they cost a good part of each
    delivery. Placed after ``SecurityMiddleware`` and the Permissions-Policy, so their headers
    are still sent; the host is still checked against ``ALLOWED_HOSTS``, and the headers of the
    middleware skipped (X-Frame-Options, Content-Security-Policy) are set here, stricter.
    Everything else, the handshake (GET) and the addresses with a language prefix included,
    takes the whole stack."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.views = None

    def _webhook_views(self) -> dict:
        from .views import facebook_webhook, instagram_webhook

        with translation.override(settings.LANGUAGE_CODE):
            return {
                reverse("moderation:webhook_facebook"): facebook_webhook,
                reverse("moderation:webhook_instagram"): instagram_webhook,
            }

    def __call__(self, request):
        if request.method == "POST":
            if self.views is None:
                self.views = self._webhook_views()
            view = self.views.get(request.path_info)
            if view is not None:
                request.get_host()  # DisallowedHost (400) as CommonMiddleware would raise it
                response = view(request)
                response.headers.setdefault("X-Frame-Options", "DENY")
                response.headers.setdefault("Content-Security-Policy", WEBHOOK_CSP)
                return response
        return self.get_response(request)
