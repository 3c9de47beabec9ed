"""`Liandong`: the engine's services around one database session and one clock.

    engine = Liandong(session, clock)
    engine.repository.deploy_directory(Path("processes"))
    matter = engine.runtime.start("p3_consultation_request", data, user="sunli")
    engine.tasks.complete(task_id, user="zhuling", data={...}, revision=0)
    engine.management.fire_due_timers()

Services never commit: the caller owns the transaction (a web request, a CLI command, a test).
"""
from sqlalchemy.orm import Session

from . import calendar as calendar_module
from . import tree_depth  # noqa: F401 — walk task trees past 1 000 levels before any is walked
from .clock import SystemClock
from .history import History
from .management import Management
from .monitoring import Monitoring
from .office import Office
from .signers import Signers
from .deadlines import Deadlines
from .repository import Repository
from .runtime import Runtime
from .scripting import CalendarFunctions, make_script_engine
from .tasks import Tasks
from .visibility import Visibility
from .permissions import Permissions
from .attachments import Attachments
from .worklists import Worklists
from .accountability import Accountability


class Liandong:
    def __init__(self, session: Session, clock=None):
        self.db = session
        self.clock = clock or SystemClock()
        self._functions: CalendarFunctions | None = None
        self._calendar: calendar_module.WorkingCalendar | None = None
        self.repository = Repository(session, self.clock)
        self.history = History(session, self.clock)
        self.runtime = Runtime(self)
        self.tasks = Tasks(self)
        self.management = Management(self)
        self.monitoring = Monitoring(self)
        self.office = Office(self)
        self.signers = Signers(self)
        self.deadlines = Deadlines(self)
        self.accountability = Accountability(self)
        self.worklists = Worklists(self)
        self.visibility = Visibility(self)
        self.permissions = Permissions(self)
        self.attachments = Attachments(self)

    @property
    def calendar(self) -> calendar_module.WorkingCalendar:
        if self._calendar is None:  # once per unit of work, not once per deadline shown
            self._calendar = calendar_module.load(self.db)
        return self._calendar

    @property
    def functions(self) -> CalendarFunctions:
        """Working-day functions for expressions, bound to this clock and the stored calendar."""
        if self._functions is None:
            # the calendar is read when an expression first asks about working days, not per step
            self._functions = CalendarFunctions(lambda: self.calendar, self.clock)
        return self._functions

    def script_engine(self, call_service, instance_id: int | None = None):
        return make_script_engine(self.functions, call_service, instance_id)

    def calendar_changed(self) -> None:
        self._functions = None
        self._calendar = None
