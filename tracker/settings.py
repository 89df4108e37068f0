"""Shipshape settings: one module, every deployment difference comes from the environment.

Defaults are for a laptop (SQLite and an on-disk Celery broker under ``var/``, emails written
to files). Production sets ``DEBUG=0``, ``SECRET_KEY``, ``ALLOWED_HOSTS``, ``DATABASE_URL``,
``CELERY_BROKER_URL`` and the ``EMAIL_*`` variables; see README.md.
"""

import datetime as dt
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("SHIPSHAPE_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return default if value is None or value == "" else int(value)


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


# Off unless asked for: a forgotten variable must never serve debug pages signed with the
# development key. ``make run`` and the test suite (tests/settings.py) set DEBUG=1.
DEBUG = env_bool("DEBUG", False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        # A random default would give every process a different key: sessions, signed
        # unsubscribe links and CSRF tokens would break between workers.
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is off (DEBUG is off unless set; for "
            "development set DEBUG=1, as `make run` does)."
        )
    SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    # htmx itself, served as a static file (static/htmx/htmx.min.js) from its PyPI package.
    "js_lib_htmx",
    "initiatives",
    "initiatives.api",
    "initiatives.outbox",
    "initiatives.chat",
    "initiatives.intake",
    "initiatives.collab",
    "initiatives.notifications",
    "initiatives.goals",
    "initiatives.policies",
    "axes",
]

MIDDLEWARE = [
    # First: the request id and metrics wrap everything below, error pages included.
    "tracker.observability.RequestContextMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before anything reads the request: a NUL byte anywhere in it answers 400.
    "tracker.request_checks.RejectNulMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Pages show times in the viewer's time zone (not under /api/: UTC with offsets there).
    "initiatives.web.timezones.UserTimeZoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # A lost database answers 503 (JSON under /api/), not a 500 traceback.
    "tracker.observability.DatabaseUnavailableMiddleware",
    # Last, as django-axes requires: turns a locked-out login into its 429 page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "tracker.urls"
WSGI_APPLICATION = "tracker.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "initiatives.web.context_processors.shipshape",
            ],
            # The web package's template tags (it is not an app of its own).
            "libraries": {
                "board": "initiatives.web.templatetags.board",
                "dates": "initiatives.web.templatetags.dates",
                "shipshape": "initiatives.web.templatetags.shipshape",
                "collab": "initiatives.web.templatetags.collab",
                "notifications": "initiatives.web.templatetags.notifications",
                "inplace": "initiatives.web.templatetags.inplace",
                "policies": "initiatives.web.templatetags.policies",
            },
        },
    },
]

# --- Database -------------------------------------------------------------------------------
VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("CONN_MAX_AGE", 0 if DEBUG else 60),
        # Checked only after DB_HEALTH_CHECK_IDLE_SECONDS of idleness (tracker/connections.py).
        conn_health_checks=True,
    )
}
DB_HEALTH_CHECK_IDLE_SECONDS = env_int("DB_HEALTH_CHECK_IDLE_SECONDS", 5)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Concurrent readers with the web server, worker and beat side by side.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )
elif env_bool("DB_SERVER_SIDE_BINDING", True):
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"server_side_binding": True, "prepare_threshold": env_int("DB_PREPARE_THRESHOLD", 2)}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Failed-login throttling (django-axes) runs first; then the ordinary model backend.
AUTHENTICATION_BACKENDS = [
    "tracker.security.LoginThrottleBackend",
    # ModelBackend that loads the signed-in user with their unread notification count (the
    # header's bell) in the same query; sessions made by ModelBackend still work.
    "initiatives.notifications.auth.UnreadCountBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# The image collects them outside var/ (which may be a tmpfs there): STATIC_ROOT.
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT") or VAR_DIR / "static")
STATICFILES_DIRS = [BASE_DIR / "static"] if (BASE_DIR / "static").is_dir() else []
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# --- Single sign-on (OpenID Connect; initiatives/sso, README "Single sign-on") ----------------
# On when OIDC_DISCOVERY_URL is set: the provider's endpoints and keys come from its discovery
# document. The backend only acts on the sign-in callback, so it is listed whatever the setting.
AUTHENTICATION_BACKENDS.append("initiatives.sso.backend.SSOBackend")
OIDC_DISCOVERY_URL = os.environ.get("OIDC_DISCOVERY_URL", "")
OIDC_PROVIDER_NAME = os.environ.get("OIDC_PROVIDER_NAME", "")
OIDC_RP_CLIENT_ID = os.environ.get("OIDC_CLIENT_ID", "")
OIDC_RP_CLIENT_SECRET = os.environ.get("OIDC_CLIENT_SECRET", "")
OIDC_RP_SCOPES = os.environ.get("OIDC_SCOPES", "openid email profile")
OIDC_RP_SIGN_ALGO = os.environ.get("OIDC_SIGN_ALGO", "RS256")
OIDC_USERNAME_CLAIM = os.environ.get("OIDC_USERNAME_CLAIM", "preferred_username")
OIDC_GROUPS_CLAIM = os.environ.get("OIDC_GROUPS_CLAIM", "")
OIDC_GROUP_ROLES = os.environ.get("OIDC_GROUP_ROLES", "")
OIDC_CREATE_USER = env_bool("OIDC_CREATE_USER", True)
OIDC_USE_PKCE = True
OIDC_STORE_ID_TOKEN = True  # for the provider's end-session endpoint at sign-out
OIDC_TIMEOUT = env_int("OIDC_TIMEOUT", 10)
OIDC_AUTHENTICATION_CALLBACK_URL = "sso-callback"
# The username and password form; with single sign-on it may be hidden (and refused).
PASSWORD_LOGIN = env_bool("PASSWORD_LOGIN", True)

# --- Email ----------------------------------------------------------------------------------
# SMTP when EMAIL_HOST is set; otherwise every message is written as an .eml file under
# var/mail/ (initiatives.weekly.mail.EmlFileBackend), which any mail client opens.
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if os.environ.get("EMAIL_HOST")
    else "initiatives.weekly.mail.EmlFileBackend",
)
EMAIL_FILE_PATH = Path(os.environ.get("EMAIL_FILE_PATH", VAR_DIR / "mail"))
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Shipshape <shipshape@localhost>")
# The weekly emails: attempts per recipient before giving up, and the retry backoff
# (doubling from the base, in seconds, capped).
WEEKLY_EMAIL_MAX_ATTEMPTS = env_int("WEEKLY_EMAIL_MAX_ATTEMPTS", 5)
WEEKLY_EMAIL_RETRY_BASE = env_int("WEEKLY_EMAIL_RETRY_BASE", 60)
WEEKLY_EMAIL_RETRY_MAX = env_int("WEEKLY_EMAIL_RETRY_MAX", 3600)

# --- Celery ---------------------------------------------------------------------------------
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = VAR_DIR / "celery" / "broker"
    _broker_dir.mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir),
        "data_folder_out": str(_broker_dir),
        "store_processed": False,
        # Exchange bindings (broadcasts, pidbox) go under var/ too, not the working directory.
        "control_folder": str(VAR_DIR / "celery" / "control"),
    }
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celery" / "beat-schedule")
# Beat runs one tick every few minutes; the tick works out, per team and in the team's time
# zone, which reminders and digests are due (initiatives.weekly.schedule) and enqueues each once.
CELERY_BEAT_SCHEDULE: dict = {
    "weekly-cycle-tick": {
        "task": "initiatives.tick",
        "schedule": float(env_int("WEEKLY_TICK_SECONDS", 300)),
        # A tick that waited longer than the interval is superseded by the next one.
        "options": {"expires": float(env_int("WEEKLY_TICK_SECONDS", 300))},
    },
}
if CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    # With acks late, Redis re-delivers a task not acknowledged within this time: keep it
    # above the longest countdown (the email retry cap) so a waiting retry is not doubled.
    # A task a lost worker had taken is handed out again by the next "restore" sweep of a
    # live worker after the visibility timeout. kombu sweeps every 10 s but scans Redis only
    # on every 10th sweep (and once at start, when a message of a worker killed just before
    # is not yet visible): up to ~100 s more. Scanning on every sweep (one ZRANGE) makes the
    # bound CELERY_VISIBILITY_TIMEOUT + CELERY_RESTORE_SECONDS (README "How it runs").
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 2 * 3600),
        "unacked_restore_interval": env_int("CELERY_RESTORE_SECONDS", 10),
        "unacked_restore_throttle": 1,
    }

# --- REST API -------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # First: unauthenticated requests get 401 with a "Bearer" challenge.
        "initiatives.api.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "initiatives.api.schema.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["initiatives.api.params.StrictJSONParser"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "initiatives.api.pagination.PageNumber",
    "PAGE_SIZE": 50,
    "DEFAULT_THROTTLE_CLASSES": ["initiatives.api.throttling.TokenRateThrottle"],
    # Per user (all its tokens and sessions together), anonymous callers per address.
    "DEFAULT_THROTTLE_RATES": {"api": os.environ.get("API_THROTTLE_RATE", "1200/min")},
    # DRF's own address lookup (anything that still uses it) believes X-Forwarded-For only as
    # far as the trusted proxies go; ours is tracker.security.client_address.
    "NUM_PROXIES": env_int("TRUSTED_PROXY_COUNT", 0),
    "EXCEPTION_HANDLER": "initiatives.api.errors.exception_handler",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Shipshape API",
    "DESCRIPTION": "Initiatives, their Definition of Ready / Done gates, milestones, tasks, "
    "weekly status updates and the audit log. Authenticate with `Authorization: Bearer "
    "<personal access token>`. Errors are `{code, detail, fields}` with a stable `code`.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema and the docs are for signed-in people and tokens only, like every endpoint
    # (README "Security"); the schema is built once per process (api/schema.py).
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "InitiativeStateEnum": "initiatives.models.State",
        "MilestoneStateEnum": "initiatives.models.MilestoneState",
        "TaskStateEnum": "initiatives.models.TaskState",
        "ItemStatusEnum": "initiatives.models.ItemStatus",
        "HealthEnum": "initiatives.models.Health",
        "SecurityRiskEnum": "initiatives.models.SecurityRisk",
        "WeekdayEnum": "initiatives.models.Weekday",
        "DeliveryStatusEnum": "initiatives.webhooks.models.DeliveryStatus",
        "DateChangeKindEnum": "initiatives.rules.dates.DATE_CHANGE_KINDS",
        "ChecklistKindEnum": "initiatives.models.ChecklistKind",
        "ChatKindEnum": "initiatives.chat.models.ChatKind",
        "ChatMessageKindEnum": "initiatives.chat.models.MessageKind",
        "RequestStateEnum": "initiatives.intake.models.RequestState",
        "RequestCategoryEnum": "initiatives.intake.models.Category",
        "RequestImpactEnum": "initiatives.intake.models.Impact",
        "TriageActionEnum": "initiatives.intake.rules.ACTION_NAMES",
        "AcceptIntoEnum": "initiatives.intake.rules.ACCEPT_INTO",
        "AlertOutcomeEnum": "initiatives.intake.rules.ALERT_OUTCOMES",
        "NotificationChannelEnum": "initiatives.notifications.models.Channel",
        "NotificationKindEnum": "initiatives.notifications.models.Kind",
        "CommentTargetEnum": "initiatives.collab.models.TargetKind",
        "SignoffRequestStatusEnum": "initiatives.collab.models.RequestStatus",
        "SearchKindEnum": "initiatives.search.selectors.KIND_CHOICES",
        "GoalStatusEnum": "initiatives.goals.models.GoalStatus",
        "GoalPeriodEnum": "initiatives.goals.models.Period",
        "KeyResultKindEnum": "initiatives.goals.models.KRKind",
        "KeyResultDirectionEnum": "initiatives.goals.models.Direction",
        "GateEnum": "initiatives.api.serializers.common.GATES",
        "BlockedGateEnum": "initiatives.api.serializers.common.BLOCKED_GATES",
        "PolicyEnum": "initiatives.api.serializers.common.POLICIES",
    },
    # Ids in API paths (``initiatives.api.urls.IdConverter``).
    "PATH_CONVERTER_OVERRIDES": {
        "id": {"type": "integer", "minimum": 0, "maximum": 999999999999999999}
    },
}

# One JSON object per line on stderr (LOG_FORMAT=json, the default when DEBUG is off), each
# with the request id of the HTTP request or Celery task it belongs to.
LOG_FORMAT = os.environ.get("LOG_FORMAT", "text" if DEBUG else "json")
LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "tracker.observability.RequestIdFilter"},
        "scrub_secrets": {"()": "tracker.observability.ScrubSecretsFilter"},
    },
    "formatters": {
        "json": {"()": "tracker.observability.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id", "scrub_secrets"],
            "formatter": "json" if LOG_FORMAT == "json" else "text",
            # Also on the handler: Django's own loggers (django.request's 4xx warnings) have
            # their own level and reach this handler by propagation, past the root's level.
            "level": LOG_LEVEL,
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {"django.db.backends": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}

# --- Deployment security ----------------------------------------------------------------------
# On by default when DEBUG is off; each can be turned off by its variable (the benchmark serves
# plain http on 127.0.0.1 with SECURE_SSL_REDIRECT=0 and the cookie flags at 0).
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
# Behind a TLS-terminating proxy that sets X-Forwarded-Proto (and strips it from clients).
if env_bool("SECURE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SESSION_COOKIE_HTTPONLY = True
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content Security Policy (django-csp): same-origin scripts and styles only. Inline style
# *attributes* (progress bars) are allowed, inline <script>/<style> elements are not; the API
# docs page serves its script as a file and allows its one <style> block by hash
# (initiatives.api.docs). CSP_REPORT_ONLY=1 sends the same policy as report-only instead.
CSP_REPORT_ONLY = env_bool("CSP_REPORT_ONLY", False)
_CSP = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
CONTENT_SECURITY_POLICY = None if CSP_REPORT_ONLY else _CSP
CONTENT_SECURITY_POLICY_REPORT_ONLY = _CSP if CSP_REPORT_ONLY else None

# Failed-login throttling (django-axes): after AXES_FAILURE_LIMIT failures for a username from
# one address, that pair is locked out (429) for AXES_COOLOFF_MINUTES.
AXES_ENABLED = env_bool("AXES_ENABLED", True)
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# The address is the one every budget uses (REMOTE_ADDR unless TRUSTED_PROXY_COUNT says so).
AXES_CLIENT_IP_CALLABLE = "tracker.security.client_address"
# Attempts refused by the per-username slow-down below never reached the password check.
AXES_WHITELIST_CALLABLE = "tracker.security.slowed_attempt_is_not_a_failure"
# Guessing one username from many addresses: after this many failures for it (any address)
# within the cool-off time, it is tried at most once every LOGIN_SLOWDOWN_SECONDS.
LOGIN_USERNAME_FAILURE_LIMIT = env_int("LOGIN_USERNAME_FAILURE_LIMIT", 20)
LOGIN_SLOWDOWN_SECONDS = env_int("LOGIN_SLOWDOWN_SECONDS", 5)
# Client addresses come from REMOTE_ADDR; behind N proxies that each append to
# X-Forwarded-For (a load balancer, nginx), set TRUSTED_PROXY_COUNT=N (tracker.security).
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
# Personal access tokens: active (not revoked, not expired) tokens a user may hold at once.
API_MAX_TOKENS_PER_USER = env_int("API_MAX_TOKENS_PER_USER", 20)
# A verified personal access token is remembered by each process for this long (README
# "Security"): a token revoked, or a user deactivated, in another process is refused by this
# one at the latest this many seconds later (at once in the process that revoked it). 0: off.
API_TOKEN_CACHE_SECONDS = env_int("API_TOKEN_CACHE_SECONDS", 10)
# Password reset requests: per client address and per account, per hour.
PASSWORD_RESET_RATE_PER_ADDRESS = env_int("PASSWORD_RESET_RATE_PER_ADDRESS", 10)
PASSWORD_RESET_RATE_PER_ACCOUNT = env_int("PASSWORD_RESET_RATE_PER_ACCOUNT", 3)
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = env_bool("AXES_VERBOSE", False)  # lockouts are logged either way

# Beat also drains the transactional outbox (initiatives.outbox) and re-queues webhook
# deliveries whose task was lost.
CELERY_BEAT_SCHEDULE["outbox-drain"] = {
    "task": "shipshape_outbox.drain",
    "schedule": float(env_int("OUTBOX_DRAIN_SECONDS", 60)),
    "options": {"expires": float(env_int("OUTBOX_DRAIN_SECONDS", 60))},
}
CELERY_BEAT_SCHEDULE["webhook-sweep"] = {
    "task": "initiatives.api.tasks.webhook_sweep",
    "schedule": 300.0,
    "options": {"expires": 300.0},
}
# Notifications: build the batched emails that are due (at most one per person per
# NOTIFICATION_EMAIL_MINUTES), and record sign-off requests that passed their due date.
NOTIFICATION_EMAIL_MINUTES = env_int("NOTIFICATION_EMAIL_MINUTES", 15)
CELERY_BEAT_SCHEDULE["notification-emails"] = {
    "task": "shipshape_notifications.send_batches",
    "schedule": float(env_int("NOTIFICATION_BATCH_SECONDS", 60)),
    "options": {"expires": float(env_int("NOTIFICATION_BATCH_SECONDS", 60))},
}
CELERY_BEAT_SCHEDULE["signoff-overdue"] = {
    "task": "shipshape_collab.signoff_overdue",
    "schedule": 3600.0,
    "options": {"expires": 3600.0},
}

# --- Chat (initiatives.chat): Slack and Mattermost -------------------------------------------
# The Slack app's signing secret (slash commands and interactivity are verified with it) and
# its bot token (opening the update modal: views.open). The API base URL is a setting so that
# the tests talk to a fake Slack on 127.0.0.1.
SLACK_SIGNING_SECRET = os.environ.get("SLACK_SIGNING_SECRET", "")
SLACK_BOT_TOKEN = os.environ.get("SLACK_BOT_TOKEN", "")
SLACK_API_BASE_URL = os.environ.get("SLACK_API_BASE_URL", "https://slack.com/api/")
# The token(s) of the Mattermost slash command, comma-separated (one per command or server).
MATTERMOST_COMMAND_TOKENS = env_list("MATTERMOST_COMMAND_TOKENS")
# Encrypts the channels' webhook URLs at rest; defaults to SECRET_KEY.
CHAT_ENCRYPTION_KEY = os.environ.get("CHAT_ENCRYPTION_KEY", "")
CELERY_BEAT_SCHEDULE["chat-tick"] = {
    "task": "shipshape_chat.tick",
    "schedule": float(env_int("WEEKLY_TICK_SECONDS", 300)),
    "options": {"expires": float(env_int("WEEKLY_TICK_SECONDS", 300))},
}

# --- Operations -------------------------------------------------------------------------------
# /metrics answers these client addresses, or any client sending "Authorization: Bearer
# <METRICS_TOKEN>". REMOTE_ADDR is what is checked: put the metrics scraper on a private path.
METRICS_ALLOWED_IPS = env_list("METRICS_ALLOWED_IPS", "127.0.0.1,::1")
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")
# /readyz gives the broker this long to answer.
READYZ_BROKER_TIMEOUT = float(os.environ.get("READYZ_BROKER_TIMEOUT", "2"))

# The benchmark's ceiling endpoints (bench/views.py); never on in production.
BENCH_ENDPOINTS = env_bool("SHIPSHAPE_BENCH_ENDPOINTS", False)

# --- Cache ------------------------------------------------------------------------------------
# CACHE_URL (e.g. redis://127.0.0.1:6379/2) gives every process one shared cache: API throttle
# budgets then hold across workers, and sessions are read from it instead of the database.
# Without it each process has its own memory cache and sessions stay in the database only
# (a per-process session cache would keep a logged-out session alive in other workers).
# Rendered pages and API reads are cached under their team's data version (selectors.versions)
# for at most this long; 0 turns that off.
READ_CACHE_SECONDS = env_int("READ_CACHE_SECONDS", 600)
CACHE_URL = os.environ.get("CACHE_URL", "")
if CACHE_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": "shipshape",
        }
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
