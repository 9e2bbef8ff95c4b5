from django.urls import path

from . import views

app_name = "archiving"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("konto/<int:account_pk>/", views.account_snapshots, name="account_snapshots"),
    path(
        "konto/<int:account_pk>/begar/",
        views.request_change_snapshot,
        name="request_change_snapshot",
    ),
    path("paket/<uuid:package_id>/", views.snapshot_detail, name="snapshot_detail"),
    path("paket/<uuid:package_id>/ladda-ned/", views.download, name="download"),
]
