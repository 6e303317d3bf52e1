"""Health endpoint for Kubernetes probes: GET /healthz returns 200 "ok".

It needs no credentials and reads no data, so it reveals nothing beyond the
fact that the server responds to HTTP.
"""

from datasette import hookimpl
from datasette.utils.asgi import Response


async def healthz():
    return Response.text("ok", headers={"cache-control": "no-store"})


@hookimpl
def register_routes():
    return [(r"^/healthz$", healthz)]
