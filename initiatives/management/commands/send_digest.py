from initiatives.management.commands._weekly import WeeklyJobCommand
from initiatives.models import JobKind


class Command(WeeklyJobCommand):
    help = (
        "Send a team's weekly digest for a week (default: the week just ended). Recipients "
        "who already got it are skipped, so running it again sends nothing new."
    )
    kind = JobKind.DIGEST
