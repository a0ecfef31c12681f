"""The application factory: middleware, error pages and every feature's routes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import quote, urlsplit

from fastapi import Depends, FastAPI, Request
from fastapi.exception_handlers import request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import PlainTextResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app import i18n
from app.admin.routes import router as admin_router
from app.auth.guards import CsrfRejected, Forbidden, LoginRequired, csrf_protect
from app.auth.routes import router as auth_router
from app.break_moves.routes import router as break_moves_router
from app.break_rules.routes import router as break_rules_router
from app.breaks.routes import router as breaks_router
from app.config import Settings, get_settings
from app.db import make_engine, make_sessionmaker
from app.events.api import router as events_api_router
from app.events.routes import router as events_router
from app.floor.broadcast import stop_bridges
from app.floor.routes import router as floor_router
from app.i18n import _
from app.jobs.routes import router as jobs_router
from app.jobs.worker import Worker
from app.me.routes import router as me_router
from app.planning.routes import router as planning_router
from app.reports.api import router as reports_api_router
from app.reports.routes import router as reports_router
from app.rosters.request_routes import router as roster_requests_router
from app.rosters.routes import router as rosters_router
from app.shifts.routes import router as shifts_router
from app.web import STATIC_DIR, is_htmx, render

SESSION_MAX_AGE_SECONDS = 12 * 3600
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; frame-ancestors 'none'"
    ),
}


class LocaleMiddleware:
    """Sets the request's language from the session, else Accept-Language; adds headers."""

    def __init__(self, app: ASGIApp, default_locale: str) -> None:
        self.app = app
        self.default_locale = default_locale

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        accept = dict(scope["headers"]).get(b"accept-language", b"").decode("latin-1")
        session = scope.get("session", {})
        i18n.current_locale.set(
            i18n.pick_locale(session.get("locale"), accept, self.default_locale)
        )

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += [(k.lower().encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Start the in-process job worker (embedded default) and stop it on shutdown."""
    settings: Settings = app.state.settings
    worker = None
    if settings.runs_jobs_in_process():
        worker = Worker(app.state.sessionmaker, concurrency=settings.job_workers)
        worker.start()
    app.state.worker = worker
    yield
    await stop_bridges()
    if worker is not None:
        worker.stop()
    app.state.engine.dispose()


def create_app(settings: Settings | None = None) -> FastAPI:
    """A configured smena application (tests pass their own settings)."""
    settings = settings or get_settings()
    i18n.compile_catalogs()
    app = FastAPI(
        title="smena",
        lifespan=_lifespan,
        dependencies=[Depends(csrf_protect)],
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.state.settings = settings
    app.state.engine = make_engine(settings.resolved_database_url())
    app.state.sessionmaker = make_sessionmaker(app.state.engine)
    app.add_middleware(LocaleMiddleware, default_locale=settings.default_locale)
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.resolved_secret_key(),
        session_cookie="smena",
        max_age=SESSION_MAX_AGE_SECONDS,
        same_site="lax",
        https_only=settings.https_only,
    )
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.include_router(auth_router)
    app.include_router(admin_router)
    app.include_router(shifts_router)
    app.include_router(planning_router)
    app.include_router(breaks_router)
    app.include_router(jobs_router)
    app.include_router(events_api_router)
    app.include_router(events_router)
    app.include_router(break_rules_router)
    app.include_router(break_moves_router)
    app.include_router(me_router)
    app.include_router(roster_requests_router)
    app.include_router(rosters_router)
    app.include_router(reports_router)
    app.include_router(reports_api_router)
    app.include_router(floor_router)
    app.add_api_route("/healthz", _healthz, methods=["GET"], include_in_schema=False)
    _add_error_pages(app)
    return app


def _healthz() -> PlainTextResponse:
    return PlainTextResponse("ok")


def _return_path(request: Request) -> str:
    """Where to come back to after signing in: the page's path and query.

    An htmx request asks for a fragment; the page the user sees is in HX-Current-URL.
    """
    url = request.url
    current = urlsplit(request.headers.get("HX-Current-URL", "")) if is_htmx(request) else None
    if current is not None and current.netloc == url.netloc and current.path.startswith("/"):
        return current.path + (f"?{current.query}" if current.query else "")
    return url.path + (f"?{url.query}" if url.query else "")


def _bad_input_message(exc: RequestValidationError) -> str:
    """Each parameter the URL or form got wrong, named with the value it had."""
    sentences = []
    for error in exc.errors():
        name = str(error["loc"][-1]) if error.get("loc") else "?"
        value = str(error.get("input", ""))
        value = value if len(value) <= 40 else value[:40] + "…"
        kind = str(error.get("type", ""))
        if kind == "missing":
            sentence = _("{name}: a value is required.")
        elif kind.startswith("date"):
            sentence = _("{name}: “{value}” is not a date (YYYY-MM-DD).")
        elif kind.startswith("int"):
            sentence = _("{name}: “{value}” is not a whole number.")
        else:
            sentence = _("{name}: “{value}” is not a valid value.")
        sentences.append(sentence.format(name=name, value=value))
    return " ".join(sentences)


def _add_error_pages(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def _bad_input(request: Request, exc: RequestValidationError) -> Response:
        """JSON for the API; for a page, the error page (an htmx fragment: a flash)."""
        if request.url.path.startswith("/api/"):
            return await request_validation_exception_handler(request, exc)
        context = {"message": _bad_input_message(exc)}
        if is_htmx(request) and request.headers.get("HX-Boosted") != "true":
            headers = {"HX-Retarget": "#flashes", "HX-Reswap": "innerHTML"}
            return render(request, "_error.html", context, status_code=422, headers=headers)
        return render(request, "error.html", context, status_code=422)

    @app.exception_handler(LoginRequired)
    async def _login_required(request: Request, _exc: LoginRequired) -> Response:
        target = "/login?next=" + quote(_return_path(request), safe="/")
        if is_htmx(request):
            return Response(status_code=401, headers={"HX-Redirect": target})
        return RedirectResponse(target, status_code=303)

    @app.exception_handler(Forbidden)
    async def _forbidden(request: Request, _exc: Forbidden) -> Response:
        message = _("Your role does not give access to this page.")
        return render(request, "error.html", {"message": message}, status_code=403)

    @app.exception_handler(CsrfRejected)
    async def _csrf(request: Request, _exc: CsrfRejected) -> Response:
        message = _("The form has expired. Reload the page and try again.")
        return render(request, "error.html", {"message": message}, status_code=403)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        messages = {
            404: _("Nothing here: the page or record does not exist."),
            405: _("This address does not accept that kind of request."),
        }
        message = messages.get(exc.status_code, str(exc.detail))
        return render(request, "error.html", {"message": message}, status_code=exc.status_code)
