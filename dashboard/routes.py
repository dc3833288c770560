"""HTTP routes beside the dashboard (mounted by ``st.App`` in ``app.py``): login, logout, password change.

The session cookie can only be set by an HTTP response, and it is HttpOnly
(no script in the page can read it) and SameSite=Strict (no other site can
make the browser send it).  The Streamlit script reads it with
``st.context.cookies`` and asks the store who it belongs to.  Pages of the
app are redirected to ``/login`` while there is no valid session
(:class:`LoginRequired`); the script checks again on every run.
"""

from __future__ import annotations

import asyncio
import html
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from operations import access
from operations.access import AccessError
from operations.settings import access_rules
from operations.store import db

__all__ = ["COOKIE", "LoginRequired", "ROUTES", "same_origin"]

COOKIE = "qx_session"
_OPEN = ("/login", "/auth/", "/report/", "/account/", "/_stcore/", "/static/", "/app/static/", "/component/",
         "/favicon")

_TEXT = {
    "zh": {"title": "登录 · 社区可视化地图", "user": "用户名", "password": "密码", "submit": "登录",
           "failed": "用户名或密码不对。", "lang": "English", "other": "en",
           "note": "本系统含居民个人信息，仅限工作需要使用，所有访问都会记录。",
           "change": "修改密码", "old": "原密码", "new": "新密码", "again": "再输入一次新密码", "save": "保存",
           "mismatch": "两次输入的新密码不一致。", "wrong": "原密码不对，或登录已过期。", "back": "返回地图"},
    "en": {"title": "Log in · Community map", "user": "Username", "password": "Password", "submit": "Log in",
           "failed": "Wrong username or password.", "lang": "中文", "other": "zh",
           "note": "This system holds residents' personal data: use it only as your work needs. Every access "
                   "is logged.",
           "change": "Change password", "old": "Current password", "new": "New password",
           "again": "New password again", "save": "Save", "mismatch": "The two new passwords differ.",
           "wrong": "The current password is wrong, or the session has ended.", "back": "Back to the map"},
}

_PAGE = """<!doctype html><html lang="{lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1"><title>{title}</title>
<style>body{{font-family:"Noto Sans CJK SC","Source Han Sans SC","Microsoft YaHei",sans-serif;background:#f3f5f8;
margin:0;display:flex;min-height:100vh;align-items:center;justify-content:center}}
form{{background:#fff;padding:2rem 2.4rem;border-radius:8px;box-shadow:0 2px 12px #0002;width:min(92vw,24rem)}}
h1{{font-size:1.5rem;margin:0 0 1.2rem}}label{{display:block;margin:.8rem 0 .3rem}}
input{{width:100%;box-sizing:border-box;font-size:1.1rem;padding:.5rem}}
button{{margin-top:1.2rem;width:100%;font-size:1.1rem;padding:.6rem;background:#1f3b73;color:#fff;border:0;
border-radius:4px}}.msg{{color:#b00020;margin:.6rem 0}}.note{{color:#555;font-size:.85rem;margin-top:1rem}}
a{{color:#1f3b73}}</style></head><body>{body}</body></html>"""


def _lang(request: Request) -> str:
    return "en" if request.query_params.get("lang") == "en" else "zh"


def _address(request: Request) -> str:
    return request.client.host if request.client else ""


def same_origin(request: Request) -> bool:
    """A form post from this server's own pages: no other site logs in, files or changes anything through a visitor."""
    origin = request.headers.get("origin") or request.headers.get("referer") or ""
    return not origin or urlsplit(origin).netloc == request.url.netloc


async def _form(request: Request) -> dict[str, str]:
    body = (await request.body()).decode("utf-8", errors="replace")
    return {k: v[0] for k, v in parse_qs(body, keep_blank_values=True).items()}


def _login_page(lang: str, *, failed: bool = False, next_path: str = "/") -> HTMLResponse:
    text = _TEXT[lang]
    message = f'<p class="msg" role="alert">{text["failed"]}</p>' if failed else ""
    body = (f'<form method="post" action="/auth/login?lang={lang}"><h1>{text["title"]}</h1>{message}'
            f'<input type="hidden" name="next" value="{html.escape(next_path)}">'
            f'<label for="username">{text["user"]}</label>'
            f'<input id="username" name="username" autocomplete="username" required autofocus>'
            f'<label for="password">{text["password"]}</label>'
            f'<input id="password" name="password" type="password" autocomplete="current-password" required>'
            f'<button type="submit">{text["submit"]}</button><p class="note">{text["note"]}</p>'
            f'<p><a href="/login?lang={text["other"]}">{text["lang"]}</a></p></form>')
    return HTMLResponse(_PAGE.format(lang=lang, title=text["title"], body=body),
                        status_code=401 if failed else 200, headers={"Cache-Control": "no-store"})


def _safe_next(value: str) -> str:
    """Only a path on this server: never an address elsewhere (an open redirect)."""
    return value if value.startswith("/") and not value.startswith("//") and "\\" not in value else "/"


async def login_page(request: Request) -> Response:
    """GET /login: the login form."""
    return _login_page(_lang(request), failed=request.query_params.get("failed") == "1",
                       next_path=_safe_next(request.query_params.get("next", "/")))


def _set_session(response: Response, request: Request, token: str) -> None:
    response.set_cookie(COOKIE, token, httponly=True, samesite="strict", path="/",
                        secure=request.url.scheme == "https", max_age=int(access_rules().max_hours * 3600))


async def do_login(request: Request) -> Response:
    """POST /auth/login: check the password (slowed down after repeated failures), then set the session cookie."""
    lang = _lang(request)
    if not same_origin(request):
        return _login_page(lang, failed=True)
    form = await _form(request)
    username, password = form.get("username", "").strip(), form.get("password", "")

    def pause() -> float:
        with db() as session:
            return access.pause_before_login(session, username)

    delay = await run_in_threadpool(pause)
    if delay:
        await asyncio.sleep(delay)

    def attempt() -> str | None:
        with db() as session:
            return access.login(session, username, password, address=_address(request))

    token = await run_in_threadpool(attempt)
    if token is None:
        return _login_page(lang, failed=True, next_path=_safe_next(form.get("next", "/")))
    target = _safe_next(form.get("next", "/"))
    if lang == "en" and "lang=" not in target:
        target += ("&" if "?" in target else "?") + "lang=en"
    response = RedirectResponse(target, status_code=303)
    _set_session(response, request, token)
    return response


async def do_logout(request: Request) -> Response:
    """GET or POST /auth/logout: end the session (every tab), forget the cookie."""
    token = request.cookies.get(COOKIE)

    def end() -> None:
        with db() as session:
            access.logout(session, token, address=_address(request))

    await run_in_threadpool(end)
    response = RedirectResponse(f"/login?lang={_lang(request)}", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response


def _password_page(lang: str, message: str = "") -> HTMLResponse:
    text = _TEXT[lang]
    shown = f'<p class="msg" role="alert">{message}</p>' if message else ""
    fields = "".join(f'<label for="{name}">{text[name]}</label><input id="{name}" name="{name}" type="password" '
                     f'autocomplete="{"current" if name == "old" else "new"}-password" required>'
                     for name in ("old", "new", "again"))
    body = (f'<form method="post" action="/account/password?lang={lang}"><h1>{text["change"]}</h1>{shown}{fields}'
            f'<button type="submit">{text["save"]}</button><p><a href="/?lang={lang}">{text["back"]}</a></p></form>')
    return HTMLResponse(_PAGE.format(lang=lang, title=text["change"], body=body),
                        headers={"Cache-Control": "no-store"})


async def password_page(request: Request) -> Response:
    """GET /account/password: the form to change one's own password."""
    return _password_page(_lang(request))


async def change_password(request: Request) -> Response:
    """POST /account/password: change it; every session ends, this browser gets a new one."""
    lang = _lang(request)
    form = await _form(request)
    if form.get("new") != form.get("again"):
        return _password_page(lang, _TEXT[lang]["mismatch"])
    token = request.cookies.get(COOKIE)

    def change() -> str | None:
        with db() as session:
            return access.change_password(session, token, form.get("old", ""), form.get("new", ""),
                                          address=_address(request))

    try:
        new_token = await run_in_threadpool(change)
    except AccessError as exc:
        return _password_page(lang, html.escape(str(exc).split(" / ")[0 if lang == "zh" else -1]))
    if new_token is None:
        return _password_page(lang, _TEXT[lang]["wrong"])
    response = RedirectResponse(f"/?lang={lang}" if lang == "en" else "/", status_code=303)
    _set_session(response, request, new_token)
    return response


ROUTES = [
    Route("/login", login_page, methods=["GET"]),
    Route("/auth/login", do_login, methods=["POST"]),
    Route("/auth/logout", do_logout, methods=["GET", "POST"]),
    Route("/account/password", password_page, methods=["GET"]),
    Route("/account/password", change_password, methods=["POST"]),
]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Callable[[], Awaitable[Message]], Callable[[Message], Awaitable[None]]], Awaitable[None]]


class LoginRequired:
    """Send a browser without a valid session from any page of the app to ``/login`` (its assets stay open)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Callable[[], Awaitable[Message]],
                      send: Callable[[Message], Awaitable[None]]) -> None:
        """Check page requests; pass everything else through."""
        path = scope.get("path", "")
        media = path.startswith("/media/")  # st.image's and st.download's files: only with a session
        if scope["type"] != "http" or scope.get("method") != "GET" or path.startswith(_OPEN) or path == "/report" or \
                (("/_stcore/" in path or "." in path.rsplit("/", 1)[-1]) and not media):
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        token = request.cookies.get(COOKIE)

        def valid() -> bool:
            with db() as session:
                return access.viewer_for(session, token) is not None

        if await run_in_threadpool(valid):
            await self.app(scope, receive, send)
            return
        if media:
            await Response("登录后才能查看 / log in to see this", status_code=403)(scope, receive, send)
            return
        query = f"?{scope['query_string'].decode()}" if scope.get("query_string") else ""
        lang = "&lang=en" if "lang=en" in query else ""
        response = RedirectResponse(f"/login?next={quote(path + query, safe='')}{lang}", status_code=303)
        await response(scope, receive, send)
