"""One hand move of a break: hard rules, the agent's own rules, the cap, and coverage."""

from __future__ import annotations

import random

from scheduling.break_move import Move, OwnBreak, check_move

SHIFT = 540  # 9 hours


def _day(**kwargs: object) -> Move:
    """A 9-hour shift with a break at 1:30, lunch at 4:00 and a break at 6:30."""
    breaks = (
        OwnBreak("break1", 90, 15, 60, 150),
        OwnBreak("lunch", 240, 30, 180, 330),
        OwnBreak("break2", 390, 15, 360, 450),
    )
    base: dict[str, object] = {"shift_end": SHIFT, "breaks": breaks, "moved": 1, "new_start": 270}
    return Move(**(base | kwargs))  # type: ignore[arg-type]


def _rules(move: Move) -> list[str]:
    return [f.rule for f in check_move(move).findings]


def test_a_move_inside_every_rule_with_enough_people_is_approvable() -> None:
    move = _day(
        min_work=30,
        max_work=180,
        max_on_break=2,
        others_on_break=(1,) * SHIFT,
        others_on_phones=(5,) * SHIFT,
        requirement=(5,) * SHIFT,
    )
    assert check_move(move).approvable_alone
    assert check_move(move).findings == ()


def test_hard_rules_come_alone_and_are_named() -> None:
    outside = check_move(_day(new_start=520))
    assert [f.rule for f in outside.findings] == ["inside_shift"]
    assert outside.hard == outside.findings
    overlap = check_move(_day(new_start=380, requirement=(0,) * SHIFT))
    assert [(f.rule, f.start, f.end, f.value) for f in overlap.findings] == [
        ("overlap", 390, 405, 2)
    ]


def test_a_break_may_pass_another_but_every_overlap_is_named() -> None:
    # The first break moved past lunch, in its own free time: no overlap, only its window.
    past = check_move(_day(moved=0, new_start=300, requirement=(0,) * SHIFT))
    assert [f.rule for f in past.findings] == ["window"]
    # A long lunch moved over both short breaks overlaps each of them.
    wide = (OwnBreak("break1", 90, 15), OwnBreak("lunch", 240, 330), OwnBreak("break2", 400, 15))
    both = check_move(_day(breaks=wide, new_start=80))
    assert [(f.rule, f.start, f.end, f.value) for f in both.findings] == [
        ("overlap", 90, 105, 0),
        ("overlap", 400, 410, 2),
    ]


def test_window_is_checked_for_the_moved_break_only() -> None:
    late = check_move(_day(new_start=335, requirement=(0,) * SHIFT))
    assert [(f.rule, f.value, f.limit) for f in late.findings] == [("window", 335, 330)]
    early = check_move(_day(new_start=170, requirement=(0,) * SHIFT))
    assert [(f.rule, f.value, f.limit) for f in early.findings] == [("window", 170, 180)]


def test_only_stretches_the_move_creates_are_judged() -> None:
    # Before the move the first stretch (0-90) is already longer than max_work 80: not the move's.
    move = _day(new_start=120, max_work=80, min_work=0, requirement=(0,) * SHIFT)
    findings = [f for f in check_move(move).findings if f.rule != "window"]
    # new stretches: 105-120 and 150-390 (240 > 80); 0-90 was there before.
    assert [(f.rule, f.start, f.end) for f in findings] == [("max_work", 150, 390)]
    verdict = check_move(_day(new_start=115, min_work=20, requirement=(0,) * SHIFT))
    short = [f for f in verdict.findings if f.rule != "window"]
    assert [(f.rule, f.start, f.end, f.value) for f in short] == [("min_work", 105, 115, 10)]


def test_cap_counts_only_the_minutes_newly_on_break() -> None:
    others = [0] * SHIFT
    for m in range(260, 280):  # two others on a break from 4:20 to 4:40
        others[m] = 2
    findings = check_move(
        _day(new_start=250, max_on_break=2, others_on_break=tuple(others), requirement=(0,) * SHIFT)
    ).findings
    # The lunch already covered 250-270; only 270-280 is new and over the cap.
    assert [(f.rule, f.start, f.end, f.value, f.limit) for f in findings] == [
        ("cap", 270, 280, 3, 2)
    ]


def test_coverage_is_worse_only_where_the_others_fall_short() -> None:
    phones = [4] * SHIFT
    phones[275] = phones[276] = 3
    findings = check_move(
        _day(new_start=270, others_on_phones=tuple(phones), requirement=(4,) * SHIFT)
    ).findings
    assert [(f.rule, f.start, f.end, f.value, f.limit) for f in findings] == [
        ("coverage", 275, 277, 3, 4)
    ]


def test_unknown_requirement_never_approves_a_real_move() -> None:
    verdict = check_move(_day(new_start=250))
    assert [f.rule for f in verdict.findings] == ["requirement_unknown"]
    assert not verdict.approvable_alone
    assert check_move(_day(new_start=240)).approvable_alone  # no move at all


def _shortage(requirement: list[int], phones: list[int]) -> list[int]:
    return [max(0, r - p) for r, p in zip(requirement, phones, strict=True)]


def test_approvable_moves_never_deepen_a_shortage_nor_break_the_cap() -> None:
    """Property, against a direct recomputation of the floor before and after the move."""
    rng = random.Random(11)
    for _ in range(300):
        others_phones = [rng.randint(0, 6) for _ in range(SHIFT)]
        others_break = [rng.randint(0, 3) for _ in range(SHIFT)]
        requirement = [rng.randint(0, 7) for _ in range(SHIFT)]
        move = _day(
            new_start=rng.randint(150, 360),
            max_on_break=rng.randint(1, 4),
            others_on_break=tuple(others_break),
            others_on_phones=tuple(others_phones),
            requirement=tuple(requirement),
        )
        verdict = check_move(move)
        lunch = move.breaks[1]
        old = set(range(lunch.start, lunch.start + lunch.length))
        new = set(range(move.new_start, move.new_start + lunch.length))
        me_before = [p + (m not in old) for m, p in enumerate(others_phones)]
        me_after = [p + (m not in new) for m, p in enumerate(others_phones)]
        before = _shortage(requirement, me_before)
        after = _shortage(requirement, me_after)
        worse = any(a > b for a, b in zip(after, before, strict=True))
        over = any(others_break[m] + 1 > (move.max_on_break or 0) for m in new - old)
        rules = {f.rule for f in verdict.findings}
        assert ("coverage" in rules) == worse
        if not rules & {"inside_shift", "overlap"}:
            assert ("cap" in rules) == over
        if verdict.approvable_alone:
            assert not worse and not over
