from django.urls import path

from . import views

app_name = "retention"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("regler/<slug:kind>/", views.rule_detail, name="rule_detail"),
    path("forslag/", views.proposals, name="proposals"),
    path("forslag/<int:pk>/", views.proposal_detail, name="proposal_detail"),
    path("forslag/<int:pk>/godkann/", views.proposal_approve, name="proposal_approve"),
    path("logg/", views.log, name="log"),
    path("sparrar/", views.holds, name="holds"),
    path("sparrar/<int:pk>/", views.hold_detail, name="hold_detail"),
    path("sparrar/<int:pk>/slapp/", views.hold_release, name="hold_release"),
]
