from initiatives.management.commands._weekly import WeeklyJobCommand
from initiatives.models import JobKind


class Command(WeeklyJobCommand):
    help = (
        "Remind the DRIs of a team's active initiatives without an update for a week "
        "(default: this week). A DRI already reminded that week is not reminded again."
    )
    kind = JobKind.REMINDER
