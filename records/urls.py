from django.urls import path

from . import views

app_name = "records"

urlpatterns = [
    path("", views.request_list, name="request_list"),
    path("sok/", views.search, name="search"),
    path("objekt/<int:pk>/", views.record_detail, name="record_detail"),
    path("begaran/ny/", views.request_new, name="request_new"),
    path("begaran/<int:pk>/", views.request_detail, name="request_detail"),
    path("begaran/<int:pk>/historik/", views.request_history, name="request_history"),
    path("begaran/<int:pk>/lagg-till/", views.request_add, name="request_add"),
    path(
        "begaran/<int:pk>/objekt/<int:item_pk>/ta-bort/",
        views.request_remove_item_view,
        name="request_remove_item",
    ),
    path(
        "begaran/<int:pk>/objekt/<int:item_pk>/granska/",
        views.item_review_view,
        name="item_review",
    ),
    path("begaran/<int:pk>/beslut/", views.decision_preview, name="decision_preview"),
    path("begaran/<int:pk>/lamna-ut/", views.request_deliver_view, name="request_deliver"),
    path("begaran/<int:pk>/paket.zip", views.package_download, name="package_download"),
    path("bestammelser/", views.provisions, name="provisions"),
]
