"""Table and column descriptions from tables.yaml for the analytics database.

Datasette keys metadata by database name, which comes from the file name, so
the descriptions are attached to every served database except the internal
ones and the token store.
"""

from pathlib import Path

import yaml
from datasette import hookimpl

TABLES_FILE = Path(__file__).resolve().parent.parent / "tables.yaml"
NOT_ANALYTICS = {"_internal", "_memory", "api_tokens"}

TABLES = yaml.safe_load(TABLES_FILE.read_text())["tables"]


@hookimpl
def get_metadata(datasette, key, database, table):
    # Datasette merges later metadata into what this returns, so the outer
    # dictionaries are new on every call and the shared TABLES stays unchanged.
    return {
        "databases": {
            name: {"tables": TABLES} for name in datasette.databases if name not in NOT_ANALYTICS
        }
    }
