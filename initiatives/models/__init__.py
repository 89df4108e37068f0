"""Tables and their invariants (constraints, choices). Imports nothing of the project above it."""

from initiatives.models.activity import ActivityEvent, AppendOnlyError
from initiatives.models.checklist import (
    ChecklistItem,
    ChecklistSection,
    ChecklistTemplate,
    TemplateItem,
)
from initiatives.models.choices import (
    CLOSED_TASK_STATES,
    HEALTH_COLOUR,
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
from initiatives.models.initiative import ACTIVE_STATES, Initiative, Milestone, MilestoneSlip, Task
from initiatives.models.profile import Profile
from initiatives.models.team import Membership, Team, Weekday
from initiatives.models.updates import StatusUpdate, StatusUpdateRevision
from initiatives.models.weekly import (
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
    "HEALTH_COLOUR",
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
    "Profile",
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
