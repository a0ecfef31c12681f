"""Every route handler is a plain `def`, so FastAPI runs it in its threadpool.

An `async def` handler runs on the event loop: its synchronous database work (and a SQLite
write waiting for the lock) holds up every other request and the Floor's streams. A form is
read by the `Posted`/`Uploaded` dependencies (app/forms.py, app/uploads.py) instead.
"""

from __future__ import annotations

import inspect

from fastapi import FastAPI

from tests.app.test_route_guards import _api_routes

# The only handlers allowed on the event loop, each for a reason:
ASYNC_ALLOWED = {
    # A server-sent-event stream: it waits on the broadcast queue; its reads go to a thread.
    ("GET", "/floor/stream"),
    # Reads the JSON body, then ingests in a worker thread under the site's feed lock.
    ("POST", "/api/v1/events"),
}


def _async_routes(app: FastAPI) -> set[tuple[str, str]]:
    routes = list(_api_routes(app))
    assert len(routes) > 40  # the walk reaches the included routers' routes
    return {
        (method, path)
        for path, route in routes
        if inspect.iscoroutinefunction(route.endpoint)
        for method in route.methods
    }


def test_no_async_handler_outside_the_allowlist(app: FastAPI) -> None:
    unexpected = _async_routes(app) - ASYNC_ALLOWED
    assert not unexpected, (
        f"async def handlers run their database work on the event loop: {sorted(unexpected)}; "
        "make them plain `def` and take the form as `posted: Posted` (app/forms.py)"
    )


def test_the_allowlist_names_only_async_routes(app: FastAPI) -> None:
    # A stale entry would let a new async route at that path through unnoticed.
    assert _async_routes(app) >= ASYNC_ALLOWED
