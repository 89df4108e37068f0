"""The team board's cards, built in Python: a board shows up to 70 of them, and a card
rendered through template nodes costs ten times as much."""

from __future__ import annotations

from django import template
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from initiatives.models import ChecklistKind, Initiative
from initiatives.rules.workflow import LAPSED_LABEL, lapsed_gates
from initiatives.selectors.initiatives import GATE_SHORT_NAMES, InitiativeRow
from initiatives.web.templatetags.shipshape import health_chip, person

register = template.Library()


def _gate_bar(row: InitiativeRow) -> SafeString:
    """The progress of the gate the initiative works towards (``rules.workflow.next_gate``);
    on the way to the DoD, the share of closed tasks too."""
    gate = row.next_gate
    if gate is None:
        return mark_safe("")
    label, percent = GATE_SHORT_NAMES[gate.kind], gate.percent
    tasks = f" · tasks {row.progress}%" if gate.kind == ChecklistKind.DONE else ""
    return format_html(
        '<div class="bar" role="img" aria-label="{0} {1}%"><span style="width: {1}%"></span>'
        '</div><small class="muted">{0} {1}%{2}</small>',
        label,
        percent,
        tasks,
    )


@register.simple_tag
def lapsed_chips(initiative: Initiative) -> SafeString:
    """A "gate no longer met" chip per gate the initiative passed and no longer meets
    (``rules.workflow.lapsed_gates``; stored progress, no query)."""
    return format_html_join(
        "",
        '<span class="chip lapsed" title="A checklist item was reopened after this gate '
        'was passed">{}</span>',
        ((LAPSED_LABEL[kind],) for kind in lapsed_gates(initiative)),
    )


@register.simple_tag
def exception_chips(overrides: int | None, waived: int | None) -> SafeString:
    """The exceptions made on the way: gate overrides and waived items (README "In-place
    updates and the page layout")."""
    chips = []
    if overrides:
        chips.append(
            format_html(
                '<span class="chip overridden" title="A gate was passed by an engineering '
                "manager's override\">{}</span>",
                "Overridden" if overrides == 1 else f"Overridden {overrides} times",
            )
        )
    if waived:
        chips.append(
            format_html(
                '<span class="chip waived" title="Checklist items waived, with a reason">'
                "{} waived</span>",
                waived,
            )
        )
    return mark_safe("".join(chips))  # each chip is escaped by format_html


@register.simple_tag
def board_card(row: InitiativeRow, extra: SafeString | str = "") -> SafeString:
    """One card: key, title, health, stale, DRI, current milestone and the gate it works on;
    ``extra``: the priority moves, for managers sorting by rank."""
    url = row.get_absolute_url()
    stale = (
        mark_safe('<span class="chip stale" title="No update for two weeks">Stale</span>')
        if row.stale
        else mark_safe("")  # a plain "" would make the chips added below escaped text
    )
    stale += lapsed_chips(row.initiative)
    stale += exception_chips(row.extra.get("n_overrides"), row.extra.get("n_waived"))
    current = row.current_milestone
    milestone = (
        format_html("<span>⚑ {} {}</span>", current.title, date_format(current.due_date, "j M"))
        if current
        else ""
    )
    return format_html(
        '<li class="boardcard health-border-{}">'
        '<a class="key" href="{}">{}</a><a class="title" href="{}">{}</a>'
        '<div class="meta">{}{}</div>'
        '<div class="meta muted"><span>{}</span>{}</div>{}{}</li>',
        row.health or "none",
        url,
        row.key,
        url,
        row.title,
        health_chip(row.health, row.get_health_display()),
        stale,
        person(row.dri),
        milestone,
        _gate_bar(row),
        extra,
    )
