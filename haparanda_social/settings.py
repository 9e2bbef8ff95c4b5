"""Settings for haparanda-social.

Every value is read from the environment through one ``environ.Env()``; production differs from
the embedded default by values only (see the configuration table in README.md). The embedded
default needs no servers: SQLite, Celery over kombu's filesystem transport, console e-mail.
"""

from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

import django.conf.locale
import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
# A local .env is a convenience for development; real deployments set the environment.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=False)
# The fallback key is deliberately marked insecure so that `check --deploy` flags it.
SECRET_KEY = env("DJANGO_SECRET_KEY", default="django-insecure-embedded-default-only")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
# Absolute base URL used in e-mails and in the embeddable list ("https://sociala.haparanda.se").
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "axes",
    "corsheaders",
    "csp",
    "django_htmx",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_otp_webauthn",
    "accounts",
    "moderation",
    "connectors",
    "archiving",
    "retention",
    "records",
    "signin",
]

MIDDLEWARE = [
    # First: a repeated public page or a person's kept page is given again from here, complete
    # with the headers the rest of the stack added (haparanda_social.front_cache).
    "haparanda_social.front_cache.FrontCacheMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "haparanda_social.middleware.PermissionsPolicyMiddleware",
    # Meta's signed webhook POSTs go straight to their view from here (connectors.middleware).
    "connectors.middleware.WebhookMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "haparanda_social.i18n.PublicLanguagesMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "signin.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # A person who must give a second factor and has not yet reaches no staff page (issue 12).
    "signin.middleware.TwoFactorMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, so that a locked-out login is answered before any view runs.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "haparanda_social.urls"
WSGI_APPLICATION = "haparanda_social.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "haparanda_social.context_processors.site",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------------
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(exist_ok=True)
    # The embedded default runs web and worker against one file: WAL lets readers and one
    # writer work side by side, IMMEDIATE transactions make a writer wait instead of failing.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # Tests use a file too, not shared memory: two connections then wait for each other's
    # locks exactly as the web and worker processes do (the concurrency tests rely on it).
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-db.sqlite3")}
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache --------------------------------------------------------------------------------------
# Holds the rendered public list, feeds and lookup (accounts.public_cache). Redis in production
# (redis://host:6379/1, through django-redis); the embedded default keeps copies in each
# process's memory, which stays correct because a copy is keyed by the registry version read
# from the database. A Redis that is down costs speed, not answers: the page is rendered afresh.
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}
if CACHES["default"]["BACKEND"].startswith("django_redis."):
    CACHES["default"].setdefault("OPTIONS", {})["IGNORE_EXCEPTIONS"] = True
# How long a web process trusts the registry version it read before reading it again: the
# longest a change made in another process (another web worker, the Celery worker) takes to
# show on the public pages. 0 reads it on every request.
PUBLIC_CACHE_VERSION_SECONDS = env.float("PUBLIC_CACHE_VERSION_SECONDS", default=1.0)
# The queue and the items' pages are kept rendered per person under the moderation version
# (moderation.page_cache); a copy is also never older than this, since ages, "overdue" and
# claims move with the clock. The version is counted in the cache, so the copies need a cache
# shared by the processes: off (0) unless the cache is Redis.
_SHARED_CACHE = CACHES["default"]["BACKEND"].startswith("django_redis.")
MODERATION_PAGE_CACHE_SECONDS = env.int(
    "MODERATION_PAGE_CACHE_SECONDS", default=30 if _SHARED_CACHE else 0
)
if not 0 <= MODERATION_PAGE_CACHE_SECONDS <= 300:
    raise ValueError("MODERATION_PAGE_CACHE_SECONDS must be 0–300.")
# The same for the registry dashboard and the archive overview (accounts.page_cache): "ending
# soon", "overdue" and "capture behind" move with the clock.
REGISTRY_PAGE_CACHE_SECONDS = env.int(
    "REGISTRY_PAGE_CACHE_SECONDS", default=30 if _SHARED_CACHE else 0
)
if not 0 <= REGISTRY_PAGE_CACHE_SECONDS <= 300:
    raise ValueError("REGISTRY_PAGE_CACHE_SECONDS must be 0–300.")
# The complete answers of those pages each web process keeps in front of the middleware
# (haparanda_social.front_cache): at most this many, and this many megabytes of bodies. 0 entries
# turns it off.
FRONT_CACHE_ENTRIES = env.int("FRONT_CACHE_ENTRIES", default=256)
FRONT_CACHE_MEGABYTES = env.int("FRONT_CACHE_MEGABYTES", default=64)
if FRONT_CACHE_ENTRIES < 0 or FRONT_CACHE_MEGABYTES < 0:
    raise ValueError("FRONT_CACHE_ENTRIES and FRONT_CACHE_MEGABYTES must be 0 or more.")

# --- Authentication -----------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "signin.oidc.MunicipalityOIDCBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "accounts:dashboard"
LOGOUT_REDIRECT_URL = "public:account_list"

# Lockout after repeated failed logins (django-axes): the pair of username and address is
# locked, so one attacker cannot lock a colleague out from elsewhere.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=1.0)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# The client address behind AXES_PROXY_COUNT reverse proxies is the entry the outermost trusted
# proxy appended to X-Forwarded-For (signin.client_address): whatever a client writes into the
# header itself is ignored, so a forged address can neither lock someone else out nor lift a
# lock. Without proxies only REMOTE_ADDR counts. (ipware's own proxy count expects each proxy to
# list itself in the header and answers None for nginx's usual one-hop header, which would put
# every client on one shared lock.)
TRUSTED_PROXY_COUNT = env.int("AXES_PROXY_COUNT", default=0)
AXES_CLIENT_IP_CALLABLE = "signin.client_address.client_address"
AXES_VERBOSE = False

# --- Single sign-on (OpenID Connect, e.g. Microsoft Entra ID) ----------------------------------
# Authorization code flow with PKCE (mozilla-django-oidc). Configured when OIDC_CLIENT_ID and
# either OIDC_ISSUER (endpoints read from its discovery document) or the endpoints are set.
OIDC_OP_ISSUER = env("OIDC_ISSUER", default="").rstrip("/")
OIDC_RP_CLIENT_ID = env("OIDC_CLIENT_ID", default="")
OIDC_RP_CLIENT_SECRET = env("OIDC_CLIENT_SECRET", default="")
OIDC_RP_SCOPES = env("OIDC_SCOPES", default="openid email profile")
OIDC_RP_SIGN_ALGO = env("OIDC_SIGN_ALGO", default="RS256")
OIDC_OP_AUTHORIZATION_ENDPOINT = env("OIDC_AUTHORIZATION_ENDPOINT", default="")
OIDC_OP_TOKEN_ENDPOINT = env("OIDC_TOKEN_ENDPOINT", default="")
OIDC_OP_USER_ENDPOINT = env("OIDC_USERINFO_ENDPOINT", default="")
OIDC_OP_JWKS_ENDPOINT = env("OIDC_JWKS_ENDPOINT", default="")
OIDC_OP_END_SESSION_ENDPOINT = env("OIDC_END_SESSION_ENDPOINT", default="")
# Ask the userinfo endpoint for further claims; off when the ID token carries them (Entra ID).
OIDC_USE_USERINFO = env.bool("OIDC_USE_USERINFO", default=True)
OIDC_EMPLOYEE_ID_CLAIM = env("OIDC_EMPLOYEE_ID_CLAIM", default="employee_id")
OIDC_DEPARTMENT_CLAIM = env("OIDC_DEPARTMENT_CLAIM", default="department")
# Which `amr` or `acr` values mean the provider checked two factors; recorded with each sign-in.
OIDC_TWO_FACTOR_AMR = env.list("OIDC_TWO_FACTOR_AMR", default=["mfa"])
OIDC_TWO_FACTOR_ACR = env.list("OIDC_TWO_FACTOR_ACR", default=[])
OIDC_ENABLED = bool(
    OIDC_RP_CLIENT_ID
    and (OIDC_OP_ISSUER or (OIDC_OP_AUTHORIZATION_ENDPOINT and OIDC_OP_TOKEN_ENDPOINT))
)
OIDC_ORIGINS = sorted(
    {
        f"{parts.scheme}://{parts.netloc}"
        for parts in map(urlsplit, (OIDC_OP_ISSUER, OIDC_OP_END_SESSION_ENDPOINT))
        if parts.netloc
    }
)
OIDC_USE_PKCE = True
OIDC_USE_NONCE = True
OIDC_STORE_ID_TOKEN = True
OIDC_TIMEOUT = env.int("OIDC_TIMEOUT", default=10)
OIDC_AUTHENTICATION_CALLBACK_URL = "oidc_callback"
OIDC_OP_LOGOUT_URL_METHOD = "signin.oidc.provider_logout_url"
# Local password sign-in: the embedded default and the demo. Production with single sign-on
# switches it off.
LOCAL_LOGIN_ENABLED = env.bool("LOCAL_LOGIN_ENABLED", default=True)

# --- Two factors (django-otp: one-time codes, recovery codes; django-otp-webauthn: passkeys) ----
# Required for the communicator and everyone holding an owner, deputy or administrator role; a
# person who has added a factor is asked for it whatever their role. A single sign-on session
# whose amr/acr say two factors (OIDC_TWO_FACTOR_AMR/ACR above) needs nothing more here.
TWO_FACTOR_REQUIRED = env.bool("TWO_FACTOR_REQUIRED", default=True)
OTP_TOTP_ISSUER = env("TWO_FACTOR_ISSUER", default="Haparanda sociala medier")
# One step (30 s) either side of the clock: a phone a little fast or slow is still accepted.
OTP_TOTP_TOLERANCE = 1
OTP_STATIC_THROTTLE_FACTOR = 1
# How many recovery codes a person gets at a time; each works once.
TWO_FACTOR_RECOVERY_CODES = 10
# Passkeys: the relying party is this site's host name unless WEBAUTHN_RP_ID pins it (then the
# origins are https://<id>); a passkey is a second factor after the password, never a sign-in
# on its own.
WEBAUTHN_RP_ID = env("WEBAUTHN_RP_ID", default="")
OTP_WEBAUTHN_RP_NAME = env("WEBAUTHN_RP_NAME", default="Haparanda stad – sociala medier")
OTP_WEBAUTHN_RP_ID_CALLABLE = "signin.passkeys.relying_party_id"
OTP_WEBAUTHN_HELPER_CLASS = "signin.passkeys.PasskeyHelper"
OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN = False
# Browsers offer passkeys only on https:// origins and http://localhost.
OTP_WEBAUTHN_ALLOWED_ORIGINS = env.list(
    "WEBAUTHN_ORIGINS",
    default=[SITE_URL if SITE_URL.startswith("https://") else "http://localhost:8000"],
)
# The demo (scripts/run.sh) shows each demo user's one-time code on the second-factor page.
# Never set in production.
DEMO_MODE = env.bool("DEMO_MODE", default=False)

# --- Internationalisation -----------------------------------------------------------------------
LANGUAGE_CODE = "sv"
LANGUAGES = [
    ("sv", _("Swedish")),
    ("en", _("English")),
    ("fi", _("Finnish")),
    ("fit", _("Meänkieli")),
]
# Finnish and Meänkieli are minority languages in Haparanda (lag 2009:724): the public pages are
# offered in them, the staff pages stay Swedish and English (haparanda_social/i18n.py).
PUBLIC_ONLY_LANGUAGES = ["fi", "fit"]
# A string not yet translated into the key is shown in the value, not in Swedish (i18n.py).
TRANSLATION_FALLBACKS = {"fit": "fi"}
# Meänkieli has no ISO 639-1 code; its ISO 639-3 code is registered like any other language, so
# that get_language_info("fit"), the URL prefix /fit/, lang and hreflang all work.
EXTRA_LANG_INFO = {
    "fit": {"bidi": False, "code": "fit", "name": "Meänkieli", "name_local": "meänkieli"},
}
django.conf.locale.LANG_INFO.update(EXTRA_LANG_INFO)
LOCALE_PATHS = [BASE_DIR / "locale"]
# Date formats for English and Meänkieli (haparanda_social/formats/__init__.py).
FORMAT_MODULE_PATH = ["haparanda_social.formats"]
TIME_ZONE = "Europe/Stockholm"
USE_I18N = True
USE_TZ = True

# --- Static and media files ---------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = Path(env("DJANGO_STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(env("DJANGO_MEDIA_ROOT", default=str(VAR_DIR / "media")))
MEDIA_URL = "media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Without collectstatic (tests, development) fall back to the unhashed names.
WHITENOISE_MANIFEST_STRICT = False

# --- E-mail -------------------------------------------------------------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Haparanda stad <no-reply@haparanda.se>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# The communicators' shared mailbox, copied on oversight and fixity reports.
COMMUNICATOR_EMAIL = env("COMMUNICATOR_EMAIL", default="kommunikation@haparanda.se")

# --- Celery -------------------------------------------------------------------------------------
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="filesystem://")
CELERY_BROKER_TRANSPORT_OPTIONS = {}
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = Path(env("CELERY_FILESYSTEM_DIR", default=str(VAR_DIR / "broker")))
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        # kombu's default is ./control, which would put broker state in the project root.
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE = {
    # Crontab times are in CELERY_TIMEZONE (Europe/Stockholm).
    "accounts-end-date-reminders": {
        "task": "accounts.tasks.send_end_date_reminders",
        "schedule": crontab(minute=30, hour=7),
    },
    "archiving-yearly-snapshots": {
        "task": "archiving.tasks.schedule_yearly_snapshots",
        "schedule": crontab(minute=0, hour=3, day_of_month=2, month_of_year=1),
    },
    "archiving-catch-up": {
        "task": "archiving.tasks.catch_up_snapshots",
        "schedule": crontab(minute=30, hour=4),
    },
    "archiving-fixity": {
        "task": "archiving.tasks.check_fixity",
        "schedule": crontab(minute=0, hour=5, day_of_week="sunday"),
    },
    # The monthly culling proposal; nothing is culled until the communicator approves it.
    "retention-monthly-proposal": {
        "task": "retention.tasks.prepare_proposal",
        "schedule": crontab(minute=0, hour=6, day_of_month=1),
    },
}

# --- Security -----------------------------------------------------------------------------------
# DJANGO_HTTPS=true behind TLS in production: redirect, secure cookies and HSTS.
HTTPS = env.bool("DJANGO_HTTPS", default=False)
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=31536000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = env.bool("DJANGO_HSTS_PRELOAD", default=False)
# Preloading commits the whole registrable domain (haparanda.se) to HTTPS in every browser for
# good: a decision for the municipality's IT, not for this app. See README, "Deployment checks".
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
if env.bool("DJANGO_BEHIND_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env.int("DJANGO_SESSION_AGE_SECONDS", default=8 * 3600)
# With a shared cache (Redis) a session is read from it rather than from the database on every
# request, and still written through to the database (signin reads the rows); ending a session
# deletes both. With the local-memory default another process could keep a session that was
# ended, so the sessions stay in the database only.
SESSION_ENGINE = (
    "django.contrib.sessions.backends.cached_db"
    if _SHARED_CACHE
    else "django.contrib.sessions.backends.db"
)
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# No inline script or style anywhere: the policy is strict in every mode, so tests see it too.
# Only the embeddable list relaxes frame-ancestors, for the origins in CSP_EMBED_ORIGINS.
CSP_EMBED_ORIGINS = env.list(
    "CSP_EMBED_ORIGINS", default=["https://www.haparanda.se", "https://haparanda.se"]
)
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        # Sign-out is a form whose answer redirects to the provider's end_session_endpoint, and
        # browsers hold redirects after a form to form-action too.
        "form-action": [SELF, *OIDC_ORIGINS],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    },
}

# Powerful browser features no page uses are turned off for every response, framed or not
# (haparanda_social.middleware). An empty list means "allowed for no origin".
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "browsing-topics",
        "camera",
        "display-capture",
        "encrypted-media",
        "fullscreen",
        "geolocation",
        "gyroscope",
        "hid",
        "idle-detection",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "picture-in-picture",
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
}
# Passkeys (WebAuthn) are created and used on this site's own pages.
PERMISSIONS_POLICY["publickey-credentials-get"] = ["self"]
PERMISSIONS_POLICY["publickey-credentials-create"] = ["self"]

# The public machine-readable list may be read by any origin, and only read.
CORS_URLS_REGEX = r"^/((en|fi|fit)/)?(offentlig|public)/.*\.(json|csv)$"
CORS_ALLOW_ALL_ORIGINS = True
CORS_ALLOW_METHODS = ["GET", "OPTIONS"]
CORS_ALLOW_CREDENTIALS = False

# --- Domain -------------------------------------------------------------------------------------
MUNICIPALITY_NAME = env("MUNICIPALITY_NAME", default="Haparanda stad")
MUNICIPALITY_PHONE = env("MUNICIPALITY_PHONE", default="0922-260 00")
FAULT_REPORT_URL = env("FAULT_REPORT_URL", default="https://www.haparanda.se/felanmalan")

# The accessibility statement (tillgänglighetsredogörelse, lag 2018:1937): where to report
# inaccessible content, how soon we answer, when the site was last assessed, and where to
# complain to the supervisory authority (Myndigheten för digital förvaltning, DIGG).
ACCESSIBILITY_CONTACT_EMAIL = env("ACCESSIBILITY_CONTACT_EMAIL", default=COMMUNICATOR_EMAIL)
ACCESSIBILITY_CONTACT_PHONE = env("ACCESSIBILITY_CONTACT_PHONE", default=MUNICIPALITY_PHONE)
ACCESSIBILITY_RESPONSE_DAYS = env.int("ACCESSIBILITY_RESPONSE_DAYS", default=5)
ACCESSIBILITY_ASSESSED_ON = date.fromisoformat(
    env("ACCESSIBILITY_ASSESSED_ON", default="2026-11-29")
)
ACCESSIBILITY_COMPLAINT_URL = env(
    "ACCESSIBILITY_COMPLAINT_URL", default="https://www.digg.se/tdosanmalan"
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}

# --- Moderation ---------------------------------------------------------------------------------
# The hour (Europe/Stockholm) when owners, deputies and the communicator are e-mailed about
# active accounts not yet checked that working day (R17). The task skips weekends and holidays.
OVERSIGHT_HOUR = env.int("OVERSIGHT_HOUR", default=14)
if not 0 <= OVERSIGHT_HOUR <= 23:
    raise ValueError("OVERSIGHT_HOUR must be an hour, 0–23.")

CELERY_BEAT_SCHEDULE["moderation-oversight"] = {
    "task": "moderation.tasks.send_oversight_reminders",
    "schedule": crontab(minute=0, hour=OVERSIGHT_HOUR),
}

# --- Archiving ----------------------------------------------------------------------------------
# A build or a pending request older than this is taken to be lost (worker died, message lost)
# and may be claimed again by the daily catch-up.
ARCHIVING_STALE_MINUTES = env.int("ARCHIVING_STALE_MINUTES", default=120)
# Validate the package's own XML against its schema while building (streaming, cheap).
ARCHIVING_VALIDATE_XML = env.bool("ARCHIVING_VALIDATE_XML", default=True)
# Where builds write their temporary ZIP and working folder; empty means MEDIA_ROOT/archive-work,
# a folder of this installation's own. What a killed build leaves there is removed by the next
# attempt and the catch-up.
ARCHIVING_WORK_DIR = env("ARCHIVING_WORK_DIR", default="")
# The archive creator's organisationsnummer, written into every package's METS header and PREMIS
# agents (FGS Paketstruktur 2.0 / E-ARK SIP: the submitting organisation's identification code).
ARCHIVE_ORGANISATION_NUMBER = env("ARCHIVE_ORGANISATION_NUMBER", default="212000-2841")
# Closing an account takes a closure snapshot; the account is closed when it is complete.
ACCOUNTS_CLOSURE_HOOK = "archiving.services.closure_hook"

# --- Connectors ---------------------------------------------------------------------------------
# Facebook and Instagram webhooks: every POST is verified with the app secret (X-Hub-Signature-256)
# before anything is stored; the verify token answers Meta's subscription handshake.
META_APP_SECRET = env("META_APP_SECRET", default="")
META_VERIFY_TOKEN = env("META_VERIFY_TOKEN", default="")
META_GRAPH_VERSION = env("META_GRAPH_VERSION", default="v21.0")
META_GRAPH_URL = env("META_GRAPH_URL", default="https://graph.facebook.com")
# How often beat polls each connected Mastodon account for mentions.
MASTODON_POLL_SECONDS = env.int("MASTODON_POLL_SECONDS", default=120)
# Key for the access tokens stored in the database (Fernet); derived from SECRET_KEY when unset.
CONNECTOR_SECRET_KEY = env("CONNECTOR_SECRET_KEY", default="")
CONNECTOR_HTTP_TIMEOUT = env.float("CONNECTOR_HTTP_TIMEOUT", default=10.0)
# A raw event or outbound action that failed is retried by beat up to this many attempts; after
# that it waits for the communicator's retry button.
CONNECTOR_MAX_ATTEMPTS = env.int("CONNECTOR_MAX_ATTEMPTS", default=5)
CONNECTOR_RETRY_MINUTES = env.int("CONNECTOR_RETRY_MINUTES", default=10)
# Webhook events are processed by one drain task for every event stored until it begins,
# instead of one task each (connectors.services.raw_events_drain). Its flag lives in the cache,
# so the web and worker processes must share it: on by default only when the cache is Redis.
CONNECTOR_EVENT_DRAIN = env.bool("CONNECTOR_EVENT_DRAIN", default=_SHARED_CACHE)
CELERY_BEAT_SCHEDULE["moderation-mastodon-poll"] = {
    "task": "moderation.tasks.poll_mastodon_accounts",
    "schedule": float(MASTODON_POLL_SECONDS),
}
CELERY_BEAT_SCHEDULE["moderation-connector-retry"] = {
    "task": "moderation.tasks.retry_connector_failures",
    "schedule": float(CONNECTOR_RETRY_MINUTES * 60),
}
# Attachments: the worker downloads each one within these limits; a larger one is refused and
# recorded, a slower one fails and is retried by beat like the other connector failures. Media
# is fetched only from the platforms' hosts; CONNECTOR_MEDIA_HOSTS adds more (comma-separated).
MEDIA_MAX_BYTES = env.int("MEDIA_MAX_BYTES", default=100 * 1024 * 1024)
MEDIA_DOWNLOAD_SECONDS = env.int("MEDIA_DOWNLOAD_SECONDS", default=300)
CONNECTOR_MEDIA_HOSTS = env.list("CONNECTOR_MEDIA_HOSTS", default=[])
CELERY_BEAT_SCHEDULE["connectors-media-retry"] = {
    "task": "connectors.tasks.retry_attachment_downloads",
    "schedule": float(CONNECTOR_RETRY_MINUTES * 60),
}
# Mastodon backfill: older notification pages read per poll after the first connection; the
# backfill resumes where it stopped on the next poll until the server has none older.
MASTODON_BACKFILL_PAGES = env.int("MASTODON_BACKFILL_PAGES", default=5)
# Calls kept back in a platform's rate-limit window (X-RateLimit-Remaining) for replies: at or
# below this, polling waits for the window's reset.
CONNECTOR_RATE_LIMIT_RESERVE = env.int("CONNECTOR_RATE_LIMIT_RESERVE", default=10)
# Reconciliation: every RECONCILE_MINUTES each connected account's posts of the last
# RECONCILE_DAYS and the comments on them are listed through the platform's API, at most
# RECONCILE_MAX_PAGES listing pages per run, and what the notifications missed is recorded.
RECONCILE_MINUTES = env.int("RECONCILE_MINUTES", default=60)
RECONCILE_DAYS = env.int("RECONCILE_DAYS", default=7)
RECONCILE_MAX_PAGES = env.int("RECONCILE_MAX_PAGES", default=20)
CELERY_BEAT_SCHEDULE["connectors-reconcile"] = {
    "task": "connectors.tasks.reconcile_accounts",
    "schedule": float(RECONCILE_MINUTES * 60),
}

# The staff directory (issue 12): the HR system's CSV file, imported nightly from this path when
# it is set; the size cap for any import; and the sign-in claims that name a person's employee
# id and department.
STAFF_DIRECTORY_PATH = env("STAFF_DIRECTORY_PATH", default="")
STAFF_DIRECTORY_MAX_BYTES = env.int("STAFF_DIRECTORY_MAX_BYTES", default=10_000_000)
# The directory is brought in step with the same claims the sign-in reads.
STAFF_DIRECTORY_EMPLOYEE_ID_CLAIM = OIDC_EMPLOYEE_ID_CLAIM
STAFF_DIRECTORY_DEPARTMENT_CLAIM = OIDC_DEPARTMENT_CLAIM
CELERY_BEAT_SCHEDULE["accounts-staff-directory"] = {
    "task": "accounts.tasks.import_staff_directory",
    "schedule": crontab(minute=15, hour=2),
}

# --- Requests for public records ----------------------------------------------------------------
# Where the packages delivered to requesters are kept, one folder per request; empty means
# MEDIA_ROOT/records.
RECORDS_ROOT = env("RECORDS_ROOT", default="")
# The most search results one click adds to a request; a larger search is refused with a message.
RECORDS_ADD_ALL_LIMIT = env.int("RECORDS_ADD_ALL_LIMIT", default=500)
# Where a refusal to hand out records is appealed (Haparanda: Kammarrätten i Sundsvall).
RECORDS_APPEAL_COURT = env("RECORDS_APPEAL_COURT", default="Kammarrätten i Sundsvall")
