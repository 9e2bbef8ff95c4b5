from django.urls import path

from . import views

app_name = "moderation"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("objekt/<int:pk>/", views.item_detail, name="item_detail"),
    path("objekt/<int:pk>/hantera/", views.item_triage, name="item_triage"),
    path("registrera/", views.item_register, name="item_register"),
    path("importera/", views.item_import, name="item_import"),
    path("api/items/", views.ingest_api, name="ingest_api"),
    path("responsmodell/", views.response_model, name="response_model"),
    path("konto/<int:pk>/statistik/", views.account_stats, name="account_stats"),
    path("konto/<int:pk>/kontrollerad/", views.daily_check, name="daily_check"),
    path(
        "bevis/<int:pk>/<str:part>/",
        views.evidence_download,
        name="evidence_download",
    ),
]

from connectors import views as connector_views  # noqa: E402

urlpatterns += [
    path("webhooks/facebook/", connector_views.facebook_webhook, name="webhook_facebook"),
    path("webhooks/instagram/", connector_views.instagram_webhook, name="webhook_instagram"),
    path("kopplingar/", connector_views.connector_status, name="connectors"),
    path(
        "kopplingar/handelse/<int:pk>/forsok-igen/",
        connector_views.raw_event_retry_view,
        name="raw_event_retry",
    ),
    path(
        "kopplingar/atgard/<int:pk>/forsok-igen/",
        connector_views.outbound_retry_view,
        name="outbound_retry",
    ),
    path(
        "kopplingar/atgard/<int:pk>/bekrafta/",
        connector_views.outbound_confirm_view,
        name="outbound_confirm",
    ),
]

# Attachments (issue 15): the stored file, and the failures page's retry of a download.
urlpatterns += [
    path("bilaga/<int:pk>/", connector_views.attachment_file, name="attachment_file"),
    path(
        "kopplingar/bilaga/<int:pk>/forsok-igen/",
        connector_views.attachment_retry_view,
        name="attachment_retry",
    ),
]

# --- The platform to-do list ----------------------------------------------------------------
from . import todo_views  # noqa: E402

urlpatterns += [
    path("att-gora/", todo_views.todo_list, name="todo"),
    path("att-gora/<int:pk>/klar/", todo_views.todo_done, name="todo_done"),
]

# The queue's bulk actions.
from . import queue_views  # noqa: E402

urlpatterns += [
    path("massatgard/", queue_views.queue_bulk, name="queue_bulk"),
]

# One-page triage (issue 9): taking over a colleague's claim on an item.
urlpatterns += [
    path("objekt/<int:pk>/ta-over/", views.item_take_over, name="item_take_over"),
]
