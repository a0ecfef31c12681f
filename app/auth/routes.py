"""Sign-in, sign-out and the language switch."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from app import i18n
from app.auth.guards import Db, allow, current_user
from app.auth.service import sign_in
from app.config import Settings
from app.db import utcnow
from app.i18n import _
from app.models import Role, User
from app.web import flash, render

router = APIRouter()


def _safe_next(url: str | None) -> str:
    """Only local paths: never send a user to another site after signing in."""
    if not url:
        return "/"
    parts = urlsplit(url)
    if parts.scheme or parts.netloc or not url.startswith("/") or url.startswith("//"):
        return "/"
    if "\\" in url or any(ord(c) < 32 for c in url):  # browsers read "/\\x" as "//x"
        return "/"
    return url


@router.get("/login", name="login")
def login_page(
    request: Request, user: Annotated[User | None, Depends(current_user)], next: str = "/"
) -> Response:
    if user is not None:
        return RedirectResponse(_safe_next(next), status_code=303)
    return render(request, "auth/login.html", {"next": _safe_next(next), "login": ""})


@router.post("/login", name="login_submit")
def login_submit(
    request: Request,
    db: Db,
    login: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    settings: Settings = request.app.state.settings
    client_ip = request.client.host if request.client else "unknown"
    result = sign_in(
        db,
        login=login,
        password=password,
        client_ip=client_ip,
        now=utcnow(),
        free_attempts=settings.login_attempts_before_delay,
        window_seconds=settings.login_delay_window_seconds,
    )
    if result.user is None:
        if result.retry_after_seconds:
            error = _("Too many failed attempts. Try again in {seconds} s.").format(
                seconds=result.retry_after_seconds
            )
            status, headers = 429, {"Retry-After": str(result.retry_after_seconds)}
        else:
            error = _("Wrong login or password.")
            status, headers = 401, {}
        context = {"next": _safe_next(next), "login": login, "error": error}
        return render(request, "auth/login.html", context, status_code=status, headers=headers)
    csrf = request.session.get("csrf")
    request.session.clear()  # a fresh session on sign-in: no fixation
    request.session.update({"user_id": result.user.id, "locale": result.user.locale, "csrf": csrf})
    return RedirectResponse(_safe_next(next), status_code=303)


@router.post("/logout", name="logout")
def logout(request: Request) -> Response:
    request.session.clear()
    flash(request, _("You have signed out."))
    return RedirectResponse("/login", status_code=303)


@router.post("/language", name="set_language")
def set_language(
    request: Request,
    db: Db,
    user: Annotated[User | None, Depends(current_user)],
    locale: Annotated[str, Form()] = "ru",
    next: Annotated[str, Form()] = "/",
) -> Response:
    chosen = i18n.pick_locale(locale)
    request.session["locale"] = chosen
    if user is not None:
        user.locale = chosen
    return RedirectResponse(_safe_next(next), status_code=303)


@router.get("/", name="home")
def home(request: Request, user: Annotated[User, Depends(allow(*Role))]) -> Response:
    return render(request, "home.html", {})
