"""What the CSV upload pages' tests share: post a file, read back the bad lines listed."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from app import i18n

ROW = re.compile(r"<tr><td>([^<]*)</td><td>([^<]*)</td><td>([^<]*)</td></tr>")


def upload(
    client: TestClient, url: str, site_id: int, content: str | bytes, name: str, **fields: str
) -> str:
    """Post `content` as the file `name` for the site; the answer as "<status> <page>"."""
    raw = content.encode() if isinstance(content, str) else content
    response = client.post(
        url, data={"site_id": str(site_id), **fields}, files={"file": (name, raw, "text/csv")}
    )
    return f"{response.status_code} {response.text}"


def bad_lines(page: str) -> list[tuple[str, str, str]]:
    """The (line, column, reason) rows of the page's table of bad lines, as text."""
    rows = ROW.findall(page[page.index('id="import-errors"') :])
    return [(html.unescape(a), html.unescape(b), html.unescape(c)) for a, b, c in rows]


@pytest.fixture
def english() -> Iterator[None]:
    """Messages of a service called outside a request, in English."""
    token = i18n.current_locale.set("en")
    yield
    i18n.current_locale.reset(token)
