from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("anmalan/ny/", views.application_create, name="application_create"),
    path("forvaltning/<slug:slug>/", views.department_register, name="department_register"),
    path("uppdrag/<int:role_pk>/", views.assignment, name="assignment"),
    path("franvaro/", views.absences, name="absences"),
    path("personalkatalog/", views.directory, name="directory"),
    path("personer/sok/", views.person_search, name="person_search"),
    path("franvaro/<int:pk>/", views.absence_change, name="absence_change"),
    path("<int:pk>/", views.account_detail, name="account_detail"),
    path("<int:pk>/andra/", views.account_edit, name="account_edit"),
    path("<int:pk>/agare/", views.application_set_owner, name="application_set_owner"),
    path("<int:pk>/personer/", views.application_add_person, name="application_add_person"),
    path(
        "<int:pk>/personer/<int:role_pk>/ta-bort/",
        views.application_remove_person,
        name="application_remove_person",
    ),
    path("<int:pk>/skicka/", views.application_submit, name="application_submit"),
    path("<int:pk>/beslut/", views.account_decide, name="account_decide"),
    path(
        "<int:pk>/administratorer/",
        views.role_appoint_administrator,
        name="role_appoint_administrator",
    ),
    path("<int:pk>/ersattare/", views.role_add_deputy, name="role_add_deputy"),
    path("<int:pk>/roller/<int:role_pk>/avsluta/", views.role_end, name="role_end"),
    path("<int:pk>/byt-agare/", views.account_change_owner, name="account_change_owner"),
    path("<int:pk>/inloggning/", views.credentials_update, name="credentials_update"),
    path("<int:pk>/stang/", views.account_close, name="account_close"),
]
