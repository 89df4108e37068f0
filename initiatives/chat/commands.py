"""The ``/shipshape`` slash command, the same for Slack and Mattermost once the transport has
verified the request (``web.views.integrations``):

- ``/shipshape status PLAT-12``: the initiative's state, health, gates and current milestone;
- ``/shipshape update PLAT-12 yellow | progress | risks | next week``: this week's update, as
  the Shipshape user the chat user linked on their chat settings page, through the same service
  and rules as the web form (``services.updates.status_update_post``), audited ``via`` the chat;
- ``/shipshape update PLAT-12`` alone (Slack): the update form as a modal (``slack_api``);
- ``/shipshape help``.

Answers go to the caller only (``ephemeral``). A refusal says what the web form would say.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.urls import reverse

from initiatives.chat import selectors as reads
from initiatives.chat.format import HEALTH_EMOJI, Markup
from initiatives.chat.messages import absolute, initiative_url
from initiatives.chat.models import ChatKind
from initiatives.models import Health, Initiative, Milestone, MilestoneState, State
from initiatives.rules.exceptions import ApplicationError, ValidationFailed
from initiatives.rules.workflow import shift_week
from initiatives.selectors.initiatives import list_initiatives
from initiatives.services.updates import current_week, status_update_post

HEALTH_WORDS = {
    "green": Health.ON_TRACK,
    "on_track": Health.ON_TRACK,
    "on-track": Health.ON_TRACK,
    "ontrack": Health.ON_TRACK,
    "yellow": Health.AT_RISK,
    "amber": Health.AT_RISK,
    "at_risk": Health.AT_RISK,
    "at-risk": Health.AT_RISK,
    "red": Health.OFF_TRACK,
    "off_track": Health.OFF_TRACK,
    "off-track": Health.OFF_TRACK,
}
OPEN_MILESTONES = (MilestoneState.PLANNED, MilestoneState.IN_PROGRESS)
MAX_COMMAND_TEXT = 12000


@dataclass
class Reply:
    """What the command answers: a text to the caller only, or (Slack) a modal to open."""

    text: str = ""
    modal: dict[str, Any] | None = None
    trigger_id: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def body(self) -> dict[str, Any]:
        return {"response_type": "ephemeral", "text": self.text}


def settings_url() -> str:
    return absolute(reverse("chat-settings"))


def help_text(kind: str, *, unmapped: bool = False) -> str:
    lines = []
    if unmapped:
        lines.append(
            "Your chat account is not linked to a Shipshape user yet. Set your "
            f"{'Slack member id' if kind == ChatKind.SLACK else 'Mattermost username'} on "
            f"{settings_url()} and try again."
        )
    lines += [
        "Shipshape commands:",
        "• /shipshape status PLAT-12: state, health, gates and current milestone",
        "• /shipshape update PLAT-12 yellow | progress | risks | next week: post this week's "
        "update (green, yellow or red; risks are required unless green)",
    ]
    if kind == ChatKind.SLACK:
        lines.append("• /shipshape update PLAT-12: the update form in a dialog")
    lines.append("• /shipshape help: this text")
    return "\n".join(lines)


def refusal_text(error: ApplicationError) -> str:
    """A refusal as the web form shows it: the field messages, else the message."""
    if isinstance(error, ValidationFailed) and error.fields:
        return " ".join(m for messages in error.fields.values() for m in messages)
    return error.message


def run(kind: str, *, handle: str, text: str, trigger_id: str = "") -> Reply:
    """Answer the command ``text`` (what follows ``/shipshape``) of the chat user ``handle``."""
    words = (text or "")[:MAX_COMMAND_TEXT].strip().split(maxsplit=2)
    verb = words[0].lower() if words else "help"
    if verb not in ("status", "update"):
        return Reply(help_text(kind))
    user = reads.user_for_handle(kind, handle)
    if user is None:
        return Reply(help_text(kind, unmapped=True))
    if len(words) < 2:
        return Reply(f"Name the initiative, e.g. /shipshape {verb} PLAT-12.")
    initiative = reads.initiative_for_command(words[1], user)
    if initiative is None:
        return Reply(f"There is no initiative {words[1][:20]} in your teams.")
    if verb == "status":
        return Reply(status_text(kind, initiative))
    rest = words[2] if len(words) > 2 else ""
    if not rest.strip():
        if kind == ChatKind.SLACK and trigger_id:
            return Reply(modal=update_modal(initiative), trigger_id=trigger_id)
        return Reply(
            "Give the update: /shipshape update "
            f"{initiative.key} yellow | progress | risks | next week"
        )
    return post_update_from_text(kind, user, initiative, rest)


def status_text(kind: str, initiative: Initiative) -> str:
    markup = Markup(kind)
    row = list_initiatives(Initiative.objects.filter(pk=initiative.pk).select_related("team"))[0]
    health = initiative.health or ""
    label = Health(health).label if health else "no update yet"
    lines = [
        f"{markup.link(initiative_url(initiative), f'{initiative.key} {initiative.title}')}",
        f"State: {State(initiative.state).label} · Health: {HEALTH_EMOJI.get(health, '')} {label}",
    ]
    for name, gate in (
        ("Definition of Ready", row.gates.ready),
        ("Definition of Done", row.gates.done),
    ):
        met = "met" if gate.met else "not met"
        lines.append(f"{name}: {met} ({gate.required_satisfied} of {gate.required_total} required)")
    if row.current_milestone:
        milestone = row.current_milestone
        lines.append(
            f"Current milestone: {markup.text(milestone.title)}, due {milestone.due_date:%-d %b %Y}"
        )
    else:
        lines.append("No open milestone.")
    return "\n".join(lines)


def parse_update(text: str) -> dict[str, str]:
    """``yellow | progress | risks | next week`` as the service's fields; ValidationFailed for
    a health that is not one."""
    parts = [p.strip() for p in text.split("|")]
    parts += [""] * (4 - len(parts))
    health = HEALTH_WORDS.get(parts[0].lower().replace(" ", "_"))
    if health is None:
        message = "Start with the health: green, yellow or red."
        raise ValidationFailed(message, fields={"health": [message]})
    return {
        "health": health,
        "progress": parts[1],
        "risks": parts[2],
        "next_week": " | ".join(parts[3:]).strip(" |"),
    }


def post_update(
    kind: str, user: Any, initiative: Initiative, fields: dict[str, Any]
) -> tuple[bool, str]:
    """Post through the web form's service; (posted, what to tell the user)."""
    try:
        update = status_update_post(initiative=initiative, actor=user, via=kind, **fields)
    except ApplicationError as error:
        return False, f"Not posted: {refusal_text(error)}"
    verb = "Revised" if update.revision > 1 else "Posted"
    return True, (
        f"{verb} the {update.week} update of {initiative.key}: {update.get_health_display()}. "
        f"{initiative_url(initiative)}"
    )


def post_update_from_text(kind: str, user: Any, initiative: Initiative, text: str) -> Reply:
    try:
        fields = parse_update(text)
    except ValidationFailed as error:
        return Reply(f"Not posted: {refusal_text(error)}")
    return Reply(post_update(kind, user, initiative, fields)[1])


# --- The Slack modal ---------------------------------------------------------------------------

MODAL_CALLBACK = "shipshape_update"


def _option(text: str, value: str) -> dict[str, Any]:
    return {"text": {"type": "plain_text", "text": text[:75]}, "value": value}


def _text_input(block_id: str, label: str, *, optional: bool = True) -> dict[str, Any]:
    return {
        "type": "input",
        "block_id": block_id,
        "optional": optional,
        "label": {"type": "plain_text", "text": label},
        "element": {
            "type": "plain_text_input",
            "action_id": "value",
            "multiline": True,
            "max_length": 3000,
        },
    }


def update_modal(initiative: Initiative) -> dict[str, Any]:
    """The six questions of the web form as a Slack modal: health, current milestone, progress,
    risks, plan for next week, and the week (this one or, late, the last one)."""
    week = current_week(initiative)
    milestones = list(
        Milestone.objects.filter(initiative=initiative, state__in=OPEN_MILESTONES).order_by(
            "due_date", "pk"
        )[:100]
    )
    health_options = [_option(f"{HEALTH_EMOJI[h]} {Health(h).label}", h) for h in Health.values]
    blocks: list[dict[str, Any]] = [
        {
            "type": "input",
            "block_id": "health",
            "label": {"type": "plain_text", "text": "Health"},
            "element": {
                "type": "static_select",
                "action_id": "value",
                "options": health_options,
            },
        }
    ]
    if milestones:
        blocks.append(
            {
                "type": "input",
                "block_id": "milestone",
                "optional": True,
                "label": {"type": "plain_text", "text": "Current milestone"},
                "element": {
                    "type": "static_select",
                    "action_id": "value",
                    "options": [_option(m.title, str(m.pk)) for m in milestones],
                },
            }
        )
    blocks += [
        _text_input("progress", "Significant progress"),
        _text_input("risks", "Risks, delays, blockers (required unless on track)"),
        _text_input("next_week", "Plan for next week"),
        {
            "type": "input",
            "block_id": "week",
            "label": {"type": "plain_text", "text": "Week"},
            "element": {
                "type": "static_select",
                "action_id": "value",
                "initial_option": _option(f"This week ({week})", week),
                "options": [
                    _option(f"This week ({week})", week),
                    _option(f"Last week ({shift_week(week, -1)})", shift_week(week, -1)),
                ],
            },
        },
    ]
    return {
        "type": "modal",
        "callback_id": MODAL_CALLBACK,
        "private_metadata": initiative.key,
        "title": {"type": "plain_text", "text": f"Update {initiative.key}"[:24]},
        "submit": {"type": "plain_text", "text": "Post"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": blocks,
    }


def _dict(value: Any) -> dict[str, Any]:
    """``value`` if it is a JSON object, else an empty one: a payload of the wrong shape is
    read as missing answers, never as an error."""
    return value if isinstance(value, dict) else {}


def _value(values: dict[str, Any], block: str) -> str:
    element = _dict(_dict(values.get(block)).get("value"))
    if element.get("type") == "static_select":
        return str(_dict(element.get("selected_option")).get("value") or "")
    return str(element.get("value") or "")


def modal_submission(payload: dict[str, Any]) -> dict[str, Any] | None:
    """Post the update a modal submitted. None closes the modal; a refusal keeps it open with
    the reason under the question it concerns (Slack's ``response_action: errors``)."""
    user = reads.user_for_handle(ChatKind.SLACK, str(_dict(payload.get("user")).get("id", "")))
    view = _dict(payload.get("view"))
    values = _dict(_dict(view.get("state")).get("values"))
    if user is None:
        unmapped = help_text(ChatKind.SLACK, unmapped=True).splitlines()[0]
        return {"response_action": "errors", "errors": {"health": unmapped[:150]}}
    initiative = reads.initiative_for_command(str(view.get("private_metadata", "")), user)
    if initiative is None:
        return {
            "response_action": "errors",
            "errors": {"health": "No such initiative in your teams."},
        }
    milestone_id = _value(values, "milestone")
    milestone = (
        Milestone.objects.filter(pk=int(milestone_id), initiative=initiative).first()
        if milestone_id.isdigit() and len(milestone_id) < 18
        else None
    )
    fields: dict[str, Any] = {
        "health": _value(values, "health"),
        "progress": _value(values, "progress"),
        "risks": _value(values, "risks"),
        "next_week": _value(values, "next_week"),
        "milestone": milestone,
        "week": _value(values, "week") or None,
    }
    try:
        status_update_post(initiative=initiative, actor=user, via=ChatKind.SLACK, **fields)
    except ValidationFailed as error:
        listed = view.get("blocks")
        blocks = {_dict(b).get("block_id") for b in listed} if isinstance(listed, list) else set()
        errors = {
            (name if name in blocks else "health"): " ".join(messages)[:150]
            for name, messages in error.fields.items()
        } or {"health": error.message[:150]}
        return {"response_action": "errors", "errors": errors}
    except ApplicationError as error:
        return {"response_action": "errors", "errors": {"health": error.message[:150]}}
    return None
