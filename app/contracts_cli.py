"""`smena staffing`, `smena breaks solve`, `smena shifts design`: the specs' JSON contracts.

Thin wrappers: read one JSON document (FILE, or stdin when absent or `-`), call the pure
package, write one JSON document. Bad input: `error: <path>: <reason>` on stderr, exit 2.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from app.i18n import _
from scheduling.contract import InputError

File = Annotated[str, typer.Argument(help="JSON file; stdin when absent or -")]
TimeLimit = Annotated[float | None, typer.Option("--time-limit", help="seconds of search")]
Workers = Annotated[int, typer.Option("--workers", help="CP-SAT worker threads")]
MAX_WORKERS = 64  # threads CP-SAT starts, each with its own copy of the model


def _error(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(2)


def read_document(file: str) -> Any:
    """The JSON document in `file` (or stdin); exit 2 naming the problem when it is not one."""
    try:
        text = sys.stdin.read() if file in ("", "-") else Path(file).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else _("not UTF-8")
        raise _error(f"{file}: {reason}") from exc
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _error(
            _("input: not valid JSON at line {line}, column {column}: {reason}").format(
                line=exc.lineno, column=exc.colno, reason=exc.msg
            )
        ) from exc
    except RecursionError as exc:
        raise _error(_("input: not readable as JSON: arrays or objects nested too deep")) from exc
    except ValueError as exc:  # an integer of more digits than Python converts
        raise _error(_("input: not readable as JSON: a number with too many digits")) from exc
    if (path := _not_unicode(document)) is not None:
        raise _error(_("{path}: not valid Unicode (half of a surrogate pair)").format(path=path))
    return document


def _not_unicode(document: Any) -> str | None:
    """The path of a text (or of the object with a key) holding a lone surrogate
    escape such as "\\ud800", which JSON reads but no output can write; None when there is none."""
    stack: list[tuple[str, Any]] = [("", document)]
    while stack:  # not recursive: JSON nests deeper than Python's stack
        path, value = stack.pop()
        if isinstance(value, str) and not _encodable(value):
            return path or "input"
        if isinstance(value, dict):
            if not all(_encodable(key) for key in value):
                return path or "input"
            stack.extend((f"{path}.{key}" if path else key, v) for key, v in value.items())
        elif isinstance(value, list):
            stack.extend((f"{path}[{index}]", v) for index, v in enumerate(value))
    return None


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def run_contract(file: str, compute: Callable[[Any], dict[str, Any]]) -> None:
    """Read, compute, print; an InputError becomes `error: <path>: <reason>` and exit 2."""
    document = read_document(file)
    try:
        output = compute(document)
    except InputError as exc:
        raise _error(str(exc)) from exc
    typer.echo(json.dumps(output, ensure_ascii=False))


def staffing(file: File = "-") -> None:
    """How many agents each interval needs (Erlang C, or Erlang A with patience)."""
    from scheduling import staffing as model

    run_contract(file, lambda doc: model.results_to_json(model.solve(model.parse_cases(doc))))


breaks_cli = typer.Typer(help="Break plans (CP-SAT).", no_args_is_help=True)
shifts_cli = typer.Typer(help="Shift design (CP-SAT).", no_args_is_help=True)
roster_cli = typer.Typer(help="Rosters of named agents (CP-SAT).", no_args_is_help=True)


@breaks_cli.command("solve")
def breaks_solve(file: File = "-", time_limit: TimeLimit = None, workers: Workers = 2) -> None:
    """Place every agent's breaks to minimise the squared shortage of agents on the phones."""
    from scheduling import breaks as model
    from scheduling.breaks_input import parse_instance
    from scheduling.breaks_types import Params

    _check_params(time_limit, workers)  # before Params, which raises on what it refuses
    params = (
        Params(workers=workers)
        if time_limit is None
        else Params(time_limit_seconds=time_limit, workers=workers)
    )
    run_contract(file, lambda doc: model.plan_to_json(model.solve(parse_instance(doc), params)))


@shifts_cli.command("design")
def shifts_design(file: File = "-", time_limit: TimeLimit = None, workers: Workers = 2) -> None:
    """Choose shift starts and lengths, and head counts per day, to follow the requirement."""
    from scheduling import shifts as model
    from scheduling.shifts_domain import Params

    _check_params(time_limit, workers)  # before Params, which raises on what it refuses
    params = (
        Params(workers=workers)
        if time_limit is None
        else Params(time_limit_seconds=time_limit, workers=workers)
    )
    run_contract(file, lambda doc: model.design(doc, params))


@roster_cli.command("solve")
def roster_solve(file: File = "-", time_limit: TimeLimit = None, workers: Workers = 2) -> None:
    """Put named agents on shifts for a week or a month under the labour rules."""
    from scheduling import roster as model
    from scheduling.roster_types import Params

    _check_params(time_limit, workers)
    params = (
        Params(workers=workers)
        if time_limit is None
        else Params(time_limit_seconds=time_limit, workers=workers)
    )
    run_contract(file, lambda doc: model.roster(doc, params))


def _check_params(time_limit: float | None, workers: int) -> None:
    if time_limit is not None and not time_limit > 0:
        raise _error(_("--time-limit: must be > 0"))
    if not 1 <= workers <= MAX_WORKERS:
        raise _error(_("--workers: from 1 to {n}").format(n=MAX_WORKERS))


def register(cli: typer.Typer) -> None:
    """Add the contract commands to the `smena` command."""
    cli.command("staffing")(staffing)
    cli.add_typer(breaks_cli, name="breaks")
    cli.add_typer(shifts_cli, name="shifts")
    cli.add_typer(roster_cli, name="roster")
