"""The evidence pack's JSON: written by ``audit.evidence.pack_json`` (the page's download is
the same file), described here for the schema (the classes never serialize)."""

from __future__ import annotations

import datetime as dt

from rest_framework import serializers

from initiatives.api.serializers.common import GATES, JSON
from initiatives.audit.evidence import EvidencePack, pack_json
from initiatives.models import ItemStatus, SecurityRisk


def evidence_out(pack: EvidencePack, tz: dt.tzinfo) -> JSON:
    """The pack as the API and the page's download give it (``audit.evidence.pack_json``)."""
    return pack_json(pack, tz)


class ChainSerializer(serializers.Serializer):
    events = serializers.IntegerField(help_text="Events in the initiative's hash chain.")
    head_hash = serializers.CharField(help_text="SHA-256 of the newest event (hex).")
    verified = serializers.BooleanField(help_text="Every link recomputed and found intact.")
    first_broken_link = serializers.CharField(allow_null=True)


class EvidenceItemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    gate = serializers.ChoiceField(choices=GATES)
    section = serializers.CharField()
    text = serializers.CharField()
    required = serializers.BooleanField()  # type: ignore[assignment]  # a wire name that shadows a DRF attribute (the metaclass moves it)
    signoff_role = serializers.CharField(allow_null=True)
    status = serializers.ChoiceField(choices=ItemStatus.choices)
    decided_by = serializers.CharField(allow_null=True, help_text="Display name at the time.")
    decided_at = serializers.DateTimeField(allow_null=True)
    evidence = serializers.CharField(allow_blank=True)
    note = serializers.CharField(allow_blank=True)
    waiver_reason = serializers.CharField(allow_blank=True)


class DecisionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    at = serializers.DateTimeField()
    kind = serializers.CharField(help_text="Ticked, Signed off, Waived, Gate overridden, …")
    verb = serializers.CharField()
    actor = serializers.CharField(allow_null=True, help_text="Display name at the time.")
    summary = serializers.CharField()
    reason = serializers.CharField(allow_blank=True)
    items = serializers.ListField(child=serializers.IntegerField())
    content_hash = serializers.CharField()


class EvidencePackSerializer(serializers.Serializer):
    initiative = serializers.CharField()
    title = serializers.CharField()
    state = serializers.CharField()
    security_risk = serializers.ChoiceField(choices=SecurityRisk.choices, allow_null=True)
    security_risk_signed = serializers.ChoiceField(choices=SecurityRisk.choices, allow_null=True)
    generated_at = serializers.DateTimeField()
    chain = ChainSerializer()
    items = EvidenceItemSerializer(many=True)
    decisions = DecisionSerializer(many=True)
