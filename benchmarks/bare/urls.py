from django.shortcuts import render
from django.urls import path
from django.utils import timezone


def page(request):
    return render(
        request,
        "bare.html",
        {"title": "Haparanda stad", "now": timezone.now(), "items": range(5)},
    )


urlpatterns = [path("", page)]
