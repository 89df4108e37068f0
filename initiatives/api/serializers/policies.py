"""Team policies and blocked-by links on the wire."""

from __future__ import annotations

from rest_framework import serializers

from initiatives.api.serializers.common import JSON
from initiatives.models import State
from initiatives.policies.models import PAIRING_MAX, WIP_MAX, TeamPolicy
from initiatives.policies.selectors import Link


def policy_out(policy: TeamPolicy) -> JSON:
    return {
        "team": policy.team.key,
        "wip_team": policy.wip_team,
        "wip_dri": policy.wip_dri,
        "pairing_required": policy.pairing_required,
        "pairing_min": policy.pairing_min,
        "key_result_required": policy.key_result_required,
        "version": policy.version,
    }


class TeamPolicySerializer(serializers.Serializer):
    team = serializers.CharField()
    wip_team = serializers.IntegerField(
        allow_null=True, help_text="At most this many in delivery for the team; null: no limit."
    )
    wip_dri = serializers.IntegerField(
        allow_null=True, help_text="At most this many in delivery per DRI; null: no limit."
    )
    pairing_required = serializers.BooleanField()
    pairing_min = serializers.IntegerField(
        help_text="People (the DRI plus members) needed to start delivery when pairing is on."
    )
    key_result_required = serializers.BooleanField(
        help_text="An initiative leaves scoping (or resumes into ready or later) only when "
        "linked to a key result."
    )
    version = serializers.IntegerField()


class TeamPolicyInputSerializer(serializers.Serializer):
    wip_team = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=WIP_MAX
    )
    wip_dri = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=WIP_MAX
    )
    pairing_required = serializers.BooleanField(required=False)
    pairing_min = serializers.IntegerField(required=False, min_value=2, max_value=PAIRING_MAX)
    key_result_required = serializers.BooleanField(required=False)


def link_out(link: Link) -> JSON:
    return {
        "id": link.pk,
        "initiative": link.key,
        "title": link.title,
        "state": link.state or None,
        "task": link.task_title or None,
    }


class LinkSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The link's id (DELETE it to remove the link).")
    initiative = serializers.CharField(help_text="KEY-N of the other side.")
    title = serializers.CharField()
    state = serializers.ChoiceField(choices=State.choices, allow_null=True)
    task = serializers.CharField(allow_null=True, help_text="The blocked task's title, if any.")


class DependenciesSerializer(serializers.Serializer):
    blocked_by = LinkSerializer(many=True)
    blocking = LinkSerializer(many=True)
    blocking_hidden = serializers.IntegerField(
        help_text="Dependants in teams the caller is not a member of."
    )


class DependencyInputSerializer(serializers.Serializer):
    blocker = serializers.CharField(max_length=24, help_text="KEY-N of the blocking initiative.")
    task = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=2_147_483_647,
        help_text="A task of this initiative that is blocked (not the whole initiative).",
    )
