from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("<int:pk>/", views.account_detail, name="account_detail"),
]
