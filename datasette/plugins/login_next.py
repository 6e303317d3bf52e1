"""Return a visitor to the page they came from after a password login.

A page that sends anonymous visitors to the login form links to
`/-/login?next=PATH`, the form posts back to that same address, and a
successful login redirects to PATH. datasette-auth-passwords 1.1.1 always
redirects to "/", so this plugin rewrites the Location of that redirect.
Only paths on this site are followed: any other `next` gives "/", so the
login form cannot send anyone to another host.
"""

import re
from urllib.parse import parse_qs, urlencode

from datasette import hookimpl

# One leading "/" that no "/" or "\" follows, then printable ASCII without
# spaces. Browsers remove tabs and line breaks from URLs and read "\" as "/",
# so "/\t/host" or "/\host" would become "//host", the address of another host.
SAME_SITE_PATH = re.compile(r"/(?![/\\])[\x21-\x7e]*")


def same_site_path(value):
    """Return `value` when it is a path on this site, otherwise "/"."""
    if isinstance(value, str) and SAME_SITE_PATH.fullmatch(value) and "\\" not in value:
        return value
    return "/"


def login_path(datasette, next_path=None):
    """Return the login form's address, with `next` when it leads to a page other than "/"."""
    login = datasette.urls.path("/-/login")
    target = same_site_path(next_path)
    if target == "/":
        return login
    return "{}?{}".format(login, urlencode({"next": target}))


def login_target(datasette, scope):
    """Return the `next` path of a login form post, or None when there is nothing to rewrite."""
    if scope["type"] != "http" or scope["method"] != "POST":
        return None
    if scope["path"] != datasette.urls.path("/-/login"):
        return None
    query = parse_qs((scope.get("query_string") or b"").decode("latin-1"))
    target = same_site_path(query.get("next", [None])[0])
    return None if target == "/" else target


def is_login_redirect(event):
    """Return True when `event` starts the redirect that sets a new login cookie."""
    cookies = [value for name, value in event["headers"] if name.lower() == b"set-cookie"]
    return event["status"] == 302 and any(c.startswith(b"ds_actor=") for c in cookies)


def redirected_to(event, target):
    headers = [(name, value) for name, value in event["headers"] if name.lower() != b"location"]
    headers.append((b"location", target.encode("ascii")))
    return {**event, "headers": headers}


@hookimpl
def extra_template_vars(datasette):
    return {"login_path": lambda next_path=None: login_path(datasette, next_path)}


@hookimpl
def asgi_wrapper(datasette):
    def wrap(app):
        async def return_after_login(scope, receive, send):
            target = login_target(datasette, scope)
            if target is None:
                await app(scope, receive, send)
                return

            async def send_to_target(event):
                if event["type"] == "http.response.start" and is_login_redirect(event):
                    event = redirected_to(event, target)
                await send(event)

            await app(scope, receive, send_to_target)

        return return_after_login

    return wrap
