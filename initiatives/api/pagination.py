"""Page-number pagination for lists, a cursor for the activity log."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.core.paginator import Page, Paginator
from rest_framework.pagination import CursorPagination, PageNumberPagination
from rest_framework.request import Request

Loader = Callable[[Any], Iterable[Any]]


class LoadingPaginator(Paginator):
    """Hands the page's slice of the queryset to ``load`` (e.g. ``list_initiatives``, which
    annotates and batches the rows) instead of evaluating it as is."""

    def __init__(self, object_list: Any, per_page: int, load: Loader = list, **kwargs: Any):
        super().__init__(object_list, per_page, **kwargs)
        self.load = load

    def page(self, number: Any) -> Page:
        page = super().page(number)  # its object_list: the slice, not evaluated yet
        page.object_list = list(self.load(page.object_list))
        return page


def bounded(parameters: list[dict[str, Any]], max_page_size: int) -> list[dict[str, Any]]:
    """The page parameters as the paginators read them: a page number from 1, a page size from
    1 to ``max_page_size`` (the schema says so, and the API refuses anything else with 400
    rather than fall back on the default as DRF does)."""
    limits = {"page": {"minimum": 1}, "page_size": {"minimum": 1, "maximum": max_page_size}}
    return [{**p, "schema": {**p["schema"], **limits.get(p["name"], {})}} for p in parameters]


def every_key_required(schema: dict[str, Any]) -> dict[str, Any]:
    """DRF's page schema, with ``next`` and ``previous`` required: they are always sent (null
    at either end)."""
    return {**schema, "required": sorted(schema["properties"])}


class PageNumber(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def paginate_queryset(
        self, queryset: Any, request: Request, view: Any = None, load: Loader = list
    ) -> list[Any] | None:
        self._load = load
        return super().paginate_queryset(queryset, request, view)

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        return every_key_required(super().get_paginated_response_schema(schema))

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        return bounded(super().get_schema_operation_parameters(view), self.max_page_size)

    def django_paginator_class(self, object_list: Any, per_page: int) -> Paginator:  # type: ignore[override]
        return LoadingPaginator(object_list, per_page, load=getattr(self, "_load", list))


class ActivityCursor(CursorPagination):
    """Newest first; stable while new events arrive (a cursor, not a page number)."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = ("-created_at", "-id")

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        return every_key_required(super().get_paginated_response_schema(schema))

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        return bounded(super().get_schema_operation_parameters(view), self.max_page_size)
