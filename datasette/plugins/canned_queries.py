"""Canned queries from every datasette/queries/*.yaml file.

Each file maps query names to Datasette canned query definitions (sql, title,
description, params, ...). The queries apply to every database that has the
analytics schema. The files are read once at startup, in name order, so a
later file's query replaces an earlier one of the same name.
"""

from pathlib import Path

import yaml
from datasette import hookimpl

QUERIES_DIR = Path(__file__).resolve().parent.parent / "queries"


def load_queries(folder=QUERIES_DIR):
    queries = {}
    for path in sorted(folder.glob("*.yaml")):
        loaded = yaml.safe_load(path.read_text()) or {}
        if not isinstance(loaded, dict):
            raise ValueError(f"{path}: expected a mapping of query name to definition")
        queries.update(loaded)
    return queries


QUERIES = load_queries()


@hookimpl
def canned_queries(datasette, database):
    async def inner():
        tables = await datasette.get_database(database).table_names()
        if "request_rows" not in tables:
            return {}
        return {name: dict(definition) for name, definition in QUERIES.items()}

    return inner
