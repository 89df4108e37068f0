"""Page-number pagination for lists, a cursor for the activity log."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.core.paginator import Paginator
from rest_framework.pagination import CursorPagination, PageNumberPagination
from rest_framework.request import Request

Loader = Callable[[Any], Iterable[Any]]


class LoadingPaginator(Paginator):
    """Hands the page's slice of the queryset to ``load`` (e.g. ``list_initiatives``, which
    annotates and batches the rows) instead of evaluating it as is."""

    def __init__(self, object_list: Any, per_page: int, load: Loader = list, **kwargs: Any):
        super().__init__(object_list, per_page, **kwargs)
        self.load = load

    def _get_page(self, object_list: Any, number: int, paginator: Paginator) -> Any:
        return super()._get_page(list(self.load(object_list)), number, paginator)


class PageNumber(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def paginate_queryset(
        self, queryset: Any, request: Request, view: Any = None, load: Loader = list
    ) -> list[Any] | None:
        self._load = load
        return super().paginate_queryset(queryset, request, view)

    def django_paginator_class(self, object_list: Any, per_page: int) -> Paginator:  # type: ignore[override]
        return LoadingPaginator(object_list, per_page, load=getattr(self, "_load", list))


class ActivityCursor(CursorPagination):
    """Newest first; stable while new events arrive (a cursor, not a page number)."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = ("-created_at", "-id")
