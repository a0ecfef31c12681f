"""Shared fixtures for the kpi tests: the Anonymous Bank data, read once per session."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from kpi.anonymous_bank import BankCall, parse_bank_calls, to_call_record
from kpi.records import CallRecord

BANK_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "anonymous_bank"
SITE_TZ = ZoneInfo("Asia/Jerusalem")  # where the bank was


@pytest.fixture(scope="session")
def bank_dir() -> Path:
    if not BANK_DIR.is_dir():
        pytest.skip(
            f"Anonymous Bank data not found at {BANK_DIR} (expected ../shared next to the repo)"
        )
    return BANK_DIR


@pytest.fixture(scope="session")
def january_text(bank_dir: Path) -> str:
    return (bank_dir / "january.txt").read_bytes().decode("ascii")  # keeps the CRLF line ends


@pytest.fixture(scope="session")
def october_text(bank_dir: Path) -> str:
    return (bank_dir / "october.txt").read_bytes().decode("ascii")  # keeps the CRLF line ends


@pytest.fixture(scope="session")
def january_rows(january_text: str) -> tuple[BankCall, ...]:
    return parse_bank_calls(january_text)


@pytest.fixture(scope="session")
def october_rows(october_text: str) -> tuple[BankCall, ...]:
    return parse_bank_calls(october_text)


@pytest.fixture(scope="session")
def january_calls(january_rows: tuple[BankCall, ...]) -> tuple[CallRecord, ...]:
    records = (to_call_record(row, tz=SITE_TZ) for row in january_rows)
    return tuple(record for record in records if record is not None)
