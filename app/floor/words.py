"""How the Floor names agent states and scheduled activities (translated when shown)."""

from __future__ import annotations

from app.i18n import N_

STATE_LABELS = {
    "logged_out": N_("Logged out"),
    "available": N_("Available"),
    "on_call": N_("On call"),
    "wrap_up": N_("Wrap-up"),
    "break": N_("Break"),
    "lunch": N_("Lunch"),
    "meeting": N_("Meeting"),
    "training": N_("Training"),
    "other": N_("Other"),
}
ACTIVITY_LABELS = {
    "phone": N_("Phones"),
    "break": N_("Break"),
    "lunch": N_("Lunch"),
    "meeting": N_("Meeting"),
    "training": N_("Training"),
    "other": N_("Other"),
}
