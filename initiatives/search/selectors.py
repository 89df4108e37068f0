"""The global search's one read: what the viewer may see (the initiatives of their teams, as
everywhere), matched by word prefixes, grouped by kind, at most ``PER_KIND`` of each.

PostgreSQL: full-text search (``simple`` configuration: no stemming, so a prefix is a prefix)
with a prefix tsquery (``preview:* & per:*``) ranked by ``ts_rank``, in the same query as its
fallback, a case-insensitive substring match of every word (ILIKE), ranked after every
full-text match: it catches words the parser splits differently (``e-mail``, ``v2.1``) and
parts of words. Other databases (SQLite in
development): every word must start a word of the text (a regular expression, ``(^|\\W)word``).

Budget: one query for the viewer's teams, then one per kind — five, whatever the data size.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import Q, QuerySet

from initiatives.models import (
    HEALTH_COLOUR,
    Initiative,
    Membership,
    Milestone,
    StatusUpdate,
    Task,
)
from initiatives.rules.text import markdown_to_text
from initiatives.search.query import Query, tsquery

PER_KIND = 10
SNIPPET_CHARS = 160
KINDS = ("initiative", "milestone", "task", "update")
KIND_LABELS = {
    "initiative": "Initiatives",
    "milestone": "Milestones",
    "task": "Tasks",
    "update": "Status updates",
}
KIND_CHOICES = [(kind, KIND_LABELS[kind]) for kind in KINDS]
# The searched text of each kind (the initiative's key is matched separately).
FIELDS: dict[str, tuple[str, ...]] = {
    "initiative": ("title", "summary"),
    "milestone": ("title", "scope"),
    "task": ("title",),
    "update": ("progress", "risks", "next_week"),
}


@dataclass(frozen=True)
class Hit:
    kind: str
    title: str
    initiative_key: str
    initiative_title: str
    # The element of the initiative page it is at ("" for the initiative itself).
    anchor: str
    detail: str
    snippet: str = ""
    # The chip's colour class (theme.css): the state's or the health's token.
    tone: str = ""


@dataclass
class Group:
    kind: str
    label: str
    hits: list[Hit] = field(default_factory=list)


@dataclass
class Results:
    query: Query
    groups: list[Group]

    @property
    def count(self) -> int:
        return sum(len(group.hits) for group in self.groups)


def _is_postgres() -> bool:
    return connection.vendor == "postgresql"


def _words_match(fields: tuple[str, ...], words: tuple[str, ...], *, prefix: bool) -> Q:
    """Every word in one of the fields: at the start of a word (``prefix``) or anywhere."""
    condition = Q()
    for word in words:
        any_field = Q()
        for name in fields:
            if prefix:
                # Words hold only letters and digits (search.query): nothing to escape.
                any_field |= Q(**{f"{name}__iregex": rf"(^|\W){word}"})
            else:
                any_field |= Q(**{f"{name}__icontains": word})
        condition &= any_field
    return condition


def _matching(queryset: QuerySet, kind: str, query: Query, extra: Q | None = None) -> list[Any]:
    fields = FIELDS[kind]
    if _is_postgres():
        vector = SearchVector(*fields, config="simple")
        tsq = SearchQuery(tsquery(query.words), search_type="raw", config="simple")
        # Full-text matches rank first; substring matches (the fallback) have rank ~0.
        matches = Q(document=tsq) | _words_match(fields, query.words, prefix=False)
        if extra is not None:
            matches |= extra
        found = queryset.annotate(document=vector, search_rank=SearchRank(vector, tsq)).filter(
            matches
        )
        return list(found.order_by("-search_rank", "-pk")[:PER_KIND])
    condition = _words_match(fields, query.words, prefix=True)
    if extra is not None:
        condition |= extra
    return list(queryset.filter(condition).order_by("-pk")[:PER_KIND])


def _snippet(*texts: str) -> str:
    """Plain text (Markdown rendered, tags dropped) of the first fields, cut at the limit."""
    text = " ".join(markdown_to_text(t, limit=SNIPPET_CHARS * 4) for t in texts if t)
    return text if len(text) <= SNIPPET_CHARS else text[: SNIPPET_CHARS - 1].rstrip() + "…"


def search(user: Any, query: Query) -> Results:
    """The viewer's results for ``query`` (already parsed), grouped by kind."""
    groups = [Group(kind, KIND_LABELS[kind]) for kind in KINDS]
    if not query:
        return Results(query, groups)
    team_ids = list(Membership.objects.filter(user=user).values_list("team_id", flat=True))
    if not team_ids:
        return Results(query, groups)
    by_kind = {group.kind: group.hits for group in groups}

    key = Q(team__key=query.key[0], number=query.key[1]) if query.key else None
    initiatives = Initiative.objects.filter(team_id__in=team_ids).select_related("team")
    for i in _matching(initiatives, "initiative", query, key):
        by_kind["initiative"].append(
            Hit(
                "initiative",
                i.title,
                i.key,
                i.title,
                "",
                i.get_state_display(),
                _snippet(i.summary),
                f"state-{i.state}",
            )
        )

    milestones = Milestone.objects.filter(initiative__team_id__in=team_ids).select_related(
        "initiative__team"
    )
    for m in _matching(milestones, "milestone", query):
        by_kind["milestone"].append(
            Hit(
                "milestone", m.title, m.initiative.key, m.initiative.title,
                f"milestone-{m.pk}", m.get_state_display(), _snippet(m.scope),
            )
        )  # fmt: skip

    tasks = Task.objects.filter(initiative__team_id__in=team_ids).select_related("initiative__team")
    for t in _matching(tasks, "task", query):
        by_kind["task"].append(
            Hit(
                "task", t.title, t.initiative.key, t.initiative.title,
                f"task-{t.pk}", t.get_state_display(),
            )
        )  # fmt: skip

    updates = StatusUpdate.objects.filter(initiative__team_id__in=team_ids).select_related(
        "initiative__team"
    )
    for u in _matching(updates, "update", query):
        by_kind["update"].append(
            Hit(
                "update", f"{u.week} update", u.initiative.key, u.initiative.title,
                f"update-{u.pk}", u.get_health_display(),
                _snippet(u.progress, u.risks, u.next_week),
                f"health-{HEALTH_COLOUR.get(u.health, 'none')}",
            )
        )  # fmt: skip
    return Results(query, groups)
