"""A roster's explanations and notes in English, as the JSON of specs/shifts.md gives them.

The app says the same `Explanation`s in the reader's language. The agents' codes are listed in
roster_explain; the notes' codes and figures (roster_report):

- proven_optimal; time_limit: seconds, and with a bound, bound and gap (a fraction);
- short_run: queue, first_day, first_minutes, end_day, end_minutes (minutes of the day),
  slots (agent-slots short), cause (no_shift, no_agent, optimal, best_found); more_runs: runs;
- cannot_roster: agents; not_found.

Why an agent cannot be rostered (roster_check) is a clash, then the rules that clash:

- clash_unknown: name (no rules follow); credit_over_ceiling: name, week, first, last,
  credit, high (no rules follow); no_mix: name, lengths (the shifts' minutes); hours_unmet:
  name (rule_floor and rule_ceiling against the others); rules_clash: name;
- rule_time_off, rule_unavailable: days; rule_last_shift; rule_rest: minutes;
  rule_consecutive: days, before (days worked just before); rule_week_cap: shifts;
  rule_floor: week, first, last, minutes; rule_ceiling: the same and credit.
"""

from __future__ import annotations

from collections.abc import Mapping

from scheduling.roster_domain import day_label, hours
from scheduling.roster_types import Explanation, Figure, Instance


def in_english(instance: Instance, line: Explanation) -> str:
    """One explanation as a sentence."""
    f = line.figures
    if line.code == "works":
        text = f"{f['name']} works {_count(_int(f, 'days'), 'day')}, {hours(_int(f, 'minutes'))}"
        credit = _int(f, "credit_minutes")
        return text + (f", and has {hours(credit)} of paid time off" if credit else "")
    if line.code.startswith("week_"):
        return _week(instance, line)
    if line.code in ("time_off", "unavailable", "off_as_wished"):
        lead = {
            "time_off": "time off on",
            "unavailable": "unavailable (in part) on",
            "off_as_wished": "off as wished on",
        }[line.code]
        return f"{lead} {_days(instance, _ints(f, 'days'))}"
    if line.code.startswith("wish_"):
        return _wish(instance, line)
    if line.code == "fairness":
        return (
            f"{_count(_int(f, 'weekend_days'), 'weekend day')} (team average "
            f"{_number(f, 'weekend_mean'):.1f}), {_count(_int(f, 'late_shifts'), 'late shift')}"
            f" (team average {_number(f, 'late_mean'):.1f})"
        )
    raise ValueError(f"no words for the explanation {line.code!r}")


def note_in_english(instance: Instance | None, note: Explanation) -> str:
    """One note on a roster as a sentence (only cannot_roster may go without an instance)."""
    f = note.figures
    if note.code in PLAIN_NOTES:
        return PLAIN_NOTES[note.code]
    if note.code == "time_limit":
        limit = f"time limit of {_number(f, 'seconds'):g} s reached"
        if "bound" not in f:
            return f"{limit}; no bound proven"
        return f"{limit}; best bound {f['bound']}, gap {_number(f, 'gap'):.1%}"
    if note.code == "short_run" and instance is not None:
        why = CAUSES[str(f["cause"])]
        return (
            f"{f['queue']}: {_clock(instance, f, 'first')} to {_clock(instance, f, 'end')}: "
            f"{f['slots']} agent-slots short ({why})"
        )
    if note.code == "more_runs":
        return f"and {f['runs']} more such runs"
    if note.code == "cannot_roster":
        who = "agent" if _int(f, "agents") == 1 else "agents"
        return (
            f"{f['agents']} {who} cannot be rostered under their own rules, contract and time off"
        )
    raise ValueError(f"no words for the note {note.code!r}")


def reason_in_english(instance: Instance, lines: tuple[Explanation, ...]) -> str:
    """Why an agent cannot be rostered, as one sentence: the clash, then its rules."""
    clash, rules = lines[0], lines[1:]
    f, name = clash.figures, clash.figures["name"]
    if clash.code == "clash_unknown":
        return f"{name}: the rules cannot all hold (no smaller set of rules was found)"
    if clash.code == "credit_over_ceiling":
        return (
            f"{name}: the time-off credit alone, {hours(_int(f, 'credit'))}, is over the "
            f"most allowed in {_span(instance, f)}, {hours(_int(f, 'high'))}"
        )
    said = [_rule(instance, rule) for rule in rules]
    if clash.code == "no_mix":
        lengths = sorted({hours(m) for m in _ints(f, "lengths")})
        return f"{name}: no mix of shifts ({', '.join(lengths)}) gives " + " and ".join(said)
    if clash.code == "hours_unmet":
        contract = [t for t, r in zip(said, rules, strict=True) if r.code in HOURS_RULES]
        others = [t for t, r in zip(said, rules, strict=True) if r.code not in HOURS_RULES]
        return f"{name}: {' and '.join(contract)} cannot be met with " + "; ".join(others)
    return f"{name}: these rules cannot all hold: " + "; ".join(said)


HOURS_RULES = ("rule_floor", "rule_ceiling")


def _rule(instance: Instance, rule: Explanation) -> str:
    f = rule.figures
    if rule.code in HOURS_RULES:
        return _hours_rule(instance, rule)
    if rule.code in ("rule_time_off", "rule_unavailable"):
        lead = "time off on" if rule.code == "rule_time_off" else "unavailable on"
        return f"{lead} {_days(instance, _ints(f, 'days')) or 'no day'}"
    if rule.code == "rule_rest":
        return f"{hours(_int(f, 'minutes'))} rest between shifts"
    if rule.code == "rule_consecutive":
        before = _int(f, "before")
        return f"at most {f['days']} days in a row" + (
            f" ({before} worked just before)" if before else ""
        )
    if rule.code == "rule_week_cap":
        return f"at most {f['shifts']} shifts a week"
    return "rest after the last shift before the roster"  # rule_last_shift


def _hours_rule(instance: Instance, rule: Explanation) -> str:
    f = rule.figures
    if rule.code == "rule_floor":
        return f"at least {hours(_int(f, 'minutes'))} in {_span(instance, f)}"
    credit = _int(f, "credit")
    of_it = f", {hours(credit)} of it time-off credit" if credit else ""
    return f"at most {hours(_int(f, 'minutes'))} in {_span(instance, f)}{of_it}"


def _span(instance: Instance, figures: Mapping[str, Figure]) -> str:
    first, last = _int(figures, "first"), _int(figures, "last")
    return f"week {figures['week']} ({day_label(instance, first)} to {day_label(instance, last)})"


PLAIN_NOTES = {
    "proven_optimal": "proven optimal",
    "not_found": "no roster found in the time limit",
}
CAUSES = {
    "no_shift": "no shift covers these slots",
    "no_agent": "no agent may work a shift that covers them",
    "optimal": "covering them costs more elsewhere: the roster is optimal",
    "best_found": "the best roster found leaves them short",
}


def _clock(instance: Instance, figures: Mapping[str, Figure], name: str) -> str:
    minutes = _int(figures, f"{name}_minutes")
    day = day_label(instance, _int(figures, f"{name}_day"))
    return f"{day} {minutes // 60:02d}:{minutes % 60:02d}"


def _week(instance: Instance, line: Explanation) -> str:
    f = line.figures
    span = _span(instance, f)
    done = hours(_int(f, "minutes"))
    counted = f"{done} with time off" if _int(f, "credit_minutes") else done
    days = _count(_int(f, "days"), "day")
    if "target" in f:
        head = (
            f"{span}: {days}, {counted} against a contract of "
            f"{hours(_int(f, 'target'))} ± {hours(_int(f, 'tolerance'))}"
        )
    else:
        head = f"{span}: {days}, {counted} (at most {hours(_int(f, 'high'))})"
    if line.code == "week_none_needed":
        return f"{head}: no day is needed"
    if line.code == "week_fewest":
        return (
            f"{head}: the fewest days that reach {hours(_int(f, 'low'))} with shifts of at "
            f"most {hours(_int(f, 'longest'))}"
        )
    most = " (the most a week allows)" if _int(f, "at_cap") else ""
    fewest = _int(f, "fewest")
    why = f"{head}: {fewest} for the contract{most}, and " if fewest else f"{head}: "
    if line.code == "week_short":
        top = ", ".join(
            f"{day_label(instance, day)} ({slots} agent-slots)" for day, slots in _pairs(f, "short")
        )
        more = f" and {f['more']} more" if _int(f, "more") else ""
        return f"{why}without the shift on {top}{more} a queue would be short"
    return f"{why}the other days bring the hours closer to the contract"


def _wish(instance: Instance, line: Explanation) -> str:
    f = line.figures
    on = f" on {day_label(instance, _int(f, 'day'))}" if "day" in f else ""
    what = {
        "day_off": f"a day off{on}",
        "shift": f"shift {f['shift']}{on}",
        "avoid": f"no shift {f['shift']}{on}",
    }[str(f["kind"])]
    if line.code == "wish_short":
        return f"wish for {what} not granted: {f['slots']} agent-slots would be short without them"
    if line.code == "wish_contract":
        return f"wish for {what} not granted: the contract hours needed the day"
    return f"wish for {what} not granted: other shifts covered more of the requirement"


def _count(number: int, thing: str) -> str:
    return f"{number} {thing}" + ("" if number == 1 else "s")


def _days(instance: Instance, days: tuple[int, ...]) -> str:
    return ", ".join(day_label(instance, d) for d in days)


def _int(figures: Mapping[str, Figure], key: str) -> int:
    value = figures[key]
    if not isinstance(value, int):
        raise TypeError(f"{key} must be an integer, not {value!r}")
    return value


def _ints(figures: Mapping[str, Figure], key: str) -> tuple[int, ...]:
    value = figures[key]
    if not isinstance(value, tuple):
        raise TypeError(f"{key} must be a tuple of days, not {value!r}")
    return tuple(int(d) for d in value if isinstance(d, int))


def _number(figures: Mapping[str, Figure], key: str) -> float:
    value = figures[key]
    if not isinstance(value, int | float):
        raise TypeError(f"{key} must be a number, not {value!r}")
    return value


def _pairs(figures: Mapping[str, Figure], key: str) -> list[tuple[int, int]]:
    value = figures[key]
    if not isinstance(value, tuple):
        raise TypeError(f"{key} must be a tuple of (day, count), not {value!r}")
    return [(int(pair[0]), int(pair[1])) for pair in value if isinstance(pair, tuple)]
