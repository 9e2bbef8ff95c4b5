from django.urls import path

from . import views

app_name = "signin"

urlpatterns = [
    path("", views.sessions, name="sessions"),
    path("<int:pk>/avsluta/", views.session_end, name="session_end"),
    path("avsluta-andra/", views.sessions_end_others, name="sessions_end_others"),
]
