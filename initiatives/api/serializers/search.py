"""Global search results: the output function and the serializers describing its shape."""

from __future__ import annotations

from django.conf import settings
from rest_framework import serializers

from initiatives.api.serializers.common import JSON
from initiatives.search.selectors import KIND_CHOICES, Hit, Results


def hit_out(hit: Hit) -> JSON:
    path = f"/i/{hit.initiative_key}/" + (f"#{hit.anchor}" if hit.anchor else "")
    return {
        "kind": hit.kind,
        "title": hit.title,
        "initiative": hit.initiative_key,
        "initiative_title": hit.initiative_title,
        "detail": hit.detail,
        "snippet": hit.snippet,
        "url": f"{settings.SITE_URL}{path}",
    }


def results_out(results: Results) -> JSON:
    return {
        "query": results.query.text,
        "words": list(results.query.words),
        "groups": [
            {"kind": g.kind, "heading": g.label, "results": [hit_out(h) for h in g.hits]}
            for g in results.groups
        ],
    }


class SearchHitSerializer(serializers.Serializer):
    """Shape of ``hit_out``."""

    kind = serializers.ChoiceField(choices=KIND_CHOICES)
    title = serializers.CharField()
    initiative = serializers.CharField(help_text="The initiative's key (PLAT-12).")
    initiative_title = serializers.CharField()
    detail = serializers.CharField(help_text="State, or an update's health.")
    snippet = serializers.CharField(allow_blank=True, help_text="Plain text, at most 160 chars.")
    url = serializers.URLField(help_text="The hit on its initiative's page.")


class SearchGroupSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=KIND_CHOICES)
    heading = serializers.CharField(help_text="The group's name (Initiatives, Tasks, …).")
    results = SearchHitSerializer(many=True)


class SearchResultsSerializer(serializers.Serializer):
    """Shape of ``results_out``: one group per kind, always all four, in order."""

    query = serializers.CharField(allow_blank=True)
    words = serializers.ListField(child=serializers.CharField())
    groups = SearchGroupSerializer(many=True)
