"""Installs the built-in Definition of Ready and Definition of Done (the brief's "Built-in
default templates"). The data is frozen here on purpose: later edits of a team's templates
happen in the admin and never touch this migration."""

from django.db import migrations

# (text, options): options keys are required (default True), signoff_role, evidence, rule,
# risk_scaled, guidance.
READY = [
    (
        "Context and objectives",
        [
            ("Context behind the project", {}),
            ("Research on alternatives", {}),
            ("Risks of not pursuing it", {}),
            ("Reasons not to pursue it", {}),
            ("Business impact", {}),
            ("Value to customers", {}),
            ("How impact and value will be measured", {"evidence": "text"}),
            ("External and internal dependencies", {}),
            (
                "List of stakeholders",
                {
                    "rule": "stakeholders_listed",
                    "guidance": "Checked automatically: at least one stakeholder is listed.",
                },
            ),
            (
                "RFC or written document explaining the above",
                {
                    "rule": "design_doc_linked",
                    "evidence": "url",
                    "guidance": "Checked automatically: the initiative's design-doc link is set.",
                },
            ),
        ],
    ),
    (
        "High-level plan",
        [
            ("Fixed scope and clear deliverables", {}),
            (
                "Milestones and plan for the work",
                {
                    "rule": "milestones_planned",
                    "guidance": "Checked automatically: at least one milestone, each with a delivery date.",
                },
            ),
            ("MVP definition", {}),
            ("Rollout plan", {}),
            (
                "Security risk level assessed, with security approval if required",
                {
                    "signoff_role": "security",
                    "rule": "security_risk_set",
                    "guidance": "The DRI sets the security risk level (low, medium, high); "
                    "a security engineer then signs off.",
                },
            ),
            ("Impact assessment timelines", {}),
        ],
    ),
    (
        "Estimates",
        [
            ("Cost projection", {"evidence": "text"}),
            ("Engineering capacity estimate", {"evidence": "text"}),
        ],
    ),
]

DONE = [
    (
        "Work is completed",
        [
            (
                "No more work required",
                {
                    "rule": "all_tasks_closed",
                    "guidance": "Checked automatically: every task is done or won't do.",
                },
            ),
            (
                "Fully tested: unit, integration, scale, load and performance as applicable",
                {"evidence": "url"},
            ),
            ("Rolled out to the applicable instances", {"evidence": "text"}),
            ("Future work tracked as tasks or issues", {}),
        ],
    ),
    (
        "Documentation is available",
        [
            ("User-facing documentation", {"evidence": "url"}),
            ("Customer-facing documentation", {"evidence": "url", "required": False}),
            ("Enablement and training material for customer-facing teams", {"required": False}),
            ("Operability documentation", {"evidence": "url"}),
        ],
    ),
    (
        "Approvals",
        [
            (
                "Security approval",
                {
                    "signoff_role": "security",
                    "risk_scaled": True,
                    "guidance": "Required for medium and high security risk; optional for low.",
                },
            ),
            ("Legal and compliance approval", {"signoff_role": "legal"}),
            ("Stakeholder sign-off", {"signoff_role": "stakeholder"}),
        ],
    ),
    (
        "Operability",
        [
            ("Rollout plan", {}),
            ("Feature-flag or rollback plan", {}),
            ("Monitoring and observability plan", {"evidence": "url"}),
            ("Impact and correctness measurement plan", {}),
            ("Cost assessment and verification plan", {"required": False}),
            ("On-call playbooks and troubleshooting docs", {"evidence": "url"}),
            ("Knowledge sharing with the team", {}),
            ("Launch questionnaire or playbook", {"required": False}),
        ],
    ),
]


def install(apps, schema_editor):
    Template = apps.get_model("initiatives", "ChecklistTemplate")
    Section = apps.get_model("initiatives", "ChecklistSection")
    Item = apps.get_model("initiatives", "TemplateItem")
    for kind, sections in (("ready", READY), ("done", DONE)):
        template, _ = Template.objects.get_or_create(team=None, kind=kind)
        if template.sections.exists():
            continue
        for s_pos, (title, items) in enumerate(sections):
            section = Section.objects.create(template=template, title=title, position=s_pos)
            Item.objects.bulk_create(
                Item(
                    section=section,
                    text=text,
                    position=i_pos,
                    required=opts.get("required", True),
                    signoff_role=opts.get("signoff_role", ""),
                    evidence=opts.get("evidence", ""),
                    rule=opts.get("rule", ""),
                    risk_scaled=opts.get("risk_scaled", False),
                    guidance=opts.get("guidance", ""),
                )
                for i_pos, (text, opts) in enumerate(items)
            )


def uninstall(apps, schema_editor):
    apps.get_model("initiatives", "ChecklistTemplate").objects.filter(team=None).delete()


class Migration(migrations.Migration):
    dependencies = [("initiatives", "0001_initial")]
    operations = [migrations.RunPython(install, uninstall)]
