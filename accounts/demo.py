"""Demo data for the embedded default and the browser journeys: Haparanda's departments, the
cast of users and a dozen accounts in the states a communicator meets in a real year.

The history of each account is written as the decisions the workflow would have recorded, so
every account page shows a believable trail of who decided what, when and why.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from .models import (
    AccountDecision,
    AccountRole,
    AccountStatus,
    AssignmentStatus,
    DecisionKind,
    Department,
    Goal,
    Role,
    SocialAccount,
    User,
)
from .platforms import parse_profile_url
from .visitor_info import standard_visitor_information

DEMO_PASSWORD = "demo-haparanda"  # noqa: S105 - demo data only, printed at start
# Every demo user has an authenticator app with this published key (hex; base32
# GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ), so the demo's second step can be passed: in DEMO_MODE the
# second-factor page shows the current code, and the browser journeys compute it. A wide
# tolerance (±10 steps of 30 s) lets a journey sign the same person in several times a minute
# without replaying a code. Demo data only: never in production.
DEMO_TOTP_KEY = "3132333435363738393031323334353637383930"
DEMO_TOTP_TOLERANCE = 10
DEMO_DEVICE_NAME = "Demo"

DEPARTMENTS = [
    ("kommunledning", "Kommunledningsförvaltningen"),
    ("kultur", "Kultur- och fritidsförvaltningen"),
    ("samhallsbyggnad", "Samhällsbyggnadsförvaltningen"),
    ("utbildning", "Utbildningsförvaltningen"),
    ("social", "Socialförvaltningen"),
    ("raddning", "Räddningstjänsten"),
]

DEMO_USERS = [
    {
        "username": "karin.kommunikator",
        "first_name": "Karin",
        "last_name": "Lindqvist",
        "title": "Kommunikatör",
        "department": "kommunledning",
        "is_communicator": True,
        "manager": "mats.chef",
        "role_description": "kommunikatör – godkänner konton, ser allt",
    },
    {
        "username": "mats.chef",
        "first_name": "Mats",
        "last_name": "Berg",
        "title": "Kommunikationschef",
        "department": "kommunledning",
        "role_description": "chef – ger uppdrag till Olle och Disa",
    },
    {
        "username": "maria.chef",
        "first_name": "Maria",
        "last_name": "Niemi",
        "title": "Kultur- och fritidschef",
        "department": "kultur",
        "manager": "mats.chef",
        "role_description": "chef – ger uppdrag till Adam och Lena",
    },
    {
        "username": "per.chef",
        "first_name": "Per",
        "last_name": "Holmgren",
        "title": "Samhällsbyggnadschef",
        "department": "samhallsbyggnad",
        "manager": "mats.chef",
        "role_description": "chef – samhällsbyggnad",
    },
    {
        "username": "olle.agare",
        "first_name": "Olle",
        "last_name": "Ahlström",
        "title": "Webbredaktör",
        "department": "kommunledning",
        "manager": "mats.chef",
        "role_description": "kontoansvarig – triagerar kön varje dag",
    },
    {
        "username": "disa.ersattare",
        "first_name": "Disa",
        "last_name": "Eriksson",
        "title": "Informatör",
        "department": "kommunledning",
        "manager": "mats.chef",
        "role_description": "ersättare – tar över vid frånvaro",
    },
    {
        "username": "adam.admin",
        "first_name": "Adam",
        "last_name": "Keskitalo",
        "title": "Bibliotekarie",
        "department": "kultur",
        "manager": "maria.chef",
        "role_description": "administratör",
    },
    {
        "username": "lena.fritid",
        "first_name": "Lena",
        "last_name": "Wikström",
        "title": "Fritidsledare",
        "department": "kultur",
        "manager": "maria.chef",
        "role_description": "anställd som anmält ett nytt konto",
    },
    {
        "username": "jonas.bygg",
        "first_name": "Jonas",
        "last_name": "Mäkinen",
        "title": "Bygglovshandläggare",
        "department": "samhallsbyggnad",
        "manager": "per.chef",
        "role_description": "anställd med ett utkast till anmälan",
    },
    {
        "username": "otto.utomstaende",
        "first_name": "Otto",
        "last_name": "Lampinen",
        "title": "Handläggare",
        "department": "social",
        "manager": "per.chef",
        "role_description": "anställd utan roll – ser inget av andras konton",
    },
]

# (profile url, display name, department, status, owner, deputies, administrators,
#  days since start, end date offset in days or None, extra)
ACCOUNTS = [
    {
        "url": "https://www.facebook.com/haparandastad",
        "name": "Haparanda stad",
        "dept": "kommunledning",
        "status": AccountStatus.ACTIVE,
        "owner": "olle.agare",
        "deputies": ["disa.ersattare"],
        "admins": ["adam.admin"],
        "age": 2900,
        "purpose": "Informera invånare och besökare om kommunens verksamhet, nyheter och "
        "driftstörningar, och föra dialog med haparandaborna.",
        "answers": "Allmänna frågor om kommunens service, evenemang och driftinformation.",
        "contact": "kommun@haparanda.se",
    },
    {
        "url": "https://www.instagram.com/haparandakultur",
        "name": "Haparanda kultur",
        "dept": "kultur",
        "status": AccountStatus.ACTIVE,
        "owner": "olle.agare",
        "deputies": ["disa.ersattare"],
        "admins": [],
        "age": 1500,
        "purpose": "Visa kultur- och fritidslivet i Haparanda och locka besökare till evenemang.",
        "answers": "Frågor om evenemang, biljetter och öppettider.",
        "contact": "kultur@haparanda.se",
    },
    {
        "url": "https://www.linkedin.com/company/haparanda-stad",
        "name": "Haparanda stad",
        "dept": "kommunledning",
        "status": AccountStatus.ACTIVE,
        "owner": "disa.ersattare",
        "deputies": ["olle.agare"],
        "admins": [],
        "age": 1200,
        "purpose": "Stärka Haparanda stad som arbetsgivare och nå framtida medarbetare.",
        "answers": "Frågor om lediga tjänster och att arbeta i kommunen.",
        "contact": "hr@haparanda.se",
    },
    {
        "url": "https://www.youtube.com/@haparandastad",
        "name": "Haparanda stad",
        "dept": "kommunledning",
        "status": AccountStatus.ACTIVE,
        "owner": "olle.agare",
        "deputies": ["disa.ersattare"],
        "admins": [],
        "age": 800,
        "purpose": "Sända kommunfullmäktiges sammanträden och visa film om Haparanda.",
        "answers": "Frågor om sändningar och var man hittar protokoll.",
        "contact": "kommun@haparanda.se",
    },
    {
        "url": "https://www.facebook.com/haparandabibliotek",
        "name": "Haparanda bibliotek",
        "dept": "kultur",
        "status": AccountStatus.ACTIVE,
        "owner": "adam.admin",
        "deputies": ["lena.fritid"],
        "admins": [],
        "age": 2100,
        "purpose": "Tipsa om böcker och berätta om bibliotekets program.",
        "answers": "Frågor om lån, öppettider och bibliotekets program.",
        "contact": "bibliotek@haparanda.se",
    },
    {
        "url": "https://mastodon.nu/@haparanda",
        "name": "Haparanda stad",
        "dept": "kommunledning",
        "status": AccountStatus.ACTIVE,
        "owner": "olle.agare",
        "deputies": ["disa.ersattare"],
        "admins": [],
        "age": 300,
        "purpose": "Nå invånare som använder fria och öppna sociala nätverk med samma "
        "information som på haparanda.se.",
        "answers": "Allmänna frågor om kommunens service.",
        "contact": "kommun@haparanda.se",
    },
    {
        "url": "https://www.facebook.com/vinterfestivalenhaparanda",
        "name": "Vinterfestivalen",
        "dept": "kultur",
        "status": AccountStatus.ACTIVE,
        "owner": "adam.admin",
        "deputies": ["lena.fritid"],
        "admins": [],
        "age": 120,
        "ends_in": -10,
        "purpose": "Marknadsföra vinterfestivalen och svara besökare under festivalen.",
        "answers": "Frågor om festivalens program och biljetter.",
        "contact": "kultur@haparanda.se",
    },
    {
        "url": "https://www.instagram.com/tornedalensommarlov",
        "name": "Sommarlov i Tornedalen",
        "dept": "kultur",
        "status": AccountStatus.CLOSED,
        "owner": "lena.fritid",
        "deputies": ["adam.admin"],
        "admins": [],
        "age": 540,
        "ends_in": -420,
        "purpose": "Informera unga om sommarlovsaktiviteter 2025.",
        "answers": "Frågor om aktiviteter och anmälan.",
        "contact": "fritid@haparanda.se",
    },
    {
        "url": "https://www.instagram.com/chillzonehaparanda",
        "name": "Fritidsgården Chillzone",
        "dept": "kultur",
        "status": AccountStatus.SUBMITTED,
        "owner": "lena.fritid",
        "deputies": ["adam.admin"],
        "admins": [],
        "age": -7,
        "pending": ["lena.fritid"],
        "purpose": "Nå ungdomar 13–17 år med information om fritidsgårdens verksamhet.",
        "answers": "Frågor om öppettider och aktiviteter på fritidsgården.",
        "contact": "fritid@haparanda.se",
    },
    {
        "url": "https://www.threads.net/@haparandasocial",
        "name": "Stöd och omsorg Haparanda",
        "dept": "social",
        "status": AccountStatus.SUBMITTED,
        "owner": "disa.ersattare",
        "deputies": ["olle.agare"],
        "admins": [],
        "age": -14,
        "purpose": "Informera om stöd till anhöriga och om socialtjänstens öppna verksamheter.",
        "answers": "Allmänna frågor om öppna verksamheter. Aldrig frågor om enskilda ärenden.",
        "contact": "social@haparanda.se",
    },
    {
        "url": "https://x.com/haparandabygg",
        "name": "Bygga och bo i Haparanda",
        "dept": "samhallsbyggnad",
        "status": AccountStatus.CHANGES_REQUESTED,
        "owner": "jonas.bygg",
        "deputies": [],
        "admins": [],
        "age": -20,
        "purpose": "Informera om bygglov och detaljplaner.",
        "answers": "Frågor om hur man ansöker om bygglov.",
        "contact": "bygg@haparanda.se",
    },
    {
        "url": "https://www.facebook.com/raddningstjanstenhaparanda",
        "name": "Räddningstjänsten Haparanda",
        "dept": "raddning",
        "status": AccountStatus.DRAFT,
        "owner": "jonas.bygg",
        "deputies": [],
        "admins": [],
        "age": -30,
        "purpose": "",
        "answers": "",
        "contact": "",
    },
    {
        "url": "https://www.tiktok.com/@haparandagymnasium",
        "name": "Haparanda gymnasium",
        "dept": "utbildning",
        "status": AccountStatus.REJECTED,
        "owner": "lena.fritid",
        "deputies": ["adam.admin"],
        "admins": [],
        "age": -60,
        "purpose": "Marknadsföra gymnasiets program.",
        "answers": "Frågor om programmen.",
        "contact": "gymnasiet@haparanda.se",
    },
]

PLAN = (
    "Två till tre inlägg i veckan enligt redaktionell kalender. Kön bevakas varje vardag "
    "före kl. 10 och efter lunch; ersättaren tar över vid frånvaro."
)
TONALITY = "Personlig men inte privat, vårdad svenska, du-tilltal, avsändaren anges alltid."
NOT_ANSWERED = (
    "Frågor om personuppgifter, enskilda ärenden eller myndighetsutövning – de hänvisas till "
    "kommunens kontaktcenter."
)


def demo_directory_file(departments: dict[str, Department]) -> bytes:
    """The demo staff as the HR system would export them: employee id (here the username),
    name, e-mail, department and manager's employee id, separated by semicolons."""
    lines = ["anställningsnummer;namn;e-post;förvaltning;chef"]
    for spec in DEMO_USERS:
        lines.append(
            ";".join(
                (
                    spec["username"],
                    f"{spec['first_name']} {spec['last_name']}",
                    f"{spec['username']}@haparanda.se",
                    departments[spec["department"]].name,
                    spec.get("manager", ""),
                )
            )
        )
    return ("\n".join(lines) + "\n").encode()


def seed_directory(departments: dict[str, Department]) -> None:
    """Seed the staff directory, so that every demo manager comes from it (issue 12)."""
    from .directory import directory_import
    from .models import DirectorySource

    directory_import(
        raw=demo_directory_file(departments),
        source=DirectorySource.COMMAND,
        filename="demo",
    )


@transaction.atomic
def seed_registry() -> bool:
    """Create the demo registry once. Returns False when it already exists."""
    if User.objects.filter(username="karin.kommunikator").exists():
        return False
    now = timezone.now()
    today = timezone.localdate()
    departments = {
        slug: Department.objects.get_or_create(slug=slug, defaults={"name": name})[0]
        for slug, name in DEPARTMENTS
    }
    users: dict[str, User] = {}
    for spec in DEMO_USERS:
        spec = dict(spec)
        spec.pop("role_description")
        manager = spec.pop("manager", None)
        user = User(
            **{**spec, "department": departments[spec["department"]]},
            email=f"{spec['username']}@haparanda.se",
        )
        user.manager = users.get(manager)
        user.set_password(DEMO_PASSWORD)
        user.save()
        TOTPDevice.objects.create(
            user=user,
            name=DEMO_DEVICE_NAME,
            key=DEMO_TOTP_KEY,
            tolerance=DEMO_TOTP_TOLERANCE,
            confirmed=True,
        )
        users[user.username] = user
    seed_directory(departments)
    for user in users.values():
        user.refresh_from_db()
    communicator = users["karin.kommunikator"]

    for spec in ACCOUNTS:
        parsed = parse_profile_url(spec["url"])
        started = today - timedelta(days=spec["age"])
        created_at = now - timedelta(days=abs(spec["age"]) + 14)
        owner = users[spec["owner"]]
        account = SocialAccount(
            department=departments[spec["dept"]],
            platform=parsed.platform,
            handle=parsed.handle,
            url=parsed.url,
            display_name=spec["name"],
            status=spec["status"],
            purpose=spec["purpose"],
            audiences="Invånare i Haparanda, besökare och näringsliv." if spec["purpose"] else "",
            goals=[Goal.ACCESSIBLE, Goal.GUIDE, Goal.DIALOGUE] if spec["purpose"] else [],
            plan=PLAN if spec["purpose"] else "",
            tonality=TONALITY if spec["purpose"] else "",
            answers=spec["answers"],
            does_not_answer=NOT_ANSWERED if spec["purpose"] else "",
            hours_per_week=4 if spec["purpose"] else None,
            public_contact=spec["contact"],
            starts_on=started,
            ends_on=(today + timedelta(days=spec["ends_in"])) if "ends_in" in spec else None,
            credentials_location=(
                "I kommunens lösenordshanterare, valvet Sociala medier." if spec["purpose"] else ""
            ),
            credentials_access="Kontoansvarig, ersättare och kommunikatören."
            if spec["purpose"]
            else "",
            created_by=owner,
            created_at=created_at,
        )
        if spec["purpose"]:
            for name, text in standard_visitor_information(account).items():
                setattr(account, name, text)
        if spec["status"] != AccountStatus.DRAFT:
            account.submitted_at = created_at + timedelta(days=1)
        if spec["status"] in (AccountStatus.ACTIVE, AccountStatus.CLOSED):
            account.approved_at = created_at + timedelta(days=5)
        if spec["status"] == AccountStatus.CLOSED:
            account.closed_at = now - timedelta(days=400)
        account.save()
        _seed_people_and_history(account, spec, users, communicator)
    return True


def _decide(account, kind, actor, when, comment="", **details):
    AccountDecision.objects.create(
        account=account,
        kind=kind,
        actor=actor,
        created_at=when,
        comment=comment,
        details=details,
    )


def _seed_people_and_history(account, spec, users, communicator):
    owner = users[spec["owner"]]
    when = account.created_at
    _decide(account, DecisionKind.CREATED, owner, when)
    people = [(owner, Role.OWNER)]
    people += [(users[u], Role.DEPUTY) for u in spec["deputies"]]
    people += [(users[u], Role.ADMINISTRATOR) for u in spec["admins"]]
    status = spec["status"]
    pending = set(spec.get("pending", []))
    for person, role in people:
        confirmed = status not in (AccountStatus.DRAFT,) and person.username not in pending
        manager = person.manager
        AccountRole.objects.create(
            account=account,
            user=person,
            role=role,
            manager=manager,
            assignment_status=AssignmentStatus.CONFIRMED if confirmed else AssignmentStatus.PENDING,
            assignment_decided_at=when + timedelta(days=2) if confirmed else None,
            assignment_reference=f"KS {when.year}/{account.pk:03d}" if confirmed else "",
            appointed_by=communicator if role == Role.ADMINISTRATOR else None,
            created_at=when,
        )
    if status == AccountStatus.DRAFT:
        return
    _decide(account, DecisionKind.SUBMITTED, owner, account.submitted_at)
    for person, role in people:
        if person.username in pending:
            continue
        manager = person.manager
        _decide(
            account,
            DecisionKind.ASSIGNMENT_CONFIRMED,
            manager,
            when + timedelta(days=2),
            person=person.username,
            role=role,
        )
    if status == AccountStatus.CHANGES_REQUESTED:
        _decide(
            account,
            DecisionKind.CHANGES_REQUESTED,
            communicator,
            when + timedelta(days=4),
            "Ange minst en ersättare och beskriv en plan för närvaron innan kontot kan godkännas.",
        )
    elif status == AccountStatus.REJECTED:
        _decide(
            account,
            DecisionKind.REJECTED,
            communicator,
            when + timedelta(days=4),
            "Gymnasiet syns redan i kommunens gemensamma konton; ett eget konto på TikTok "
            "saknar resurser för daglig bevakning.",
        )
    elif status in (AccountStatus.ACTIVE, AccountStatus.CLOSED):
        _decide(
            account,
            DecisionKind.APPROVED,
            communicator,
            account.approved_at,
            "Anmälan är komplett; uppdragen är bekräftade av cheferna.",
        )
        for person, role in people:
            if role == Role.ADMINISTRATOR:
                _decide(
                    account,
                    DecisionKind.ROLE_APPOINTED,
                    communicator,
                    account.approved_at,
                    "Utsedd att skriva för kontot som företrädare för Haparanda stad.",
                    person=person.username,
                    role=role,
                )
    if status == AccountStatus.CLOSED:
        _decide(
            account,
            DecisionKind.CLOSING_STARTED,
            account.created_by,
            account.closed_at - timedelta(hours=1),
            "Sommarlovet är slut; kontot avslutas.",
        )
        _decide(account, DecisionKind.CLOSED, account.created_by, account.closed_at)


__all__ = ["DEMO_PASSWORD", "DEMO_TOTP_KEY", "DEMO_USERS", "date", "seed_registry"]
