import pytest
from django.urls import reverse

from .provider import configure, running_provider

CALLBACK = "http://testserver/oidc/callback/"


@pytest.fixture
def oidc_provider(settings):
    """A real OpenID Provider on 127.0.0.1 that knows this site as a client; the settings point
    at its issuer only, so the endpoints come from its discovery document."""
    with running_provider(
        redirect_uris=[CALLBACK],
        post_logout_redirect_uris=["http://testserver" + reverse("public:account_list")],
    ) as issuer:
        configure(settings, issuer)
        yield issuer
