"""The facts the policy check needs, read for the one transition service: the team's
settings, what is in delivery (rank order), how many people are on the initiative. The
check itself is ``rules.policies.start_breaches``; this module never writes (and imports no
service, so that ``services.initiatives`` may call it)."""

from __future__ import annotations

from initiatives.compiled import CompiledRead
from initiatives.models import Initiative, State, Team
from initiatives.policies.models import TeamPolicy
from initiatives.rules.policies import (
    LEAVES_SCOPING,
    NO_POLICIES,
    STARTS_DELIVERY,
    Breach,
    Delivering,
    PolicySettings,
    key_result_breaches,
    start_breaches,
)


def settings_of(policy: TeamPolicy | None) -> PolicySettings:
    if policy is None:
        return NO_POLICIES
    return PolicySettings(
        wip_team=policy.wip_team,
        wip_dri=policy.wip_dri,
        pairing_required=policy.pairing_required,
        pairing_min=policy.pairing_min,
        key_result_required=policy.key_result_required,
    )


# Built once per process (initiatives.compiled): every refused or passed start reads it.
_POLICY_OF_TEAM: CompiledRead[TeamPolicy] = CompiledRead(
    lambda team_id: TeamPolicy.objects.filter(team_id=team_id).order_by("pk")[:1], team_id=int
)


def team_settings(team_id: int) -> PolicySettings:
    """One query."""
    rows = _POLICY_OF_TEAM.rows(team_id=team_id)
    return settings_of(rows[0] if rows else None)


def delivery_breaches(
    initiative: Initiative, source: str, target: str, *, lock: bool = True
) -> list[Breach]:
    """The policies refusing ``initiative``'s move from ``source`` to ``target``: WIP limits
    and pairing on moves that start delivery, the linked key result on moves that leave
    scoping or resume past it (others are not checked). Called inside the transition's
    transaction with the initiative locked: when the team has a policy checked at the start of
    delivery, this takes the team's row lock first, so two concurrent starts in one team count
    one after the other (the second sees the first once it has committed) and a limit cannot
    be passed by racing. One query without a policy; five at most with them. ``lock=False``:
    a preview for the initiative page (what a start would meet now), which takes no lock and
    decides nothing."""
    starts = (source, target) in STARTS_DELIVERY
    leaves = (source, target) in LEAVES_SCOPING
    if not starts and not leaves:
        return []
    settings = team_settings(initiative.team_id)
    if not settings.any:
        return []
    breaches: list[Breach] = []
    if leaves and settings.key_result_required:
        # By the reverse relation (``goals`` registers above this module: no import of it).
        linked = initiative.key_results.count()
        breaches += key_result_breaches(settings, key=initiative.key, linked=linked)
    if starts and settings.at_start:
        breaches += _start_breaches(initiative, settings, lock=lock)
    return breaches


def _start_breaches(
    initiative: Initiative, settings: PolicySettings, *, lock: bool
) -> list[Breach]:
    # The lock every writer of the team takes at the end (``record``), taken now: nothing
    # commits a start in this team between the count below and this transaction's end.
    if lock:
        list(Team.objects.select_for_update().filter(pk=initiative.team_id).values_list("pk"))
    delivering: list[Delivering] = []
    if settings.wip_team or settings.wip_dri:
        rows = (
            Initiative.objects.filter(team_id=initiative.team_id, state=State.IN_DELIVERY)
            .exclude(pk=initiative.pk)
            .order_by("rank", "number")
            .values_list("number", "dri_id")
        )
        team_key = initiative.team.key
        delivering = [Delivering(f"{team_key}-{n}", dri) for n, dri in rows]
    people = 1
    if settings.pairing_required:
        people += initiative.members.exclude(pk=initiative.dri_id).count()
    dri = initiative.dri
    return start_breaches(
        settings,
        delivering=delivering,
        dri_id=initiative.dri_id,
        dri_name=dri.get_full_name() or dri.get_username(),
        people=people,
    )
