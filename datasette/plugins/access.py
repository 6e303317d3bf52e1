"""Responses to denied requests, and a guard against malformed credentials.

Anonymous browsers are redirected to the login form, which returns them to
the page they asked for (see login_next.py). API clients (a request
for .json or .csv, or one with an Authorization header) get a JSON body with
CORS headers instead, so a script in a notebook can read "unauthorized" rather
than see an opaque CORS failure.
"""

import base64
import binascii
import json
import re
from urllib.parse import urlencode

from datasette import hookimpl
from datasette.utils import add_cors_headers
from datasette.utils.asgi import Forbidden, Response

API_FORMATS = re.compile(r"\.(json|csv)$")
BEARER_TOKEN = re.compile(r"^Bearer [a-z0-9_]+-[0-9a-f]+$")


def is_api_request(request):
    return bool(
        API_FORMATS.search(request.path)
        or request.args.get("_format") in ("json", "csv")
        or request.headers.get("authorization")
        or "application/json" in request.headers.get("accept", "")
    )


def denial(status, error, message, cors):
    headers = {"cache-control": "no-store"}
    if status == 401:
        headers["www-authenticate"] = 'Bearer realm="cdn-analytics"'
    if cors:
        add_cors_headers(headers)
    body = {"ok": False, "status": status, "error": error, "message": message}
    return Response.json(body, status=status, headers=headers)


def unauthorized(cors):
    return denial(
        401,
        "unauthorized",
        "Missing, invalid, expired or revoked credentials; "
        "send Authorization: Bearer <token> with a current API token.",
        cors,
    )


@hookimpl(tryfirst=True)
def forbidden(datasette, request, message):
    if is_api_request(request):
        if request.actor is None:
            return unauthorized(datasette.cors)
        return denial(403, "forbidden", message, datasette.cors)

    if request.actor is None:
        return Response.redirect(login_redirect(datasette, request))

    # A logged-in person without access gets Datasette's own 403 page.
    return None


def login_redirect(datasette, request):
    """Return the login form's address with `next` set to the denied page.

    login_next.py checks `next` again before following it, so only a path on
    this site is used. Datasette loads each file of the plugins folder as its
    own module, so this cannot import login_next.login_path.
    """
    login = datasette.urls.path("/-/login")
    if request.full_path == "/":
        return login
    return "{}?{}".format(login, urlencode({"next": request.full_path}))


def is_malformed(authorization):
    """True for Authorization values that the auth plugins would crash on.

    datasette-auth-tokens 0.3 raises on a bearer token with two "-", and
    datasette-auth-passwords 1.1.1 on Basic credentials that are not base64.
    """
    if authorization.startswith("Bearer "):
        return not BEARER_TOKEN.match(authorization)
    if authorization.startswith("Basic "):
        try:
            base64.b64decode(authorization[len("Basic ") :], validate=True).decode("ascii")
        except (binascii.Error, UnicodeDecodeError):
            return True
    return False


@hookimpl
def asgi_wrapper(datasette):
    def wrap(app):
        async def reject_malformed_credentials(scope, receive, send):
            if scope["type"] == "http":
                headers = dict(scope.get("headers") or [])
                authorization = headers.get(b"authorization", b"").decode("latin-1")
                if authorization and is_malformed(authorization):
                    await unauthorized(datasette.cors).asgi_send(send)
                    return
            await app(scope, receive, send)

        return reject_malformed_credentials

    return wrap


async def disabled_page(request):
    raise Forbidden("This page is disabled on this server.")


@hookimpl
def register_routes():
    # Both pages are public in Datasette and its password plugin. They hold no
    # data, but anonymous visitors should see nothing except the login form.
    # `datasette hash-password` replaces the password tool.
    return [(r"^/-/(allow-debug|password-tool)$", disabled_page)]
