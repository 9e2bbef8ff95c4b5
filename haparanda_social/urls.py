from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView

from . import views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
]

urlpatterns += i18n_patterns(
    path("", RedirectView.as_view(pattern_name="public:account_list"), name="home"),
    path("logga-in/", auth_views.LoginView.as_view(), name="login"),
    path("logga-ut/", auth_views.LogoutView.as_view(), name="logout"),
    path("offentlig/", include("accounts.public_urls")),
    path("konton/", include("accounts.urls")),
    path("moderering/", include("moderation.urls")),
    path("arkiv/", include("archiving.urls")),
    path("admin/", admin.site.urls),
    prefix_default_language=False,
)
