"""Every table of smena; importing this package registers them all on Base.metadata."""

from app.models.audit import AuditEntry
from app.models.auth import LoginFailure
from app.models.events import AcdEvent, AgentStateInterval, ApiToken, Call
from app.models.floor import FloorAlert
from app.models.jobs import Job, JobStatus, ScheduledRun
from app.models.operator_day import BreakMoveRequest, BreakView, CalendarFeed, MoveState
from app.models.org import Agent, AgentSkill, Queue, Role, Site, Team, User
from app.models.planning import (
    IntervalHistory,
    StaffingPlan,
    StaffingPlanInterval,
    StoredForecast,
)
from app.models.rosters import (
    RequestState,
    RosterEntry,
    RosterStatus,
    RosterVersion,
    SwapRequest,
    TimeOffRequest,
)
from app.models.schedule import (
    BreakPolicy,
    BreakRule,
    BreakState,
    BreakType,
    PlannedBreak,
    Shift,
    ShiftTemplate,
)

__all__ = [
    "AcdEvent",
    "Agent",
    "AgentSkill",
    "AgentStateInterval",
    "ApiToken",
    "AuditEntry",
    "BreakMoveRequest",
    "BreakPolicy",
    "BreakRule",
    "BreakState",
    "BreakType",
    "BreakView",
    "CalendarFeed",
    "Call",
    "FloorAlert",
    "IntervalHistory",
    "Job",
    "JobStatus",
    "LoginFailure",
    "MoveState",
    "PlannedBreak",
    "Queue",
    "RequestState",
    "Role",
    "RosterEntry",
    "RosterStatus",
    "RosterVersion",
    "ScheduledRun",
    "Shift",
    "ShiftTemplate",
    "Site",
    "StaffingPlan",
    "StaffingPlanInterval",
    "StoredForecast",
    "SwapRequest",
    "Team",
    "TimeOffRequest",
    "User",
]
