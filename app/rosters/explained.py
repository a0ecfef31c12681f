"""A roster's explanations and notes in the reader's language.

The solver keeps each sentence as a code and its figures (scheduling/roster_words lists them);
they are stored with the version and said here, days as the week's dates. A version stored
before the codes existed keeps its English sentences.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from babel.dates import format_date
from babel.numbers import format_decimal, format_percent

from app.i18n import N_, _, current_locale, ngettext_
from scheduling.roster import Explanation, Roster

Figures = Mapping[str, Any]

HOURS_RULES = ("rule_floor", "rule_ceiling")
RULE_DAYS = {
    "rule_time_off": N_("time off on {days}"),
    "rule_unavailable": N_("unavailable on {days}"),
}
PLAIN_NOTES = {
    "proven_optimal": N_("proven optimal"),
    "not_found": N_("no roster found in the time limit"),
}
CAUSES = {
    "no_shift": N_("no shift covers these slots"),
    "no_agent": N_("no agent may work a shift that covers them"),
    "optimal": N_("covering them costs more elsewhere: the roster is optimal"),
    "best_found": N_("the best roster found leaves them short"),
}
DAYS_OFF = {
    "time_off": N_("time off on {days}"),
    "unavailable": N_("unavailable (in part) on {days}"),
    "off_as_wished": N_("off as wished on {days}"),
}
WISHES = {
    "wish_other_shifts": N_(
        "wish for {what} not granted: other shifts covered more of the requirement"
    ),
    "wish_short": N_("wish for {what} not granted: {n} agent-slots would be short without them"),
    "wish_contract": N_("wish for {what} not granted: the contract hours needed the day"),
}


def as_json(line: Explanation) -> dict[str, Any]:
    """An explanation as stored with the version: its code and figures, tuples as lists."""
    return {"code": line.code, "figures": {k: _plain(v) for k, v in line.figures.items()}}


def stored(roster: Roster) -> dict[str, Any]:
    """What the job's result keeps of the explanations: per agent id, and the notes."""
    return {
        "explained": {a.id: [as_json(line) for line in a.explained] for a in roster.agents},
        "noted": [as_json(note) for note in roster.noted],
    }


def explanations(result: Mapping[str, Any] | None, days: Sequence[date]) -> dict[str, list[str]]:
    """Each agent's explanation by agent id, in the reader's language."""
    result = result or {}
    said = {
        agent: [say(line, days) for line in lines]
        for agent, lines in (result.get("explained") or {}).items()
    }
    return said or dict(result.get("explanations") or {})


@dataclass(frozen=True)
class Note:
    """A line of why a generation found no roster: about whom (an agent, or no one), and what."""

    text: str
    who: str = ""


def notes(result: Mapping[str, Any] | None, days: Sequence[date]) -> list[Note]:
    """Why a generation found no roster, in the reader's language: each agent who cannot be
    rostered with the reason, then the notes."""
    result = result or {}
    words = _Words(days)
    found = [
        Note(words.reason(a["explained"]) if a.get("explained") else a["reason"], a["agent"])
        for a in result.get("infeasible_agents") or []
    ]
    if result.get("noted") is not None:
        return found + [Note(say(note, days)) for note in result["noted"]]
    return found + [Note(str(note)) for note in result.get("notes") or []]


def say(line: Mapping[str, Any], days: Sequence[date]) -> str:
    """One stored explanation or note as a sentence."""
    code, f = str(line.get("code")), line.get("figures") or {}
    words = _Words(days)
    if code == "works":
        return words.works(f)
    if code.startswith("week_"):
        return words.week(code, f)
    if code in DAYS_OFF:
        return _(DAYS_OFF[code]).format(days=words.days(f["days"]))
    if code in WISHES:
        return _(WISHES[code]).format(what=words.wish(f), n=f.get("slots", 0))
    if code == "fairness":
        return words.fairness(f)
    return words.note(code, f)


class _Words:
    """The pieces of the sentences: days as the week's dates, hours, counts."""

    def __init__(self, days: Sequence[date]) -> None:
        self.dates = days
        self.locale = current_locale.get()

    def day(self, index: int) -> str:
        if 0 <= index < len(self.dates):
            return format_date(self.dates[index], "EEE d MMM", locale=self.locale)
        return str(index)

    def days(self, indexes: Sequence[int]) -> str:
        return ", ".join(self.day(d) for d in indexes)

    def hours(self, minutes: int) -> str:
        if minutes % 6 == 0:
            return _("{h} h").format(h=format_decimal(minutes / 60, locale=self.locale))
        return _("{h} h {m} min").format(h=minutes // 60, m=minutes % 60)

    def works(self, f: Figures) -> str:
        n, hours = f["days"], self.hours(f["minutes"])
        if f.get("credit_minutes"):
            return ngettext_(
                "{name} works {n} day, {hours}, and has {credit} of paid time off",
                "{name} works {n} days, {hours}, and has {credit} of paid time off",
                n,
            ).format(name=f["name"], n=n, hours=hours, credit=self.hours(f["credit_minutes"]))
        return ngettext_(
            "{name} works {n} day, {hours}", "{name} works {n} days, {hours}", n
        ).format(name=f["name"], n=n, hours=hours)

    def week(self, code: str, f: Figures) -> str:
        span = self.span(f)
        days = ngettext_("{n} day", "{n} days", f["days"]).format(n=f["days"])
        done = self.hours(f["minutes"])
        counted = _("{hours} with time off").format(hours=done) if f["credit_minutes"] else done
        if "target" in f:
            head = _("{span}: {days}, {hours} against a contract of {target} ± {tolerance}").format(
                span=span,
                days=days,
                hours=counted,
                target=self.hours(f["target"]),
                tolerance=self.hours(f["tolerance"]),
            )
        else:
            head = _("{span}: {days}, {hours} (at most {high})").format(
                span=span, days=days, hours=counted, high=self.hours(f["high"])
            )
        return self.week_why(code, f, head)

    def week_why(self, code: str, f: Figures, head: str) -> str:
        if code == "week_none_needed":
            return _("{head}: no day is needed").format(head=head)
        if code == "week_fewest":
            return _(
                "{head}: the fewest days that reach {low} with shifts of at most {longest}"
            ).format(head=head, low=self.hours(f["low"]), longest=self.hours(f["longest"]))
        if code == "week_short":
            top = ", ".join(
                _("{day} ({n} agent-slots)").format(day=self.day(d), n=n) for d, n in f["short"]
            )
            if f.get("more"):
                why = _("without the shift on {days} and {n} more a queue would be short")
            else:
                why = _("without the shift on {days} a queue would be short")
            why = why.format(days=top, n=f.get("more", 0))
        else:
            why = _("the other days bring the hours closer to the contract")
        if not f.get("fewest"):
            return _("{head}: {why}").format(head=head, why=why)
        if f.get("at_cap"):
            lead = _("{head}: {n} for the contract (the most a week allows), and {why}")
        else:
            lead = _("{head}: {n} for the contract, and {why}")
        return lead.format(head=head, n=f["fewest"], why=why)

    def wish(self, f: Figures) -> str:
        shift, on = f.get("shift", ""), "day" in f
        if f.get("kind") == "day_off":
            text = _("a day off on {day}") if on else _("a day off")
        elif f.get("kind") == "avoid":
            text = _("no shift {shift} on {day}") if on else _("no shift {shift}")
        else:
            text = _("shift {shift} on {day}") if on else _("shift {shift}")
        return text.format(shift=shift, day=self.day(f["day"]) if on else "")

    def fairness(self, f: Figures) -> str:
        weekend = ngettext_("{n} weekend day", "{n} weekend days", f["weekend_days"])
        late = ngettext_("{n} late shift", "{n} late shifts", f["late_shifts"])
        return _(
            "{weekend} (team average {weekend_mean}), {late} (team average {late_mean})"
        ).format(
            weekend=weekend.format(n=f["weekend_days"]),
            late=late.format(n=f["late_shifts"]),
            weekend_mean=format_decimal(f["weekend_mean"], "0.0", locale=self.locale),
            late_mean=format_decimal(f["late_mean"], "0.0", locale=self.locale),
        )

    def note(self, code: str, f: Figures) -> str:
        if code in PLAIN_NOTES:
            return _(PLAIN_NOTES[code])
        if code == "time_limit":
            seconds = format_decimal(f["seconds"], locale=self.locale)
            if "bound" not in f:
                return _("time limit of {seconds} s reached; no bound proven").format(
                    seconds=seconds
                )
            return _("time limit of {seconds} s reached; best bound {bound}, gap {gap}").format(
                seconds=seconds,
                bound=f["bound"],
                gap=format_percent(f["gap"], "0.0%", locale=self.locale),
            )
        if code == "short_run":
            return _("{queue}: {first} to {end}: {n} agent-slots short ({why})").format(
                queue=f["queue"],
                first=self.clock(f["first_day"], f["first_minutes"]),
                end=self.clock(f["end_day"], f["end_minutes"]),
                n=f["slots"],
                why=_(CAUSES.get(str(f["cause"]), CAUSES["best_found"])),
            )
        return self.counted_note(code, f)

    def counted_note(self, code: str, f: Figures) -> str:
        if code == "more_runs":
            n = f["runs"]
            return ngettext_("and {n} more such run", "and {n} more such runs", n).format(n=n)
        if code == "cannot_roster":
            n = f["agents"]
            return ngettext_(
                "{n} agent cannot be rostered under their own rules, contract and time off",
                "{n} agents cannot be rostered under their own rules, contract and time off",
                n,
            ).format(n=n)
        return code  # a code this version of the app does not know: shown as it is

    def reason(self, lines: Sequence[Figures]) -> str:
        """Why an agent cannot be rostered: the clash, then the rules that clash."""
        clash, rules = lines[0], lines[1:]
        code, f = clash["code"], clash["figures"]
        name = f.get("name", "")
        if code == "credit_over_ceiling":
            return _(
                "{name}: the time-off credit alone, {credit}, is over the most allowed in "
                "week {n} ({first} to {last}), {high}"
            ).format(
                name=name,
                credit=self.hours(f["credit"]),
                high=self.hours(f["high"]),
                **self.week_of(f),
            )
        said = [self.rule(r["code"], r["figures"]) for r in rules]
        if code == "no_mix":
            lengths = ", ".join(self.hours(m) for m in sorted(set(f["lengths"])))
            return _("{name}: no mix of shifts ({lengths}) gives {rules}").format(
                name=name, lengths=lengths, rules=self.both(said)
            )
        if code == "hours_unmet":
            contract = [t for t, r in zip(said, rules, strict=True) if r["code"] in HOURS_RULES]
            others = [t for t, r in zip(said, rules, strict=True) if r["code"] not in HOURS_RULES]
            return _("{name}: {contract} cannot be met with {others}").format(
                name=name, contract=self.both(contract), others="; ".join(others)
            )
        if code == "rules_clash":
            return _("{name}: these rules cannot all hold: {rules}").format(
                name=name, rules="; ".join(said)
            )
        return _("{name}: the rules cannot all hold (no smaller set of rules was found)").format(
            name=name
        )

    def rule(self, code: str, f: Figures) -> str:
        """One of the rules that clash."""
        if code in RULE_DAYS:
            return _(RULE_DAYS[code]).format(days=self.days(f["days"]) or _("no day"))
        if code == "rule_rest":
            return _("{hours} rest between shifts").format(hours=self.hours(f["minutes"]))
        if code == "rule_consecutive":
            n, before = f["days"], f.get("before", 0)
            if before:
                return ngettext_(
                    "at most {n} day in a row ({before} worked just before)",
                    "at most {n} days in a row ({before} worked just before)",
                    n,
                ).format(n=n, before=before)
            return ngettext_("at most {n} day in a row", "at most {n} days in a row", n).format(n=n)
        if code == "rule_week_cap":
            n = f["shifts"]
            return ngettext_("at most {n} shift a week", "at most {n} shifts a week", n).format(n=n)
        return self.hours_rule(code, f)

    def hours_rule(self, code: str, f: Figures) -> str:
        if code not in HOURS_RULES:
            return _("rest after the last shift before the roster")
        week = self.week_of(f) | {"hours": self.hours(f["minutes"])}
        if code == "rule_floor":
            return _("at least {hours} in week {n} ({first} to {last})").format(**week)
        if f.get("credit"):
            return _(
                "at most {hours} in week {n} ({first} to {last}), {credit} of it time-off credit"
            ).format(**week, credit=self.hours(f["credit"]))
        return _("at most {hours} in week {n} ({first} to {last})").format(**week)

    def span(self, f: Figures) -> str:
        return _("week {n} ({first} to {last})").format(**self.week_of(f))

    @staticmethod
    def both(parts: Sequence[str]) -> str:
        word = _("and")
        return f" {word} ".join(parts)

    def week_of(self, f: Figures) -> dict[str, Any]:
        """The figures of a week: its number and its first and last days."""
        return {"n": f["week"], "first": self.day(f["first"]), "last": self.day(f["last"])}

    def clock(self, day: int, minutes: int) -> str:
        return f"{self.day(day)} {minutes // 60:02d}:{minutes % 60:02d}"


def _plain(value: object) -> object:
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    return value
