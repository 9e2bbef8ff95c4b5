"""Rendered copies of the queue and the triage page, per person (issue 9).

The mechanism is ``haparanda_social.page_cache``; this group's version is raised by every write
that can change what these pages show (items and their versions, claims, records, evidence,
platform actions, daily checks, accounts, roles, absences, people, departments, the response
model), and a copy is never older than ``MODERATION_PAGE_CACHE_SECONDS``.

Writes are caught by ``post_save``/``post_delete`` signals of the models ``apps.ready()``
names; writes that bypass the signals (``QuerySet.update()``, ``bulk_create``) call
``moderation_changed()`` themselves.
"""

from __future__ import annotations

from haparanda_social.page_cache import PageCache

pages = PageCache("moderation", "MODERATION_PAGE_CACHE_SECONDS")

VERSION_KEY = pages.version_key
moderation_changed = pages.changed
current_version = pages.current_version
forget_local_copies = pages.forget_local_copies
serve_for_person = pages.serve_for_person
cached_for_person = pages.cached_for_person
