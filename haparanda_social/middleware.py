"""Response headers that Django does not send by itself."""

from django.conf import settings


def permissions_policy_header(policy: dict[str, list[str]]) -> str:
    """``{"camera": [], "fullscreen": ["self"]}`` → ``camera=(), fullscreen=(self)``."""
    return ", ".join(f"{feature}=({' '.join(origins)})" for feature, origins in policy.items())


class PermissionsPolicyMiddleware:
    """Send ``Permissions-Policy`` on every response, turning off the powerful browser features
    (camera, microphone, location, payment, USB …) that no page of ours uses, so that neither an
    injected script nor a framing page can ask the visitor for them. The policy is
    ``settings.PERMISSIONS_POLICY``; a view that sets the header itself keeps its own."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.header = permissions_policy_header(settings.PERMISSIONS_POLICY)

    def __call__(self, request):
        response = self.get_response(request)
        if self.header:
            response.headers.setdefault("Permissions-Policy", self.header)
        return response
