from django.db import connection
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_POST

# The second yardstick's table, created by benchmarks/side_by_side.py: a row id and the body.
WRITE_TABLE = "bench_bare_write"


def page(request):
    return render(
        request,
        "bare.html",
        {"title": "Haparanda stad", "now": timezone.now(), "items": range(5)},
    )


@require_POST
def write(request):
    """The least a durable intake can do: store the body with one autocommitted INSERT (one
    round trip, one WAL flush) and answer. No signature, no replay check, no index but the
    primary key."""
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {WRITE_TABLE} (body) VALUES (%s)", [request.body])  # noqa: S608
    return HttpResponse("OK", content_type="text/plain")


urlpatterns = [path("", page), path("write/", write)]
