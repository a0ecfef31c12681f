"""Requests to move a break: checked against the rules and coverage, approved or refused."""
