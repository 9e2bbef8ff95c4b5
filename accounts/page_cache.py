"""Rendered copies of the registry dashboard and the archive overview, per person (issue 16).

The mechanism is ``haparanda_social.page_cache``. These pages show the register, but also what
the public never sees: pending applications, assignments awaiting a manager, roles of people
who left the directory, absences, open requests for public records, connectors whose capture
is behind, snapshots. So the group's version is raised by a save or a delete of any model
(``registry_page_write``, connected in ``apps.ready()``) but the sessions', and by the writes
that bypass the signals (``QuerySet.update()``, ``bulk_create``) of what these pages show,
which call ``registry_pages_changed()`` themselves. What moves with the clock alone ("ending
soon", "overdue", "capture behind") is covered by the time slot: a copy is never older than
``REGISTRY_PAGE_CACHE_SECONDS``.
"""

from __future__ import annotations

from haparanda_social.page_cache import PageCache

pages = PageCache("registry", "REGISTRY_PAGE_CACHE_SECONDS")

registry_pages_changed = pages.changed
cached_for_person = pages.cached_for_person
forget_local_copies = pages.forget_local_copies

# Written on sign-in and by the messages of every page, and shown on none of these pages.
_NOT_SHOWN_APPS = frozenset({"sessions"})


def registry_page_write(sender, **_kwargs) -> None:
    """Signal receiver for every model's ``post_save`` and ``post_delete``."""
    if sender._meta.app_label not in _NOT_SHOWN_APPS:
        pages.changed()
