"""The one path past the append-only guards: culling (R22).

Item versions, moderation actions and evidence refuse UPDATE and DELETE, in the models and in
PostgreSQL. Culling must still blank or delete them, so inside ``culling_writes()`` the
transaction sets ``hs.culling`` (``SET LOCAL``: it ends with the transaction), and the trigger
functions of those tables let through exactly what culling does: a DELETE of a version, an
UPDATE that marks a record culled. Nothing else sets it.

Culling writes in bulk, past the model signals that tell the stored copies of the queue and the
items' pages that what they show has changed, so it tells them itself.
"""

from __future__ import annotations

from contextlib import contextmanager

from django.db import connection, transaction

from moderation.page_cache import moderation_changed


@contextmanager
def culling_writes():
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("Culling writes happen inside a transaction.")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL hs.culling = 'on'")
    try:
        yield
        moderation_changed()
    finally:
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL hs.culling = 'off'")
