"""What every answer shares: how values are written (dates, users), the error bodies and the
gate summaries, and the input fields that name users and milestones.

One way to write output, everywhere in the API: a plain function per shape builds the JSON
from what a selector or service loaded (DRF's generic path, a Field object per value, cost
several times as much per row), and a declarative serializer class beside it describes that
shape for the OpenAPI schema. The classes are never used to serialize; ``tests/api`` checks
every answer of the suite against the schema, so a function and its class cannot drift."""

from __future__ import annotations

import datetime as dt
from typing import Any, NoReturn

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AbstractUser
from django.utils import timezone
from rest_framework import serializers

from initiatives.models import Milestone
from initiatives.rules.checklists import GateProgress, GateResult

JSON = dict[str, Any]
User = get_user_model()


def iso_datetime(value: dt.datetime | None, tz: dt.tzinfo | None = None) -> str | None:
    """As DRF's DateTimeField writes it: in the current time zone, ISO 8601, UTC as ``Z``."""
    if value is None:
        return None
    text = value.astimezone(tz or timezone.get_current_timezone()).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def iso_date(value: dt.date | None) -> str | None:
    return None if value is None else value.isoformat()


def user_ref(user: AbstractBaseUser | None) -> JSON | None:
    if user is None:
        return None
    username = user.get_username()
    full_name = user.get_full_name() if isinstance(user, AbstractUser) else ""
    return {"id": user.pk, "username": username, "name": full_name or username}


class UserRefSerializer(serializers.Serializer):
    """Shape of ``user_ref``."""

    id = serializers.IntegerField()
    username = serializers.CharField()
    name = serializers.CharField(help_text="The full name, or the username.")


# --- Errors (bodies built by ``api.errors``) ---------------------------------------------------


class ErrorBodySerializer(serializers.Serializer):
    """What every error answer has: a stable code, a readable detail and field messages."""

    code = serializers.CharField()
    detail = serializers.CharField()
    fields = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))  # type: ignore[assignment]  # wire name that shadows a DRF attribute (the metaclass moves it)


class ErrorSerializer(ErrorBodySerializer):
    """Every error answer; some codes add data of their own."""

    to = serializers.CharField(required=False, help_text="`invalid_transition`: the target.")
    open_tasks = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        help_text="`open_tasks`: titles of the milestone's tasks still open.",
    )

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        # ``from`` is a Python keyword, so it cannot be declared as an attribute.
        fields["from"] = serializers.CharField(
            required=False, help_text="`invalid_transition`: the current state."
        )
        return fields


MISSING_ITEM_FIELDS = ("id", "section", "text", "required", "signoff_role", "why")


class MissingItemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    section = serializers.CharField()
    text = serializers.CharField()
    required = serializers.BooleanField()  # type: ignore[assignment]  # a wire name that shadows a DRF attribute (the metaclass moves it)
    signoff_role = serializers.CharField(allow_null=True)
    why = serializers.CharField()


# The gates by name (one enum in the schema: ``GateEnum``); a refusal names the start of
# delivery too, where the team's policies are part of the gate (``BlockedGateEnum``).
GATES = ["ready", "done"]
BLOCKED_GATES = [*GATES, "in_delivery"]
POLICIES = ["wip_team", "wip_dri", "pairing", "key_result_required"]


class PolicyBreachSerializer(serializers.Serializer):
    policy = serializers.ChoiceField(choices=POLICIES)
    limit = serializers.IntegerField(
        help_text="The team's limit (pairing: people needed; key_result_required: 1)."
    )
    current = serializers.IntegerField(
        help_text="In delivery now (pairing: people on it; key_result_required: key results "
        "linked)."
    )
    blocking = serializers.ListField(
        child=serializers.CharField(), help_text="The initiatives to finish first (rank order)."
    )
    detail = serializers.CharField(help_text="The refusal as a sentence.")


class GateBlockedSerializer(ErrorBodySerializer):
    gate = serializers.ChoiceField(
        choices=BLOCKED_GATES,
        help_text="`in_delivery`: the start of delivery, where the team's policies are part of "
        "the gate (then `missing` lists any DoR items too). The key result policy refuses at "
        "`ready` (leaving scoping, or resuming into ready).",
    )
    missing = MissingItemSerializer(many=True)
    policies = PolicyBreachSerializer(
        many=True,
        help_text="The team policies refusing the move: WIP limits and pairing at the start of "
        "delivery, `key_result_required` when leaving scoping or resuming past it (else empty).",
    )


class StaleWriteSerializer(ErrorBodySerializer):
    current_version = serializers.IntegerField()
    your_version = serializers.IntegerField()


# --- Gates -------------------------------------------------------------------------------------


def gate_summary(gate: GateResult | GateProgress) -> JSON:
    """A gate's progress (evaluated, or the stored roll-up): no missing items."""
    return {
        "met": gate.met,
        "percent": gate.percent,
        "required_total": gate.required_total,
        "required_satisfied": gate.required_satisfied,
    }


def gate_full(gate: GateResult | GateProgress) -> JSON:
    """An evaluated gate's progress with its missing items (stored progress has none)."""
    assert isinstance(gate, GateResult), "the missing items need an evaluated gate"
    missing = [{name: entry.get(name) for name in MISSING_ITEM_FIELDS} for entry in gate.missing]
    return {**gate_summary(gate), "missing": missing}


class GateSummarySerializer(serializers.Serializer):
    """Shape of ``gate_summary``: a gate's progress as lists show it."""

    met = serializers.BooleanField()
    percent = serializers.IntegerField()
    required_total = serializers.IntegerField()
    required_satisfied = serializers.IntegerField()


class GateSummariesSerializer(serializers.Serializer):
    ready = GateSummarySerializer()
    done = GateSummarySerializer()


class GateSerializer(GateSummarySerializer):
    """Shape of ``gate_full``: with the items still missing."""

    missing = MissingItemSerializer(many=True)


class GatesSerializer(serializers.Serializer):
    ready = GateSerializer()
    done = GateSerializer()


# --- Input fields ------------------------------------------------------------------------------


class UsernameField(serializers.SlugRelatedField):
    """A user given by username (the services check team membership). An unknown username is
    refused in the words the services use for someone outside the team, so the answer never
    tells whether an account exists."""

    default_error_messages = {
        **serializers.SlugRelatedField.default_error_messages,
        "not_contributor": "{value} is not a contributor of this team.",
    }

    def __init__(self, **kwargs: Any):
        super().__init__(slug_field="username", queryset=User.objects.all(), **kwargs)

    def fail(self, key: str, **kwargs: Any) -> NoReturn:
        # The code the services give someone outside the team (``api.v1.base.REFERENCE_CODES``).
        super().fail("not_contributor" if key == "does_not_exist" else key, **kwargs)


class MilestoneIdField(serializers.PrimaryKeyRelatedField):
    """A milestone id; the services check that it belongs to the initiative."""

    default_error_messages = {
        **serializers.PrimaryKeyRelatedField.default_error_messages,
        "unknown_milestone": "No milestone {pk_value}.",
    }

    def __init__(self, **kwargs: Any):
        super().__init__(queryset=Milestone.objects.all(), **kwargs)

    def fail(self, key: str, **kwargs: Any) -> NoReturn:
        super().fail("unknown_milestone" if key == "does_not_exist" else key, **kwargs)

    def to_internal_value(self, data: Any) -> Any:
        # Ids beyond a 64-bit integer are not ids (and would overflow the database driver).
        if isinstance(data, int) and not 0 < data < 2**63:
            self.fail("does_not_exist", pk_value=data)
        return super().to_internal_value(data)
