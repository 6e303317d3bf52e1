"""API tokens for datasette-auth-tokens, read from CDN_ANALYTICS_API_TOKENS.

The variable contains tokens separated by commas or whitespace. Each token is
NAME-SECRET (NAME: lower-case letters, digits and "_"; SECRET: at least 32
lower-case hex digits), optionally followed by @EXPIRY, an ISO-8601 UTC date
(YYYY-MM-DD, meaning 00:00 UTC that day) or time (YYYY-MM-DDTHH:MM:SSZ).

At startup the tokens go into the in-memory database "api_tokens", which
metadata.yaml hides from every actor. datasette-auth-tokens looks up each
request's token there by NAME and compares SECRET, and its query skips expired
tokens, so a token stops working at its expiry without a restart. Removing a
token from the variable and restarting revokes it.
"""

import os
import re
from datetime import datetime

import click
from datasette import hookimpl

ENV_VAR = "CDN_ANALYTICS_API_TOKENS"
DATABASE = "api_tokens"
TOKEN_PATTERN = re.compile(r"^([a-z0-9_]+)-([0-9a-f]{32,})$")
EXPIRY_PATTERN = re.compile(r"^(\d{4}-\d{2}-\d{2})(T\d{2}:\d{2}:\d{2}Z)?$")


class TokenConfigError(click.ClickException):
    """Invalid token configuration; `datasette serve` prints it and exits 2."""

    exit_code = 2


def parse_tokens(value):
    """Return (name, secret, expires_at or None) for each token in value."""
    tokens = []
    for position, entry in enumerate(re.split(r"[\s,]+", value.strip()), start=1):
        if not entry:
            continue
        token, _, expiry = entry.partition("@")
        match = TOKEN_PATTERN.match(token)
        if not match:
            # The message names the position only: the entry may contain a secret.
            raise TokenConfigError(
                f"{ENV_VAR}: token {position} is invalid; use NAME-SECRET with NAME "
                "in [a-z0-9_] and SECRET of at least 32 hex digits, for example "
                'notebook-$(python3 -c "import secrets; print(secrets.token_hex(32))")'
            )
        tokens.append((match.group(1), match.group(2), parse_expiry(expiry, position)))

    names = [name for name, _, _ in tokens]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise TokenConfigError(f"{ENV_VAR}: duplicate token names {duplicates}; make them unique")
    return tokens


def parse_expiry(expiry, position):
    """Return expiry as YYYY-MM-DDTHH:MM:SSZ, the form the token query compares as text."""
    if not expiry:
        return None
    match = EXPIRY_PATTERN.match(expiry)
    normalized = match and match.group(1) + (match.group(2) or "T00:00:00Z")
    try:
        datetime.strptime(normalized or "", "%Y-%m-%dT%H:%M:%SZ")
    except ValueError:
        raise TokenConfigError(
            f"{ENV_VAR}: token {position} has invalid expiry {expiry!r}; "
            "use YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ (UTC)"
        ) from None
    return normalized


@hookimpl
def startup(datasette):
    tokens = parse_tokens(os.environ.get(ENV_VAR, ""))

    async def inner():
        db = datasette.add_memory_database(DATABASE)
        if db.name != DATABASE:
            # metadata.yaml hides the database by this exact name.
            raise TokenConfigError(
                f"a database named {DATABASE!r} already exists; rename that database file"
            )

        def create(conn):
            # Datasette hands over the raw connection: commit here, or the
            # shared-cache table stays locked for the readers.
            with conn:
                conn.execute("drop table if exists tokens")
                conn.execute(
                    "create table tokens"
                    " (name text primary key, secret text not null, expires_at text)"
                )
                conn.executemany("insert into tokens values (?, ?, ?)", tokens)

        await db.execute_write_fn(create, block=True)

    return inner
