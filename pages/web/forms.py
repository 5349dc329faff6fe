"""The login routes' own small pages: the login form, the first-admin form, refusals.

Server-rendered HTML with one inline style; every piece of user text is escaped.
"""

from __future__ import annotations

import functools
import html
import re

from starlette.responses import HTMLResponse

from core import words
from core.access import passwords
from pages.web import page_preloads

_STYLE = """
 body { font-family: system-ui, sans-serif; background: #f6f6fb; margin: 0; }
 main { max-width: 360px; margin: 12vh auto; background: #fff; padding: 2rem;
        border-radius: 12px; box-shadow: 0 2px 12px #0001; }
 h1 { font-size: 1.4rem; margin: 0 0 1.2rem; }
 label { display: block; margin: .8rem 0 .3rem; font-weight: 600; }
 input { width: 100%; box-sizing: border-box; padding: .55rem; font-size: 1rem;
         border: 1px solid #bbb; border-radius: 6px; }
 button { margin-top: 1.3rem; width: 100%; padding: .6rem; font-size: 1rem; border: 0;
          border-radius: 6px; background: #6c3fd1; color: #fff; cursor: pointer; }
 .error { color: #b00020; background: #fde7ea; padding: .6rem; border-radius: 6px; }
 .hint { color: #666; font-size: .85rem; margin-top: 1rem; }
"""


# Sent with every page and redirect of these routes: no other site may frame the login form
# (clickjacking), and the page itself may load, run and post nothing but its own inline style.
HEADERS = {
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": (
        "default-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'none'; "
        "form-action 'self'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


# Streamlit's own page: which scripts and style the app's first page loads.
_APP_PAGE = page_preloads.APP_PAGE
_ASSET = re.compile(r'(?:src|href)="(\./static/(?:js|css)/[\w.-]+\.(js|css))"')


@functools.cache
def app_preloads() -> str:
    """Tags that fetch the app's scripts and style while the person types their password.

    The first page after login then finds them in the browser's cache (Streamlit serves them as
    immutable), instead of fetching and compiling about 3 MB of JavaScript after the click. Only
    Streamlit's own files, named by its index.html; nothing when that file cannot be read.
    """
    try:
        page = _APP_PAGE.read_text(encoding="utf-8")
    except OSError:
        return ""
    tags = []
    for path, kind in dict.fromkeys(_ASSET.findall(page)):
        rel = 'rel="modulepreload"' if kind == "js" else 'rel="preload" as="style"'
        tags.append(f'<link {rel} crossorigin href="{html.escape(path)}">')
    # And the scripts of the elements our screens draw, which Streamlit loads one by one later.
    return "".join(tags) + page_preloads.link_tags(page_preloads.element_scripts())


def html_page(title: str, content: str, status: int = 200, preload: bool = False) -> HTMLResponse:
    """A small stand-alone page (no user text reaches it unescaped); `preload`: the app's files."""
    head = app_preloads() if preload else ""
    body = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>{title} · Batch Unlock</title><style>{_STYLE}</style>{head}</head>
<body><main>
<h1>Batch Unlock</h1>
{content}
</main></body></html>"""
    return HTMLResponse(body, status_code=status, headers={"Cache-Control": "no-store", **HEADERS})


def login_form(
    next_path: str, message: str = "", username: str = "", status: int = 200
) -> HTMLResponse:
    """The login form, with a refusal above it when there is one."""
    error = f'<p class="error" role="alert">{html.escape(message)}</p>' if message else ""
    return html_page(
        words.LOG_IN,
        f"""{error}
<form method="post" action="/login">
 <input type="hidden" name="next" value="{html.escape(next_path)}">
 <label for="username">{words.LOGIN_USERNAME}</label>
 <input id="username" name="username" autocomplete="username" required autofocus
        value="{html.escape(username)}">
 <label for="password">{words.LOGIN_PASSWORD}</label>
 <input id="password" name="password" type="password" autocomplete="current-password" required>
 <button type="submit">{words.LOG_IN}</button>
</form>
<p class="hint">Back-office accounts only. Ask an admin for an account.</p>""",
        status,
        preload=True,
    )


def foreign_post() -> HTMLResponse:
    """The refusal of a form posted from another site's page."""
    return html_page(
        "Refused",
        '<p class="error" role="alert">This form was sent from another web site, so it was '
        "refused. Open Batch Unlock yourself and try again there.</p>"
        '<p><a href="/login">Go to the login page</a></p>',
        status=403,
    )


SETUP_TITLE = "Create the first admin account"
SETUP_PASSWORD_AGAIN = "Password again"  # noqa: S105 - a field label, not a secret
SETUP_MISMATCH = "The two passwords differ. Type the same password twice."


def setup_form(message: str = "", username: str = "", status: int = 200) -> HTMLResponse:
    """The form that creates the first admin account, with a refusal above it if any."""
    error = f'<p class="error" role="alert">{html.escape(message)}</p>' if message else ""
    return html_page(
        SETUP_TITLE,
        f"""<h2>{SETUP_TITLE}</h2>
<p>This data file has no account yet. The account you create here is an admin; it can add
the others (<code>python -m core account add</code>). This form is gone once it exists.</p>
{error}
<form method="post" action="/setup">
 <label for="username">{words.LOGIN_USERNAME}</label>
 <input id="username" name="username" autocomplete="username" required autofocus
        value="{html.escape(username)}">
 <label for="password">{words.LOGIN_PASSWORD}</label>
 <input id="password" name="password" type="password" autocomplete="new-password" required
        minlength="{passwords.MIN_PASSWORD_LENGTH}">
 <label for="password2">{SETUP_PASSWORD_AGAIN}</label>
 <input id="password2" name="password2" type="password" autocomplete="new-password" required>
 <button type="submit">{SETUP_TITLE}</button>
</form>""",
        status,
        preload=True,
    )


def logout_confirm(username: str) -> HTMLResponse:
    """Ask a live session whether to log out (a GET of /logout must not end it on its own)."""
    return html_page(
        words.LOG_OUT,
        f"""<p>Log out of Batch Unlock as <strong>{html.escape(username)}</strong>?</p>
<form method="post" action="/logout"><button type="submit">{words.LOG_OUT}</button></form>
<p class="hint"><a href="/">Stay logged in</a></p>""",
    )
