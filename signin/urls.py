from django.urls import path

from . import views

app_name = "signin"

urlpatterns = [
    path("", views.sessions, name="sessions"),
    path("<int:pk>/avsluta/", views.session_end, name="session_end"),
    path("avsluta-andra/", views.sessions_end_others, name="sessions_end_others"),
    path("tva-steg/", views.two_factor_verify, name="two_factor_verify"),
    path("tva-steg/lagg-till/", views.two_factor_enrol, name="two_factor_enrol"),
    path(
        "tva-steg/reservkoder/", views.two_factor_recovery_codes, name="two_factor_recovery_codes"
    ),
    path("faktorer/", views.factors, name="factors"),
    path("faktorer/<str:kind>/<int:pk>/ta-bort/", views.factor_remove, name="factor_remove"),
    path("aterstall-faktorer/", views.factors_reset_find, name="factors_reset_find"),
    path("aterstall-faktorer/<int:pk>/", views.factors_reset, name="factors_reset"),
]
