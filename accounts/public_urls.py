"""The public pages and feeds, mounted at /offentlig/ (Swedish), /en/offentlig/ (English),
/fi/offentlig/ (Finnish) and /fit/offentlig/ (Meänkieli).

The feeds end in .json or .csv: ``CORS_URLS_REGEX`` in settings opens exactly those to any
origin, for reading only.
"""

from django.urls import path

from . import public_views

app_name = "public"

urlpatterns = [
    path("", public_views.account_list, name="account_list"),
    path("konton/<int:pk>/", public_views.account_detail, name="account_detail"),
    path("konton.json", public_views.account_list_json, name="account_list_json"),
    path("konton.csv", public_views.account_list_csv, name="account_list_csv"),
    path("konton-excel.csv", public_views.account_list_csv_excel, name="account_list_csv_excel"),
    path(
        "tillganglighet/",
        public_views.accessibility_statement,
        name="accessibility_statement",
    ),
    path("kontrollera/", public_views.verify, name="verify"),
    path("kontrollera.json", public_views.verify_json, name="verify_json"),
    path("inbaddning/", public_views.account_list_embed, name="account_list_embed"),
]
