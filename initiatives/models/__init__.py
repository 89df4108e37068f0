from .activity import ActivityEvent, AppendOnlyError
from .checklist import ChecklistItem, ChecklistSection, ChecklistTemplate, TemplateItem
from .choices import (
    CLOSED_TASK_STATES,
    ChecklistKind,
    Evidence,
    Health,
    ItemStatus,
    MilestoneState,
    Role,
    Rule,
    SecurityRisk,
    SignoffRole,
    State,
    TaskState,
)
from .initiative import ACTIVE_STATES, Initiative, Milestone, MilestoneSlip, Task
from .team import Membership, Team, Weekday
from .updates import StatusUpdate, StatusUpdateRevision
from .weekly import (
    DeliveryStatus,
    DigestSubscription,
    EmailDelivery,
    JobKind,
    JobRun,
    JobStatus,
)

__all__ = [
    "ACTIVE_STATES",
    "CLOSED_TASK_STATES",
    "ActivityEvent",
    "AppendOnlyError",
    "ChecklistItem",
    "ChecklistKind",
    "ChecklistSection",
    "ChecklistTemplate",
    "DeliveryStatus",
    "DigestSubscription",
    "EmailDelivery",
    "Evidence",
    "Health",
    "Initiative",
    "ItemStatus",
    "JobKind",
    "JobRun",
    "JobStatus",
    "Membership",
    "Milestone",
    "MilestoneSlip",
    "MilestoneState",
    "Role",
    "Rule",
    "SecurityRisk",
    "SignoffRole",
    "State",
    "StatusUpdate",
    "StatusUpdateRevision",
    "Task",
    "TaskState",
    "Team",
    "TemplateItem",
    "Weekday",
]
