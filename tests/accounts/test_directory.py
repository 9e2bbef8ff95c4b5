"""The staff directory (issue 12): import from the HR system's file, its effects on users and
assignments, refusal of malformed files, and updates from sign-in claims."""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from accounts import tasks
from accounts.directory import directory_import, directory_update_from_claims
from accounts.models import (
    AccountRole,
    AssignmentStatus,
    DirectoryEntry,
    DirectoryImport,
    DirectorySource,
    Role,
    User,
)

HEADER = "anställningsnummer;namn;e-post;förvaltning;chef\n"


def _cast_file(*, deputy_manager="mats.chef", without=(), extra="") -> bytes:
    rows = [
        ("maria.chef", "Maria Chef", "maria.chef@haparanda.se", "kultur", ""),
        ("mats.chef", "Mats Chef", "mats.chef@haparanda.se", "kultur", "maria.chef"),
        ("olle.agare", "Olle Ägare", "olle.agare@haparanda.se", "kultur", "maria.chef"),
        ("disa.ersattare", "Disa Ersättare", "disa@haparanda.se", "kultur", deputy_manager),
        ("adam.admin", "Adam Admin", "adam.admin@haparanda.se", "kultur", "maria.chef"),
    ]
    lines = [";".join(r) for r in rows if r[0] not in without]
    return (HEADER + "\n".join(lines) + "\n" + extra).encode()


def _import(raw: bytes, **kwargs):
    return directory_import(raw=raw, source=DirectorySource.COMMAND, **kwargs)


def _snapshot():
    return (
        sorted(DirectoryEntry.objects.values_list("employee_id", "name", "manager_id", "active")),
        sorted(User.objects.values_list("username", "manager_id", "is_active", "department_id")),
    )


@pytest.fixture
def imported(owner, deputy, administrator, manager, other_manager):
    return _import(_cast_file())


def test_an_import_links_the_staff_and_reports_what_it_added(imported, deputy, other_manager):
    record = imported.record
    assert (record.added, record.changed, record.left) == (5, 0, 0)
    deputy.refresh_from_db()
    assert deputy.directory_entry.name == "Disa Ersättare"
    assert deputy.manager == other_manager
    assert deputy.first_name == "Disa" and deputy.last_name == "Ersättare"
    assert DirectoryImport.objects.filter(source="command", error="").count() == 1


def test_the_same_file_again_changes_nothing(imported):
    again = _import(_cast_file())
    assert (again.record.added, again.record.changed, again.record.left) == (0, 0, 0)
    assert again.record.unchanged == 5


def test_a_comma_separated_file_with_a_bom_and_english_heading_is_read(db, department):
    raw = "\ufeffemployee_id,name,email,department,manager_id\n1,Anna Berg,anna@x.se,kultur,\n"
    result = _import(raw.encode())
    assert result.record.added == 1
    user = DirectoryEntry.objects.get(employee_id="1").user
    assert user.username == "1" and not user.has_usable_password()
    assert user.department == department


def test_a_new_manager_in_the_directory_takes_over_pending_assignments(
    imported, submitted_account, deputy, manager, other_manager
):
    mail.outbox.clear()
    result = _import(_cast_file(deputy_manager="maria.chef"))
    assert result.record.changed == 1
    role = AccountRole.objects.get(account=submitted_account, user=deputy)
    assert role.manager == manager
    assert role.assignment_status == AssignmentStatus.PENDING
    moved = result.record.details["assignments_moved"]
    assert moved[0]["role_id"] == role.pk and moved[0]["previous_manager_id"] == other_manager.pk


def test_the_new_manager_is_emailed(
    imported, submitted_account, deputy, manager, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        _import(_cast_file(deputy_manager="maria.chef"))
    assert [m.to for m in mail.outbox] == [[manager.email]]
    assert "Disa Ersättare" in mail.outbox[0].body


def test_confirmed_assignments_stay_with_the_manager_who_gave_them(
    imported, active_account, deputy, other_manager
):
    _import(_cast_file(deputy_manager="maria.chef"))
    role = AccountRole.objects.get(account=active_account, user=deputy)
    assert role.manager == other_manager
    assert role.assignment_status == AssignmentStatus.CONFIRMED


def test_a_person_who_leaves_cannot_sign_in_and_their_role_is_flagged(
    imported, active_account, deputy, client
):
    result = _import(_cast_file(without=("disa.ersattare",)))
    assert result.record.left == 1
    deputy.refresh_from_db()
    assert not deputy.is_active
    assert result.record.details["deactivated"] == [{"id": deputy.pk, "name": str(deputy)}]
    client.post("/logga-in/", {"username": "disa.ersattare", "password": "correct-horse-battery"})
    assert "_auth_user_id" not in client.session
    issues = " ".join(active_account.compliance_issues())
    assert "Disa Ersättare" in issues and "ny ersättare" in issues


@pytest.mark.parametrize(
    ("extra", "line", "words"),
    [
        ("x1;Ny Person;ny@x.se;kultur;x2\nx2;Annan Person;a@x.se;kultur;x1\n", 6, "slinga"),
        ("x1;Ny Person;ny@x.se;kultur;x1\n", 6, "slinga"),
        ("x1;Ny Person;ny@x.se;kultur;finns.inte\n", 6, "finns.inte"),
        ("olle.agare;Olle Igen;o@x.se;kultur;\n", 6, "rad 4"),
        ("x1;Ny Person;ny@x.se;Okänd förvaltning;\n", 6, "Okänd förvaltning"),
        ("x1;Ny Person;inte-en-adress;kultur;\n", 6, "inte-en-adress"),
        ("x1;Ny Person\n", 6, "kolumner"),
        (";Ny Person;ny@x.se;kultur;\n", 6, "anställningsnumret"),
    ],
)
def test_a_malformed_file_is_refused_whole_with_its_line(imported, extra, line, words):
    before = _snapshot()
    raw = _cast_file(deputy_manager="maria.chef", without=("adam.admin",)) + extra.encode()
    with pytest.raises(ValidationError) as caught:
        _import(raw)
    message = " ".join(caught.value.messages)
    assert message.startswith(f"Rad {line}:"), message
    assert words.casefold() in message.casefold(), message
    assert _snapshot() == before
    assert DirectoryImport.objects.exclude(error="").get().error == message


def test_a_file_over_the_cap_is_refused(imported, settings):
    before = _snapshot()
    raw = _cast_file() + b"#" * (50 * 1024 * 1024)
    with pytest.raises(ValidationError) as caught:
        _import(raw)
    assert "högst 10 MB" in " ".join(caught.value.messages)
    assert _snapshot() == before


def test_a_file_that_is_not_utf8_is_refused_with_its_line(imported):
    raw = _cast_file() + "x1;Åsa Ö;a@x.se;kultur;\n".encode("latin-1")
    with pytest.raises(ValidationError, match="Rad 7"):
        _import(raw)


def test_the_command_reports_and_refuses(imported, tmp_path, capsys):
    path = tmp_path / "personal.csv"
    path.write_bytes(_cast_file(without=("adam.admin",)))
    call_command("import_staff_directory", str(path))
    out = capsys.readouterr().out
    assert "1 borttagna" in out and "Adam Admin" in out
    path.write_bytes(_cast_file() + b"x1;Ny;n@x.se;kultur;zz\n")
    with pytest.raises(CommandError, match="Rad 7"):
        call_command("import_staff_directory", str(path))


def test_the_nightly_task_reads_the_configured_path(imported, tmp_path, settings):
    path = tmp_path / "personal.csv"
    path.write_bytes(_cast_file(without=("adam.admin",)))
    settings.STAFF_DIRECTORY_PATH = str(path)
    pk = tasks.import_staff_directory.delay().get()
    record = DirectoryImport.objects.get(pk=pk)
    assert record.source == "nightly" and record.left == 1
    settings.STAFF_DIRECTORY_PATH = ""
    assert tasks.import_staff_directory.delay().get() is None


def test_a_nightly_file_that_is_missing_is_recorded(imported, tmp_path, settings):
    before = _snapshot()
    settings.STAFF_DIRECTORY_PATH = str(tmp_path / "saknas.csv")
    assert tasks.import_staff_directory.delay().get() is None
    record = DirectoryImport.objects.exclude(error="").get()
    assert record.source == "nightly" and "kan inte läsas: filen finns inte." in record.error
    assert _snapshot() == before


def test_claims_update_the_entry_and_the_user(imported, deputy, other_department):
    entry = directory_update_from_claims(
        user=deputy,
        claims={
            "employee_id": "disa.ersattare",
            "name": "Disa Nyman",
            "email": "disa.nyman@haparanda.se",
            "department": other_department.name,
        },
    )
    assert entry.name == "Disa Nyman" and entry.department == other_department
    deputy.refresh_from_db()
    assert deputy.last_name == "Nyman" and deputy.email == "disa.nyman@haparanda.se"
    assert deputy.department == other_department
    record = DirectoryImport.objects.get(source="claims")
    assert record.changed == 1 and record.actor == deputy


def test_claims_with_an_unknown_department_leave_it_as_it_was(imported, deputy, department):
    directory_update_from_claims(
        user=deputy, claims={"employee_id": "disa.ersattare", "department": "Påhittad"}
    )
    assert DirectoryEntry.objects.get(employee_id="disa.ersattare").department == department


def test_claims_cannot_take_another_persons_employee_id(imported, outsider):
    with pytest.raises(ValidationError):
        directory_update_from_claims(user=outsider, claims={"employee_id": "disa.ersattare"})
    assert DirectoryEntry.objects.get(employee_id="disa.ersattare").user.username == (
        "disa.ersattare"
    )


def test_claims_add_a_person_the_file_has_not_yet_named(db, outsider):
    entry = directory_update_from_claims(
        user=outsider, claims={"employee_id": "E77", "name": "Otto Utomstående"}
    )
    assert entry.user == outsider and entry.department == outsider.department
    assert directory_update_from_claims(user=outsider, claims={}) is None


def test_roles_of_people_who_left_show_on_the_dashboard(
    imported, active_account, communicator_client
):
    _import(_cast_file(without=("adam.admin",)))
    response = communicator_client.get("/konton/")
    assert "Adam Admin" in response.content.decode()
    assert Role.ADMINISTRATOR


# --- the communicator's upload page ---------------------------------------------------------

URL = "/konton/personalkatalog/"


def _upload(client, raw: bytes, name="personal.csv"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(URL, {"file": SimpleUploadedFile(name, raw, "text/csv")}, follow=True)


def test_the_communicator_uploads_the_directory(
    communicator_client, owner, deputy, administrator, manager, other_manager
):
    response = _upload(communicator_client, _cast_file())
    assert "5 tillagda, 0 ändrade, 0 borttagna" in response.content.decode()
    assert DirectoryEntry.objects.filter(active=True).count() == 5
    record = DirectoryImport.objects.get()
    assert record.source == "upload" and record.filename == "personal.csv"


def test_a_bad_upload_shows_the_line_and_changes_nothing(communicator_client, imported):
    before = _snapshot()
    response = _upload(communicator_client, _cast_file() + b"x1;<b>X</b>;x@x.se;kultur;zz\n")
    body = response.content.decode()
    assert response.status_code == 200
    assert "Rad 7: Chefens anställningsnummer zz finns inte i filen." in body
    assert _snapshot() == before


def test_a_50_mb_upload_is_refused(communicator_client, imported):
    before = _snapshot()
    response = _upload(communicator_client, _cast_file() + b"#" * (50 * 1024 * 1024))
    assert "högst 10 MB tas emot" in response.content.decode()
    assert _snapshot() == before


@pytest.mark.parametrize("who", ["outsider_client", "manager_client", "owner_client"])
def test_only_the_communicator_may_use_the_directory_page(request, who, imported):
    client = request.getfixturevalue(who)
    assert client.get(URL).status_code == 403
    assert _upload(client, _cast_file(without=("adam.admin",))).status_code == 403
    assert DirectoryEntry.objects.filter(active=True).count() == 5


def test_the_directory_page_lists_imports_with_a_fixed_number_of_queries(
    communicator_client, imported, django_assert_max_num_queries
):
    for _ in range(25):
        _import(_cast_file())
    # session, user, entry count, import count, one page of imports with their actors
    with django_assert_max_num_queries(8):
        response = communicator_client.get(URL)
    assert "26 inläsningar" in response.content.decode()


def test_a_username_taken_by_someone_else_in_the_directory_gets_a_new_user(imported, deputy):
    # "disa.ersattare" is linked already; a newcomer whose employee id is the same username in
    # another case, and who shares her e-mail, must not take her user over.
    raw = _cast_file() + b"DISA.ERSATTARE2;Disa Tv\xc3\xa5;disa@haparanda.se;kultur;mats.chef\n"
    _import(raw)
    entry = DirectoryEntry.objects.get(employee_id="DISA.ERSATTARE2")
    assert entry.user != deputy and entry.user.username == "DISA.ERSATTARE2"
    assert DirectoryEntry.objects.get(employee_id="disa.ersattare").user == deputy


def test_claims_do_not_let_a_person_who_left_back_in(imported, deputy):
    _import(_cast_file(without=("disa.ersattare",)))
    directory_update_from_claims(
        user=deputy, claims={"employee_id": "disa.ersattare", "name": "Disa Ersättare"}
    )
    deputy.refresh_from_db()
    assert not deputy.is_active


def test_a_directory_of_1500_staff_is_imported_and_reimported_cheaply(
    db, department, django_assert_max_num_queries
):
    lines = ["employee_id;name;email;department;manager_id", "E0;Kommun Direktör;;kultur;"]
    lines += [f"E{i};Person Nummer{i};p{i}@haparanda.se;kultur;E{i // 10}" for i in range(1, 1500)]
    raw = ("\n".join(lines) + "\n").encode()
    first = _import(raw)
    assert first.record.added == 1500
    assert User.objects.get(username="E1234").manager.username == "E123"
    # Unchanged, the nightly import reads the staff in a few queries and writes only its record.
    with django_assert_max_num_queries(10):
        again = _import(raw)
    assert (again.record.added, again.record.changed, again.record.unchanged) == (0, 0, 1500)


def test_the_import_record_cannot_be_rewritten(imported):
    """The record of what an import changed is append-only, in the ORM and in PostgreSQL."""
    from django.db import DatabaseError, connection, transaction

    record = imported.record
    with pytest.raises(TypeError):
        record.save()
    if connection.vendor != "postgresql":
        return
    for sql in (
        "UPDATE accounts_directoryimport SET added = 0 WHERE id = %s",
        "DELETE FROM accounts_directoryimport WHERE id = %s",
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [record.pk])
    record.refresh_from_db()
    assert record.added == 5
