from django.urls import path

from . import public_views

app_name = "public"

urlpatterns = [
    path("", public_views.account_list, name="account_list"),
    path("konton/<int:pk>/", public_views.account_detail, name="account_detail"),
]
