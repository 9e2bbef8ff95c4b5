from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from signin import views as signin_views

from . import views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    # Single sign-on: fixed addresses without a language prefix, registered at the provider.
    path("oidc/logga-in/", signin_views.OIDCStartView.as_view(), name="oidc_login"),
    path("oidc/callback/", signin_views.OIDCCallbackView.as_view(), name="oidc_callback"),
]

urlpatterns += i18n_patterns(
    path("", RedirectView.as_view(pattern_name="public:account_list"), name="home"),
    path("logga-in/", signin_views.LoginView.as_view(), name="login"),
    path("logga-ut/", signin_views.LogoutView.as_view(), name="logout"),
    path("mina-inloggningar/", include("signin.urls")),
    path("mina-inloggningar/nyckel/", include("signin.passkey_urls")),
    path("offentlig/", include("accounts.public_urls")),
    path("konton/", include("accounts.urls")),
    path("moderering/", include("moderation.urls")),
    path("arkiv/", include("archiving.urls")),
    path("gallring/", include("retention.urls")),
    path("handlingar/", include("records.urls")),
    path("admin/", admin.site.urls),
    prefix_default_language=False,
)
