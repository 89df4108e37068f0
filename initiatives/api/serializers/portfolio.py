"""Response-only serializers of ``GET /api/v1/portfolio/``: they document the plain data of
``selectors.dashboard.portfolio_summary`` for the OpenAPI schema (the view returns that data as
is; ``tests/api/test_schemathesis.py`` checks real answers against them)."""

from rest_framework import serializers

from initiatives.models import ChecklistKind, Health, MilestoneState, State

GATE_CHOICES = ["ready", "done"]


class PortfolioPersonSerializer(serializers.Serializer):
    username = serializers.CharField(help_text="Empty when nobody is assigned.")
    name = serializers.CharField()


class PortfolioInitiativeSerializer(serializers.Serializer):
    """An initiative as every list of the dashboard shows it."""

    key = serializers.CharField()
    url = serializers.CharField(help_text="Its web page.")
    title = serializers.CharField()
    team = serializers.CharField(help_text="The team's key.")
    state = serializers.ChoiceField(choices=State.choices)
    health = serializers.ChoiceField(
        choices=Health.choices, allow_null=True, help_text="From the latest status update."
    )
    dri = PortfolioPersonSerializer()


class PortfolioByStateSerializer(serializers.Serializer):
    discovery = serializers.IntegerField()
    scoping = serializers.IntegerField()
    ready = serializers.IntegerField()
    in_delivery = serializers.IntegerField()
    done = serializers.IntegerField()
    paused = serializers.IntegerField()
    cancelled = serializers.IntegerField()


class PortfolioHealthCountsSerializer(serializers.Serializer):
    on_track = serializers.IntegerField()
    at_risk = serializers.IntegerField()
    off_track = serializers.IntegerField()


class PortfolioByHealthSerializer(PortfolioHealthCountsSerializer):
    none = serializers.IntegerField(help_text="Active initiatives with no status update yet.")


class PortfolioRedAndYellowSerializer(PortfolioInitiativeSerializer):
    risks = serializers.CharField(help_text="The risks of its latest status update.")
    last_update_week = serializers.CharField(help_text="ISO week, e.g. `2026-W10`; or empty.")


class PortfolioMissingUpdateSerializer(PortfolioInitiativeSerializer):
    week = serializers.CharField(help_text="The current ISO week in the team's time zone.")
    last_update_week = serializers.CharField()


class PortfolioGateWaitSerializer(PortfolioInitiativeSerializer):
    gate = serializers.ChoiceField(choices=GATE_CHOICES)
    missing = serializers.IntegerField(help_text="Required items not satisfied.")
    pending_signoffs = serializers.ListField(child=serializers.CharField())
    percent = serializers.IntegerField()
    waiting_since = serializers.DateTimeField(
        help_text="At the DoR: since entering scoping; at the DoD: since every milestone was "
        "complete (not since entering delivery)."
    )
    waiting_days = serializers.FloatField()


class PortfolioOverrideSerializer(serializers.Serializer):
    when = serializers.DateTimeField()
    verb = serializers.CharField(
        help_text="`initiative.gate_overridden` or `checklist_item.waived`."
    )
    kind = serializers.CharField(help_text="`override`, `waiver` or `risk change`.")
    initiative = serializers.CharField(allow_null=True)
    initiative_url = serializers.CharField(allow_null=True)
    actor = PortfolioPersonSerializer()
    summary = serializers.CharField()
    reason = serializers.CharField()


class PortfolioNowSerializer(serializers.Serializer):
    by_state = PortfolioByStateSerializer()
    by_health = PortfolioByHealthSerializer(help_text="Active initiatives only.")
    red_and_yellow = PortfolioRedAndYellowSerializer(many=True)
    missing_updates = PortfolioMissingUpdateSerializer(many=True)
    gate_waits = PortfolioGateWaitSerializer(many=True)
    overrides_and_waivers = PortfolioOverrideSerializer(many=True, help_text="Last 30 days.")


class PortfolioMovesSerializer(serializers.Serializer):
    """Date changes made after a milestone started: later ones (slips) and earlier ones
    (pull-ins) apart, and their net. Changes before it started are planning and count as
    neither."""

    slip_count = serializers.IntegerField()
    slip_days = serializers.IntegerField(help_text="Days later, summed over the slips.")
    pull_in_count = serializers.IntegerField()
    pull_in_days = serializers.IntegerField(help_text="Days earlier, summed over the pull-ins.")
    net_days = serializers.IntegerField(help_text="Net drift: slip_days - pull_in_days.")


class PortfolioMilestoneDueSerializer(PortfolioMovesSerializer):
    initiative = serializers.CharField()
    initiative_url = serializers.CharField()
    initiative_title = serializers.CharField()
    dri = PortfolioPersonSerializer()
    milestone = serializers.CharField()
    state = serializers.ChoiceField(choices=MilestoneState.choices)
    due_date = serializers.DateField()
    overdue = serializers.BooleanField(help_text="Due before today in the team's time zone.")
    days_left = serializers.IntegerField(help_text="Negative when overdue.")
    committed_date = serializers.DateField(help_text="The delivery date when it started.")


class PortfolioSlipsSerializer(PortfolioInitiativeSerializer, PortfolioMovesSerializer):
    pass


class PortfolioMovedMilestoneSerializer(PortfolioMovesSerializer):
    initiative = serializers.CharField()
    initiative_url = serializers.CharField()
    milestone = serializers.CharField()
    original_due_date = serializers.DateField(help_text="The date first planned.")
    committed_date = serializers.DateField(help_text="The delivery date when it started.")
    due_date = serializers.DateField()


class PortfolioTimelineBarSerializer(serializers.Serializer):
    title = serializers.CharField()
    state = serializers.ChoiceField(choices=MilestoneState.choices)
    start = serializers.DateField()
    due_date = serializers.DateField()
    original_due_date = serializers.DateField()
    overdue = serializers.BooleanField()
    slip_count = serializers.IntegerField()


class PortfolioTimelineRowSerializer(PortfolioInitiativeSerializer):
    milestones = PortfolioTimelineBarSerializer(many=True)


class PortfolioTimelineSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    rows = PortfolioTimelineRowSerializer(many=True)


class PortfolioDatesSerializer(serializers.Serializer):
    milestones_due = PortfolioMilestoneDueSerializer(many=True)
    slips_by_initiative = PortfolioSlipsSerializer(many=True)
    most_moved_milestones = PortfolioMovedMilestoneSerializer(many=True)
    timeline = PortfolioTimelineSerializer()


class PortfolioHeatmapRowSerializer(PortfolioInitiativeSerializer):
    cells = serializers.ListField(
        child=serializers.ChoiceField(choices=Health.choices, allow_null=True),
        help_text="The health reported each week of `weeks` (null: no update).",
    )


class PortfolioHealthShareSerializer(PortfolioHealthCountsSerializer):
    week = serializers.CharField()
    total = serializers.IntegerField()
    percent = PortfolioHealthCountsSerializer()


class PortfolioHistorySerializer(serializers.Serializer):
    weeks = serializers.ListField(child=serializers.CharField(), help_text="Oldest first.")
    heatmap = PortfolioHeatmapRowSerializer(many=True)
    health_share = PortfolioHealthShareSerializer(many=True)


class PortfolioLongestWaitSerializer(PortfolioInitiativeSerializer):
    days = serializers.FloatField()


class PortfolioGateFlowSerializer(serializers.Serializer):
    passed = serializers.IntegerField(help_text="Passes since the start of last quarter.")
    median_days = serializers.FloatField(allow_null=True)
    max_days = serializers.FloatField(allow_null=True)
    waiting_now = serializers.IntegerField()
    longest_waiting = PortfolioLongestWaitSerializer(allow_null=True)


class PortfolioGateWaitsSerializer(serializers.Serializer):
    ready = PortfolioGateFlowSerializer()
    done = PortfolioGateFlowSerializer()


class PortfolioChecklistItemSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ChecklistKind.choices)
    section = serializers.CharField()
    text = serializers.CharField()
    count = serializers.IntegerField()


class PortfolioLastTickedSerializer(PortfolioChecklistItemSerializer):
    median_days = serializers.FloatField(help_text="From the initiative's creation.")


class PortfolioQuarterCountSerializer(serializers.Serializer):
    quarter = serializers.CharField(help_text="e.g. `2026-Q1`.")
    count = serializers.IntegerField()


class PortfolioGatesSerializer(serializers.Serializer):
    waits = PortfolioGateWaitsSerializer()
    most_waived = PortfolioChecklistItemSerializer(many=True)
    last_ticked = PortfolioLastTickedSerializer(many=True)
    overrides_per_quarter = PortfolioQuarterCountSerializer(many=True)


class PortfolioEvidenceSerializer(serializers.Serializer):
    kind = serializers.CharField(
        help_text="`overdue_milestone`, `recent_slip` or `no_task_progress`."
    )
    text = serializers.CharField()


class PortfolioDriftSerializer(PortfolioInitiativeSerializer):
    evidence = PortfolioEvidenceSerializer(many=True)


class PortfolioWipSerializer(PortfolioPersonSerializer):
    dri_in_delivery = serializers.IntegerField()
    open_tasks = serializers.IntegerField()


class PortfolioStateSpreadSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=State.choices)
    count = serializers.IntegerField()
    median = serializers.FloatField(allow_null=True)
    p25 = serializers.FloatField(allow_null=True)
    p75 = serializers.FloatField(allow_null=True)
    min = serializers.FloatField(allow_null=True)
    max = serializers.FloatField(allow_null=True)


class PortfolioTimeInStateSerializer(serializers.Serializer):
    finished = serializers.IntegerField()
    since = serializers.DateTimeField()
    states = PortfolioStateSpreadSerializer(many=True, help_text="Days in each state.")


class PortfolioMonthCountSerializer(serializers.Serializer):
    month = serializers.CharField(help_text="e.g. `2026-03`.")
    count = serializers.IntegerField()


class PortfolioFlowSerializer(serializers.Serializer):
    wip = PortfolioWipSerializer(many=True)
    time_in_state = PortfolioTimeInStateSerializer()
    finished_per_month = PortfolioMonthCountSerializer(many=True)


class PortfolioTableRowSerializer(PortfolioInitiativeSerializer):
    current_milestone = serializers.CharField()
    current_milestone_due = serializers.DateField(allow_null=True)
    progress = serializers.IntegerField(help_text="Percent of tasks closed.")
    tasks_closed = serializers.IntegerField()
    tasks_total = serializers.IntegerField()
    dor_percent = serializers.IntegerField()
    dod_percent = serializers.IntegerField()
    last_update_week = serializers.CharField()
    stale = serializers.BooleanField()
    target_date = serializers.DateField(allow_null=True)


class PortfolioTotalsSerializer(serializers.Serializer):
    """How many rows each list has in all; the lists themselves hold the first few, worst
    first."""

    red_and_yellow = serializers.IntegerField()
    missing_updates = serializers.IntegerField()
    gate_waits = serializers.IntegerField()
    overrides_and_waivers = serializers.IntegerField()
    milestones_due = serializers.IntegerField()
    slips_by_initiative = serializers.IntegerField()
    timeline = serializers.IntegerField(help_text="Initiatives with milestones on the timeline.")
    heatmap = serializers.IntegerField(help_text="Initiatives active or updated in the window.")
    drift = serializers.IntegerField()
    wip = serializers.IntegerField(help_text="People with work in progress.")
    initiatives = serializers.IntegerField()


class PortfolioSerializer(serializers.Serializer):
    teams = serializers.ListField(child=serializers.CharField(), help_text="The teams' keys.")
    generated_at = serializers.DateTimeField()
    today = serializers.DateField()
    now = PortfolioNowSerializer()
    dates = PortfolioDatesSerializer()
    history = PortfolioHistorySerializer()
    gates = PortfolioGatesSerializer()
    drift = PortfolioDriftSerializer(many=True)
    flow = PortfolioFlowSerializer()
    initiatives = PortfolioTableRowSerializer(many=True, help_text="Every initiative.")
    totals = PortfolioTotalsSerializer()
