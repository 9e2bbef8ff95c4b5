"""The staff directory: who works here, in which department, and who is whose manager (issue 12).

The HR system's file is imported by the communicator's upload, by ``manage.py
import_staff_directory`` and nightly by beat from ``STAFF_DIRECTORY_PATH``; all three call
``directory_import``. A file is checked whole before anything is written, so a malformed file
changes nothing and its refusal names the line of the first error. Sign-in calls
``directory_update_from_claims`` with the identity provider's claims.

The effects an import has on the registry:

- the user linked to each entry gets the entry's name, e-mail, department and manager, so the
  manager who confirms an assignment (R3) is the person's manager in the directory;
- when a person gets a new manager, their pending assignments move to that manager, who is
  asked by e-mail to confirm them;
- a person who is no longer in the file cannot sign in; the roles they hold show as needing a
  new person in the account's compliance (R4).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from .models import (
    AccountRole,
    AssignmentStatus,
    Department,
    DirectoryEntry,
    DirectoryImport,
    DirectorySource,
    User,
)
from .services import _notify_manager

# The columns of the HR system's file, by the names it may give them (English or Swedish).
COLUMNS = {
    "employee_id": ("employee_id", "employee id", "anställningsnummer", "anstallningsnummer"),
    "name": ("name", "namn"),
    "email": ("email", "e-mail", "e-post", "epost"),
    "department": ("department", "förvaltning", "forvaltning", "avdelning"),
    "manager_id": (
        "manager_id",
        "manager employee id",
        "manager",
        "chef",
        "chefens anställningsnummer",
    ),
}


def max_bytes() -> int:
    return settings.STAFF_DIRECTORY_MAX_BYTES


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:.1f}".removesuffix(".0").replace(".", ",")


@dataclass
class Row:
    line: int
    employee_id: str
    name: str
    email: str
    department: Department
    manager_id: str


@dataclass
class ImportResult:
    record: DirectoryImport
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    left: list[str] = field(default_factory=list)


def _refuse(line: int, message: str) -> ValidationError:
    return ValidationError(
        _("Line %(line)s: %(message)s The file was not imported; nothing was changed.")
        % {"line": line, "message": message},
        code="malformed",
    )


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise _refuse(line, _("The file is not UTF-8 text. Save it as CSV in UTF-8.")) from None


def _departments() -> dict[str, Department]:
    found = {}
    for department in Department.objects.all():
        found[department.name.casefold()] = department
        found[department.slug.casefold()] = department
    return found


def parse_directory(raw: bytes) -> list[Row]:
    """Check a whole file and return its rows; the first error refuses it with its line."""
    if len(raw) > max_bytes():
        raise ValidationError(
            _("The file is %(size)s MB; at most %(max)s MB is accepted. Nothing was changed.")
            % {"size": _megabytes(len(raw)), "max": _megabytes(max_bytes())},
            code="too_large",
        )
    text = _decode(raw)
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") >= first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        raise _refuse(1, _("The file is empty.")) from None
    except csv.Error:
        raise _refuse(1, _("The line cannot be read as CSV.")) from None
    names = [h.strip().casefold() for h in header]
    index = {}
    for key, aliases in COLUMNS.items():
        positions = [i for i, n in enumerate(names) if n in aliases]
        if positions:
            index[key] = positions[0]
        elif key != "email":
            raise _refuse(
                1,
                _(
                    "The heading must name the columns employee id, name, e-mail, department "
                    "and manager's employee id."
                ),
            )
    departments = _departments()
    rows: list[Row] = []
    seen: dict[str, int] = {}
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error:
            raise _refuse(reader.line_num, _("The line cannot be read as CSV.")) from None
        line = reader.line_num
        if not any(c.strip() for c in cells):
            continue

        def cell(key: str, cells=cells) -> str:
            i = index.get(key)
            return cells[i].strip() if i is not None and i < len(cells) else ""

        if len(cells) < len(header):
            raise _refuse(line, _("The line has fewer columns than the heading."))
        employee_id, name, email = cell("employee_id"), cell("name"), cell("email")
        if not employee_id:
            raise _refuse(line, _("The employee id is missing."))
        if len(employee_id) > 50:
            raise _refuse(line, _("The employee id is longer than 50 characters."))
        if employee_id in seen:
            raise _refuse(
                line,
                _("The employee id %(id)s is already on line %(other)s.")
                % {"id": employee_id, "other": seen[employee_id]},
            )
        seen[employee_id] = line
        if not name or len(name) > 200:
            raise _refuse(line, _("The name is missing or longer than 200 characters."))
        if email:
            try:
                validate_email(email)
            except ValidationError:
                raise _refuse(
                    line, _("%(email)s is not an e-mail address.") % {"email": email}
                ) from None
        department = departments.get(cell("department").casefold())
        if department is None:
            raise _refuse(
                line,
                _("The department %(name)s is unknown. Add it first, or correct the name.")
                % {"name": cell("department") or "–"},
            )
        rows.append(Row(line, employee_id, name, email, department, cell("manager_id")))
    if not rows:
        raise _refuse(1, _("The file holds no people."))
    by_id = {r.employee_id: r for r in rows}
    for row in rows:
        if row.manager_id and row.manager_id not in by_id:
            raise _refuse(
                row.line,
                _("The manager's employee id %(id)s is not in the file.") % {"id": row.manager_id},
            )
    _refuse_cycles(rows, by_id)
    return rows


def _refuse_cycles(rows: list[Row], by_id: dict[str, Row]) -> None:
    """A chain of managers must end with someone who has none; a loop would let people confirm
    each other's assignments."""
    done: set[str] = set()
    for row in rows:
        path: list[str] = []
        on_path: set[str] = set()
        current = row.employee_id
        while current and current not in done:
            if current in on_path:
                loop = path[path.index(current) :]
                first = min((by_id[i] for i in loop), key=lambda r: r.line)
                raise _refuse(
                    first.line,
                    _("The managers form a loop: %(people)s.")
                    % {"people": " → ".join(by_id[i].name for i in [*loop, current])},
                )
            path.append(current)
            on_path.add(current)
            current = by_id[current].manager_id
        done.update(path)


def read_limited(stream: IO[bytes]) -> bytes:
    """Read at most one byte past the cap, so a huge file is refused without reading it all."""
    return stream.read(max_bytes() + 1)


def _split_name(name: str) -> tuple[str, str]:
    first, _sep, last = name.rpartition(" ")
    return (first, last) if first else (name, "")


def _user_for(
    entry: DirectoryEntry,
    users_by_pk,
    users_by_username,
    users_by_email,
    taken: set[int],
    users_by_employee_id=None,
) -> User:
    """The entry's user: the linked one, else the user with the employee id (from a sign-in), or
    named by it, or with the same e-mail, who is not someone else's, else a new user without a
    password."""
    if entry.user_id:
        return users_by_pk[entry.user_id]
    for user in (
        (users_by_employee_id or {}).get(entry.employee_id),
        users_by_username.get(entry.employee_id.casefold()),
        users_by_email.get(entry.email.casefold()) if entry.email else None,
    ):
        if user is not None and user.pk not in taken:
            return user
    username, n = entry.employee_id, 1
    while username.casefold() in users_by_username:
        n += 1
        username = f"{entry.employee_id}-{n}"
    user = User(username=username)
    user.set_unusable_password()
    return user


def _sync_user(user: User, entry: DirectoryEntry, manager: User | None) -> list[str]:
    first, last = _split_name(entry.name)
    wanted = {
        "first_name": first[:150],
        "last_name": last[:150],
        "department_id": entry.department_id,
        "manager_id": manager.pk if manager else None,
        "is_active": entry.active,
        # The identity provider's sign-in finds the person by this id (signin.oidc).
        "employee_id": entry.employee_id,
    }
    if entry.email:
        wanted["email"] = entry.email
    changed = [name for name, value in wanted.items() if getattr(user, name) != value]
    for name in changed:
        setattr(user, name, wanted[name])
    return changed


def _move_pending_assignments(user: User, manager: User, details: dict[str, Any]) -> None:
    """A person's pending assignments follow them to their new manager, who is asked to confirm."""
    roles = (
        AccountRole.objects.current()
        .select_for_update()
        .filter(user=user, assignment_status=AssignmentStatus.PENDING)
        .exclude(manager=manager)
        .select_related("account", "account__department", "user")
    )
    for role in roles:
        previous = role.manager_id
        role.manager = manager
        role.save(update_fields=["manager"])
        details.setdefault("assignments_moved", []).append(
            {
                "role_id": role.pk,
                "account": role.account.display_name,
                "person": str(user),
                "previous_manager_id": previous,
                "manager": str(manager),
            }
        )
        if role.account.status not in ("draft", "rejected", "closed"):
            _notify_manager(role)


def directory_import(
    *,
    raw: bytes,
    source: str,
    actor: User | None = None,
    filename: str = "",
) -> ImportResult:
    """Import the whole directory from the HR system's file.

    Refuses a malformed file as a whole (the refusal is recorded and re-raised); otherwise adds,
    changes and ends entries, brings the linked users in step and records what changed.
    """
    try:
        rows = parse_directory(raw)
    except ValidationError as exc:
        _record_refusal(source=source, actor=actor, filename=filename, error=exc)
        raise
    with transaction.atomic():
        return _apply(rows, source=source, actor=actor, filename=filename)


def _apply(rows: list[Row], *, source: str, actor: User | None, filename: str) -> ImportResult:
    entries = {e.employee_id: e for e in DirectoryEntry.objects.select_for_update()}
    users = list(User.objects.select_for_update())
    # Everything is looked up in these maps: a few queries for the whole staff, not per person.
    users_by_pk = {u.pk: u for u in users}
    users_by_username = {u.username.casefold(): u for u in users}
    # Someone who signed in through the identity provider first carries the employee id already.
    users_by_employee_id = {u.employee_id: u for u in users if u.employee_id}
    users_by_email = {}
    linked = {e.user_id for e in entries.values() if e.user_id}
    for u in users:
        if u.email and u.pk not in linked:
            users_by_email.setdefault(u.email.casefold(), u)
    result = ImportResult(record=DirectoryImport(source=source, actor=actor, filename=filename))
    details: dict[str, Any] = {}
    id_by_pk = {e.pk: eid for eid, e in entries.items()}
    old_manager = {eid: id_by_pk.get(e.manager_id, "") for eid, e in entries.items()}
    # Entries first, without managers, so that every manager exists before anyone points to it.
    fields_changed: dict[str, list[str]] = {}
    for row in rows:
        entry = entries.get(row.employee_id)
        if entry is None:
            entry = DirectoryEntry(employee_id=row.employee_id)
            entries[row.employee_id] = entry
            result.added.append(row.employee_id)
        changes = [
            name
            for name, value in (
                ("name", row.name),
                ("email", row.email),
                ("department_id", row.department.pk),
                ("active", True),
            )
            if getattr(entry, name) != value
        ]
        if old_manager.get(row.employee_id, "") != row.manager_id:
            changes.append("manager")
        entry.name, entry.email, entry.department, entry.active = (
            row.name,
            row.email,
            row.department,
            True,
        )
        if entry.pk is None:
            entry.save()
        elif changes:
            fields_changed[row.employee_id] = changes
            entry.save(update_fields=[c for c in changes if c != "manager"] + ["updated_at"])
    in_file = {r.employee_id for r in rows}
    for employee_id, entry in entries.items():
        if employee_id not in in_file and entry.active:
            entry.active = False
            entry.save(update_fields=["active", "updated_at"])
            result.left.append(employee_id)
    # Then the managers, and the users in step with their entries.
    for row in rows:
        entry = entries[row.employee_id]
        manager_entry = entries.get(row.manager_id) if row.manager_id else None
        if entry.manager_id != (manager_entry.pk if manager_entry else None):
            entry.manager = manager_entry
            entry.save(update_fields=["manager"])
    taken = {e.user_id for e in entries.values() if e.user_id}
    for entry in entries.values():
        user = _user_for(
            entry, users_by_pk, users_by_username, users_by_email, taken, users_by_employee_id
        )
        if not entry.active and user.pk is None:
            continue
        if user.pk is None:
            user.save()
            users_by_pk[user.pk] = user
            users_by_username[user.username.casefold()] = user
        taken.add(user.pk)
        if entry.user_id != user.pk:
            entry.user = user
            entry.save(update_fields=["user"])
    entries_by_pk = {e.pk: e for e in entries.values()}
    for entry in entries.values():
        user = users_by_pk.get(entry.user_id)
        if user is None:
            continue
        manager_entry = entries_by_pk.get(entry.manager_id) if entry.active else None
        if entry.active:
            manager = users_by_pk.get(manager_entry.user_id) if manager_entry else None
        else:
            manager = users_by_pk.get(user.manager_id)
        previous_manager_id = user.manager_id
        was_active = user.is_active
        changed_fields = _sync_user(user, entry, manager)
        if changed_fields:
            user.save(update_fields=changed_fields)
        if was_active and not user.is_active:
            details.setdefault("deactivated", []).append({"id": user.pk, "name": str(user)})
        if manager is not None and previous_manager_id != manager.pk:
            _move_pending_assignments(user, manager, details)
    result.changed = [eid for eid in fields_changed if eid not in result.added]
    names = {eid: e.name for eid, e in entries.items()}
    record = result.record
    record.added, record.changed, record.left = (
        len(result.added),
        len(result.changed),
        len(result.left),
    )
    record.unchanged = len(rows) - record.added - record.changed
    details["added"] = [{"employee_id": i, "name": names[i]} for i in result.added]
    details["changed"] = [
        {"employee_id": i, "name": names[i], "fields": fields_changed[i]} for i in result.changed
    ]
    details["left"] = [{"employee_id": i, "name": names[i]} for i in result.left]
    record.details = details
    record.save()
    return result


def _record_refusal(*, source: str, actor: User | None, filename: str, error) -> None:
    # Recorded outside the import's transaction, which the refusal rolls back.
    message = " ".join(error.messages)
    DirectoryImport(source=source, actor=actor, filename=filename, error=message).save()


def _why_unreadable(exc: OSError) -> str:
    import errno

    if exc.errno == errno.ENOENT:
        return _("there is no such file")
    if exc.errno == errno.EACCES:
        return _("permission is missing")
    if exc.errno == errno.EISDIR:
        return _("it is a folder")
    return _("it could not be read from the disk")


def directory_import_path(*, path: str, source: str, actor: User | None = None) -> ImportResult:
    """Import the file at ``path``. A file that cannot be read is refused and recorded too, so
    that a nightly import that did not happen shows on the directory page."""
    try:
        with open(path, "rb") as stream:
            raw = read_limited(stream)
    except OSError as exc:
        error = ValidationError(
            _("The file %(path)s cannot be read: %(reason)s. Nothing was changed.")
            % {"path": path, "reason": _why_unreadable(exc)},
            code="unreadable",
        )
        _record_refusal(source=source, actor=actor, filename=str(path), error=error)
        raise error from None
    return directory_import(raw=raw, source=source, actor=actor, filename=str(path))


@transaction.atomic
def directory_update_from_claims(*, user: User, claims: dict[str, Any]) -> DirectoryEntry | None:
    """Bring the directory in step with what the identity provider says at sign-in.

    The claim named by ``STAFF_DIRECTORY_EMPLOYEE_ID_CLAIM`` identifies the entry; name, e-mail
    and department (by name or short name) are taken where given. A department the registry does
    not know is left as it was: the HR file, not a claim, adds departments. Returns the entry,
    or None when the claims carry no employee id.
    """
    employee_id = str(claims.get(settings.STAFF_DIRECTORY_EMPLOYEE_ID_CLAIM) or "").strip()[:50]
    if not employee_id:
        return None
    name = str(
        claims.get("name")
        or " ".join(str(claims.get(k) or "") for k in ("given_name", "family_name"))
    ).strip()[:200]
    email = str(claims.get("email") or "").strip()
    try:
        validate_email(email)
    except ValidationError:
        email = ""
    department_claim = str(claims.get(settings.STAFF_DIRECTORY_DEPARTMENT_CLAIM) or "").strip()
    department = (
        Department.objects.filter(
            Q(name__iexact=department_claim) | Q(slug__iexact=department_claim)
        ).first()
        if department_claim
        else None
    )
    entry = DirectoryEntry.objects.select_for_update().filter(employee_id=employee_id).first()
    if entry is not None and entry.user_id not in (None, user.pk):
        raise ValidationError(
            _("The employee id %(id)s belongs to another user in the staff directory.")
            % {"id": employee_id},
            code="employee_id_taken",
        )
    other = DirectoryEntry.objects.filter(user=user).exclude(employee_id=employee_id).first()
    if other is not None:
        raise ValidationError(
            _("This user is already in the staff directory as %(id)s.") % {"id": other.employee_id},
            code="user_taken",
        )
    record = DirectoryImport(source=DirectorySource.CLAIMS, actor=user)
    if entry is None:
        department = department or user.department
        if department is None:
            return None
        entry = DirectoryEntry(
            employee_id=employee_id,
            name=name or str(user),
            email=email or user.email,
            department=department,
            user=user,
        )
        entry.save()
        record.added = 1
        record.details = {"added": [{"employee_id": employee_id, "name": entry.name}]}
    else:
        wanted = {"user_id": user.pk}
        if name:
            wanted["name"] = name
        if email:
            wanted["email"] = email
        if department is not None:
            wanted["department_id"] = department.pk
        changes = [k for k, v in wanted.items() if getattr(entry, k) != v]
        if not changes:
            return entry
        for k in changes:
            setattr(entry, k, wanted[k])
        entry.save(update_fields=[*changes, "updated_at"])
        record.changed = 1
        record.details = {
            "changed": [{"employee_id": employee_id, "name": entry.name, "fields": changes}]
        }
    manager = entry.manager.user if entry.manager_id and entry.manager.user_id else user.manager
    changed_fields = _sync_user(user, entry, manager)
    if changed_fields:
        user.save(update_fields=changed_fields)
    record.save()
    return entry
