"""The fixed cast: a communicator, managers, an owner, a deputy, an administrator, an outsider
employee and the anonymous public. Every view test uses them, so a refusal test cannot pass for
the wrong reason."""

import fcntl
import functools
import hashlib
import os
import time
from pathlib import Path

import pytest
from django.test import Client
from django.utils import translation

from accounts.models import AccountStatus, Role
from haparanda_social.celery import app as celery_app

from .factories import add_role, make_account, make_department, make_user


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """``TEST_DB_SLOTS=n`` (set by ``scripts/mutation.sh``): up to n test runs at once, each on
    its own SQLite test database file. A run claims a free slot (an exclusive lock on the slot's
    lock file, held until the run ends or its process dies) and takes that slot's file, so no two
    runs ever share a file; with every slot taken it waits. A slot without a file yet is claimed
    first, so the first runs (mutmut's own, before any mutant) make each file."""
    from django.conf import settings

    slots = int(os.environ.get("TEST_DB_SLOTS") or 0)
    database = settings.DATABASES["default"]
    if slots < 1 or database["ENGINE"] != "django.db.backends.sqlite3":
        yield
        return
    directory = settings.VAR_DIR
    directory.mkdir(parents=True, exist_ok=True)
    lock = None
    while lock is None:
        for slot in sorted(
            range(slots), key=lambda n: (directory / f"test-db-{n}.sqlite3").exists()
        ):
            handle = open(directory / f"test-db-{slot}.lock", "w")  # noqa: SIM115
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.close()
                continue
            lock = handle
            break
        else:
            time.sleep(0.1)
    database.setdefault("TEST", {})["NAME"] = str(directory / f"test-db-{slot}.sqlite3")
    try:
        yield
    finally:
        lock.close()


@functools.cache
def _migrations_fingerprint() -> str:
    """SHA-256 over every migration file of the project, names and contents (read once per
    process: the fork server's reading serves every run forked from it)."""
    from django.conf import settings

    digest = hashlib.sha256()
    for path in sorted(Path(settings.BASE_DIR).glob("*/migrations/*.py")):
        digest.update(str(path.relative_to(settings.BASE_DIR)).encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


if os.environ.get("TEST_DB_SLOTS"):

    @pytest.fixture(scope="session")
    def django_db_setup(
        request, django_test_environment, django_db_blocker, django_db_modify_db_settings
    ):
        """With ``TEST_DB_SLOTS`` (mutation testing), a slot's file that a run has already
        migrated, at migrations identical to these, is used as it is: each mutant's run would
        otherwise spend most of its second loading and checking the migrations to apply none.
        A slot's first run, or one after any migration changed, migrates it as
        ``pytest-django`` does (``--reuse-db``) and records the migrations' fingerprint beside
        the file. The file is never deleted, as with ``--reuse-db``."""
        from django.conf import settings
        from django.db import connections
        from django.test.utils import setup_databases

        database = settings.DATABASES["default"]
        name = database["TEST"]["NAME"]
        stamp = Path(f"{name}.migrated")
        fingerprint = _migrations_fingerprint()
        if Path(name).exists() and stamp.exists() and stamp.read_text() == fingerprint:
            # What Django's create_test_db does to point the connection at the kept file.
            connection = connections["default"]
            connection.close()
            database["NAME"] = name
            connection.settings_dict["NAME"] = name
        else:
            stamp.unlink(missing_ok=True)
            with django_db_blocker.unblock():
                setup_databases(
                    verbosity=request.config.option.verbose,
                    interactive=False,
                    keepdb=True,
                    aliases={"default"},
                )
            stamp.write_text(fingerprint)
        yield


def pytest_collection_finish(session):
    """mutmut's fork server collects the tests once and forks each mutant's run from itself
    (``scripts/mutation.sh``): what every run would otherwise import or build again is made
    here, before the forks: the URL configuration with every view, the migrations, and a
    frozen heap that pytest's garbage collection at the end of each run need not walk."""
    if not (session.config.option.collectonly and os.environ.get("TEST_DB_SLOTS")):
        return
    import gc

    from django.db.migrations.loader import MigrationLoader
    from django.urls import get_resolver

    get_resolver()._populate()
    MigrationLoader(None, ignore_no_migrations=True)
    _migrations_fingerprint()
    gc.collect()
    gc.freeze()


@pytest.fixture(autouse=True)
def _celery_eager():
    """Tasks run in-process in tests, unless a test starts a real worker."""
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def _swedish(settings):
    """Each test starts in the default language, whatever the previous one switched to."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache: its database starts again at registry version 0,
    so a copy another test stored under that number must not answer."""
    from django.core.cache import cache

    from accounts import page_cache as registry_page_cache
    from accounts.public_cache import forget_local_copies
    from connectors.services import forget_drain_seen
    from haparanda_social.front_cache import forget_front_copies
    from moderation import page_cache

    def forget():
        cache.clear()
        forget_local_copies()
        page_cache.forget_local_copies()
        registry_page_cache.forget_local_copies()
        forget_front_copies()
        forget_drain_seen()

    forget()
    yield
    forget()


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Stored files (archival packages made when an account closes) go to a folder per test,
    # and so do their builds' temporary files (ARCHIVING_WORK_DIR is MEDIA_ROOT/archive-work
    # unless set): test runs side by side (each on a database of its own, as in mutation
    # testing) would otherwise build snapshot 1's attempt 1 in one folder.
    settings.MEDIA_ROOT = tmp_path / "media"
    # Templates are tested without collectstatic; production serves the hashed manifest.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def department(db):
    return make_department("Kultur- och fritidsförvaltningen", "kultur")


@pytest.fixture
def other_department(db):
    return make_department("Samhällsbyggnadsförvaltningen", "samhallsbyggnad")


@pytest.fixture
def communicator(db):
    return make_user("karin.kommunikator", is_communicator=True, title="Kommunikatör")


@pytest.fixture
def manager(db, department):
    return make_user("maria.chef", title="Kulturchef", department=department)


@pytest.fixture
def other_manager(db, department):
    return make_user("mats.chef", title="Fritidschef", department=department)


@pytest.fixture
def owner(db, department, manager):
    return make_user("olle.agare", department=department, manager=manager)


@pytest.fixture
def deputy(db, department, other_manager):
    return make_user("disa.ersattare", department=department, manager=other_manager)


@pytest.fixture
def administrator(db, department, manager):
    return make_user("adam.admin", department=department, manager=manager)


@pytest.fixture
def outsider(db, other_department):
    return make_user("otto.utomstaende", department=other_department)


@pytest.fixture
def draft_account(owner, department):
    return make_account(created_by=owner, department=department, display_name="Kulturhuset")


@pytest.fixture
def submitted_account(owner, deputy, manager, other_manager, department):
    """A complete application whose managers have not yet confirmed the assignments."""
    account = make_account(
        created_by=owner,
        department=department,
        status=AccountStatus.SUBMITTED,
        display_name="Haparanda bibliotek",
        url="https://www.facebook.com/haparandabibliotek",
        handle="haparandabibliotek",
    )
    add_role(account, owner, Role.OWNER, manager=manager, confirmed=False)
    add_role(account, deputy, Role.DEPUTY, manager=other_manager, confirmed=False)
    return account


@pytest.fixture
def active_account(owner, deputy, administrator, manager, other_manager, communicator, department):
    account = make_account(
        created_by=owner,
        department=department,
        status=AccountStatus.ACTIVE,
        display_name="Haparanda kultur",
        url="https://www.instagram.com/haparandakultur",
        handle="haparandakultur",
        platform="instagram",
    )
    add_role(account, owner, Role.OWNER, manager=manager)
    add_role(account, deputy, Role.DEPUTY, manager=other_manager)
    add_role(account, administrator, Role.ADMINISTRATOR, manager=manager, appointed_by=communicator)
    return account


def verified_login(client, user):
    """Sign ``user`` in on ``client`` as a person ends up after both steps: the password (here
    force_login) and a code from their authenticator app, marked by django-otp's own helper.
    Tests about sign-in itself go through the real pages instead (tests/signin)."""
    from importlib import import_module

    import django_otp
    from django.conf import settings
    from django.http import HttpRequest
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client.force_login(user)
    device, _created = TOTPDevice.objects.get_or_create(
        user=user, name="Test app", defaults={"confirmed": True}
    )
    request = HttpRequest()
    request.session = import_module(settings.SESSION_ENGINE).SessionStore(
        client.session.session_key
    )
    request.user = user
    django_otp.login(request, device)
    request.session.save()
    return client


CACHED_SESSIONS = "django.contrib.sessions.backends.cached_db"


@pytest.fixture(autouse=True)
def _as_in_production(request, settings):
    """``@pytest.mark.as_in_production``: sessions kept in the shared cache, as in production, so
    that the front cache (``haparanda_social.front_cache``) answers repeated pages; the signed-in
    clients then also hold the CSRF cookie a browser has from its first page."""
    if request.node.get_closest_marker("as_in_production"):
        settings.SESSION_ENGINE = CACHED_SESSIONS


def _client_for(user):
    from django.conf import settings
    from django.middleware.csrf import _get_new_csrf_string

    client = verified_login(Client(), user)
    if settings.SESSION_ENGINE == CACHED_SESSIONS:
        client.cookies[settings.CSRF_COOKIE_NAME] = _get_new_csrf_string()
    return client


@pytest.fixture
def communicator_client(communicator):
    return _client_for(communicator)


@pytest.fixture
def manager_client(manager):
    return _client_for(manager)


@pytest.fixture
def owner_client(owner):
    return _client_for(owner)


@pytest.fixture
def deputy_client(deputy):
    return _client_for(deputy)


@pytest.fixture
def administrator_client(administrator):
    return _client_for(administrator)


@pytest.fixture
def outsider_client(outsider):
    return _client_for(outsider)


@pytest.fixture
def anonymous_client():
    return Client()


def _run_in_zone(monkeypatch, zone):
    import time

    monkeypatch.setenv("TZ", zone)
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture
def server_in_auckland(monkeypatch):
    """The process runs in New Zealand's zone, as a server far from UTC would: a date or time
    taken in the server's zone instead of Stockholm's, or written in local time instead of UTC,
    then shows on any machine (CI also runs the whole suite so)."""
    yield from _run_in_zone(monkeypatch, "Pacific/Auckland")


@pytest.fixture
def server_in_california(monkeypatch):
    """The process runs west of UTC, where Haparanda's morning is still the evening before."""
    yield from _run_in_zone(monkeypatch, "America/Los_Angeles")
