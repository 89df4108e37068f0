"""What the API views share: object lookups scoped to the caller's teams (404 for everyone
else), ETags and ``If-Match``."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable
from typing import Any, Protocol

from django.conf import settings
from django.contrib.auth.models import User
from django.core.cache import cache
from django.db.models import F, QuerySet
from rest_framework.generics import GenericAPIView
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from initiatives.api.errors import flatten_errors
from initiatives.api.pagination import PageNumber
from initiatives.api.validation import SchemaValidated
from initiatives.models import Initiative, Membership
from initiatives.models.initiative import InitiativeQuerySet
from initiatives.rules.exceptions import NotFound, ValidationFailed
from initiatives.rules.permissions import prime_roles
from initiatives.selectors.initiatives import visible_initiatives
from initiatives.selectors.versions import half_hour, read_key, user_team_versions

ETAG_RE = re.compile(r'\s*(?:W/)?"?([0-9]{1,9})"?\s*')


class Versioned(Protocol):
    """A row the API edits: it has a ``version`` column (``If-Match``, ``ETag``)."""

    version: int


def etag(obj: Versioned) -> str:
    return f'"{obj.version}"'


def expected_version(request: Request) -> int | None:
    """The version ``If-Match`` names; None without the header (or with ``*``). An ETag this
    API never issued names version 0, which never matches: the write answers 412."""
    header = request.headers.get("If-Match")
    if header is None or header.strip() == "*":
        return None
    match = ETAG_RE.fullmatch(header.split(",")[0])
    return int(match.group(1)) if match else 0


class RenderedResponse(Response):
    """A 200 answer whose JSON is already rendered (the read cache keeps the bytes, so a hit
    neither unpickles nor renders a structure). ``data`` is parsed back only when asked for."""

    def __init__(self, content: bytes, etag: str | None) -> None:
        self._rendered = content
        super().__init__(None)
        if etag:
            self["ETag"] = etag

    @property
    def data(self) -> Any:
        return json.loads(self._rendered)

    @data.setter
    def data(self, value: Any) -> None:  # Response.__init__ sets it (to None)
        pass

    @property
    def rendered_content(self) -> bytes:  # type: ignore[override]  # DRF renders bytes too
        self["Content-Type"] = JSON_TYPE
        return self._rendered


JSON_TYPE = JSONRenderer.media_type


def cached_read(method: Callable[..., Response]) -> Callable[..., Response]:
    """A GET handler answered from the cache while nothing the caller can see has changed.

    Authentication, permissions and throttling have run before the handler. The key has the
    caller, the versions of all their teams (one query; a write in any of them, or joining or
    leaving one, gives a new key), the half hour (stale flags), and the host and full path
    with its query string. Only 200 answers are kept, rendered, with their ETag; errors are
    never. (The API renders JSON only: ``DEFAULT_RENDERER_CLASSES``.)"""

    @functools.wraps(method)
    def handler(self: Any, request: Request, *args: Any, **kwargs: Any) -> Response:
        key = read_key(
            "api",
            request.user.pk,
            user_team_versions(request.user),
            half_hour(),
            request.get_host(),
            request.get_full_path(),
        )
        hit = cache.get(key)
        if hit is not None:
            return RenderedResponse(*hit)
        response = method(self, request, *args, **kwargs)
        if response.status_code != 200:
            return response
        rendered = (JSONRenderer().render(response.data), response.get("ETag"))
        cache.set(key, rendered, settings.READ_CACHE_SECONDS)
        return RenderedResponse(*rendered)

    return handler


def with_etag(response: Response, obj: Versioned) -> Response:
    response["ETag"] = etag(obj)
    return response


# What a serializer refuses in valid input (the schema cannot list who or what exists): the
# error code of the field becomes the answer's code (see ``serializers.common``).
REFERENCE_CODES = frozenset({"not_contributor", "unknown_milestone"})


def error_codes(detail: Any) -> list[str]:
    """The codes of every error in DRF's nested error structure, in order."""
    if isinstance(detail, dict):
        return [code for value in detail.values() for code in error_codes(value)]
    if isinstance(detail, list):
        return [code for value in detail for code in error_codes(value)]
    return [getattr(detail, "code", "invalid")]


class ApiView(SchemaValidated, GenericAPIView):
    """Base of the v1 views: every request is checked against the operation's schema before
    the handler runs (``api.validation``); lookups raise the domain's NotFound (404)."""

    # Only for the schema generator; every view builds its own queryset from the caller.
    queryset: QuerySet[Any] = Initiative.objects.none()

    def schema_only(self) -> bool:
        return getattr(self, "swagger_fake_view", False)

    @property
    def caller(self) -> User:
        """The authenticated caller (every v1 view requires authentication)."""
        user = self.request.user
        assert isinstance(user, User), "IsAuthenticated has run"
        return user

    def page_number(self) -> PageNumber:
        """The view's paginator, which loads a page through a selector (``load=``)."""
        paginator = self.paginator
        assert isinstance(paginator, PageNumber)
        return paginator

    def visible_initiatives(self) -> InitiativeQuerySet:
        return visible_initiatives(self.caller)

    def prime_role(self, team_id: int, role: str) -> None:
        """Record the caller's role read with the lookup, so that the service's permission
        check costs no query of its own."""
        user = self.caller
        prime_roles(user, team_id, [Membership(user_id=user.pk, team_id=team_id, role=role)])

    def get_initiative(self, key: str) -> Initiative:
        initiative = (
            self.visible_initiatives()
            .by_key(key)
            .select_related("team")
            # The membership row the visibility filter joined: the caller's role.
            .annotate(caller_role=F("team__memberships__role"))
            .order_by()
            .first()
        )
        if initiative is None:
            raise NotFound(f"No initiative {key}.")
        self.prime_role(initiative.team_id, initiative.caller_role)
        return initiative

    def get_visible(self, queryset: QuerySet[Any], pk: int, what: str = "object") -> Any:
        """A row of ``queryset`` (which has an ``initiative``) in one of the caller's teams."""
        obj = (
            queryset.filter(pk=pk, initiative__team__memberships__user=self.caller)
            .select_related("initiative__team")
            .annotate(caller_role=F("initiative__team__memberships__role"))
            .order_by()
            .first()
        )
        if obj is None:
            raise NotFound(f"No {what} {pk}.")
        self.prime_role(obj.initiative.team_id, obj.caller_role)
        return obj

    def validated(self, serializer_class: type, data: Any = None, **kwargs: Any) -> dict[str, Any]:
        """The request body checked by ``serializer_class``; unknown fields are refused. A
        body the schema allows is refused here only for naming someone or something that is
        not there: its own code (``REFERENCE_CODES``; the first field's if several), never
        ``invalid``."""
        data = self.request.data if data is None else data
        serializer = serializer_class(data=data, context=self.get_serializer_context(), **kwargs)
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(serializer.fields))
            if unknown:
                raise ValidationFailed(
                    "Unknown fields.", fields={name: ["Unknown field."] for name in unknown}
                )
        if not serializer.is_valid():
            codes = error_codes(serializer.errors)
            code = codes[0] if set(codes) <= REFERENCE_CODES else None
            raise ValidationFailed(fields=flatten_errors(serializer.errors), code=code)
        return dict(serializer.validated_data)
