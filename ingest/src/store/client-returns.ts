// Migration 4: for each day, the clients seen that day grouped by the day they
// were seen before. The number of distinct clients in any range of days is then
// a sum over those rows, exact, without a count(DISTINCT) over every address.

/** Fills an empty daily_client_returns from daily_client_stats. */
export const FILL_CLIENT_RETURNS = `
INSERT INTO daily_client_returns (scope, day, previous_day, clients)
  SELECT host_id, day, previous_day, count(*) FROM (
    SELECT host_id, day,
      coalesce(lag(day) OVER (PARTITION BY host_id, request_ip_id ORDER BY day), '') AS previous_day
    FROM daily_client_stats WHERE request_ip_id <> 0)
  GROUP BY host_id, day, previous_day;
INSERT INTO daily_client_returns (scope, day, previous_day, clients)
  SELECT -1, day, previous_day, count(*) FROM (
    SELECT day,
      coalesce(lag(day) OVER (PARTITION BY request_ip_id ORDER BY day), '') AS previous_day
    FROM (SELECT DISTINCT request_ip_id, day FROM daily_client_stats WHERE request_ip_id <> 0))
  GROUP BY day, previous_day;`;

/**
 * `scope` is the host id of daily_client_stats, or -1 for every host together.
 *
 * A client seen on `day` whose previous day in the scope is `previous_day` ('' if
 * none) counts once in that row. A client seen in [start, end] is counted by the
 * first of its days in the range, the only one whose previous day is before
 * start, so
 *
 *   distinct clients in [start, end] =
 *     sum(clients) WHERE day BETWEEN start AND end AND previous_day < start
 *
 * Requests without an address (request_ip_id 0) count as no client, as
 * count(DISTINCT request_ip) leaves out NULL. The index on daily_client_stats
 * lets the writer find a client's days around a new one.
 *
 * Migration 2's last-seen tables counted only ranges that end on the newest day,
 * so this migration drops them, with the trigger that early builds of migration
 * 2 kept them by.
 */
export const CLIENT_RETURNS = `
DROP TRIGGER IF EXISTS daily_client_stats_last_seen;
CREATE INDEX daily_client_stats_by_client ON daily_client_stats (request_ip_id, day);
CREATE TABLE daily_client_returns (
  scope INTEGER NOT NULL, day TEXT NOT NULL, previous_day TEXT NOT NULL,
  clients INTEGER NOT NULL,
  PRIMARY KEY (scope, day, previous_day)
) WITHOUT ROWID;

${FILL_CLIENT_RETURNS}

DROP TABLE daily_client_last_seen;
DROP TABLE client_last_seen;`;

/**
 * The (host, address, day) rows that a file adds to daily_client_stats and that
 * were not there before, collected until the next commit. The every-host scope
 * (-1) is added at commit.
 */
export const PENDING_CLIENT_DAYS = `
CREATE TEMP TABLE IF NOT EXISTS pending_client_days (
  scope INTEGER NOT NULL, request_ip_id INTEGER NOT NULL, day TEXT NOT NULL,
  PRIMARY KEY (scope, request_ip_id, day)
) WITHOUT ROWID;
CREATE TEMP TABLE IF NOT EXISTS client_return_changes (
  scope INTEGER NOT NULL, day TEXT NOT NULL, previous_day TEXT NOT NULL,
  clients INTEGER NOT NULL
);`;

/**
 * Records the new client days of one file. Bind the JSON array of
 * [day, host_id, request_ip_id, requests] rows and run it before they are added
 * to daily_client_stats.
 */
export const COLLECT_NEW_CLIENT_DAYS = `
INSERT OR IGNORE INTO temp.pending_client_days (scope, request_ip_id, day)
  SELECT value ->> 1, value ->> 2, value ->> 0 FROM json_each(?)
  WHERE value ->> 2 <> 0 AND NOT EXISTS (
    SELECT 1 FROM daily_client_stats c
    WHERE c.day = value ->> 0 AND c.host_id = value ->> 1 AND c.request_ip_id = value ->> 2)`;

/** A client's days in the pending row's scope, seen from the correlated row `p`. */
const scopeDays = `FROM daily_client_stats c
      WHERE c.request_ip_id = p.request_ip_id AND (p.scope = -1 OR c.host_id = p.scope)`;

const isPending = (day: string) => `EXISTS (
        SELECT 1 FROM temp.pending_client_days q
        WHERE q.scope = p.scope AND q.request_ip_id = p.request_ip_id AND q.day = ${day})`;

/**
 * Adds the pending client days to daily_client_returns, then empties the
 * pending table. Call inside the transaction, after the files' rollups and
 * before COMMIT.
 *
 * For each new day D of a client, with P the client's day before D and N the
 * day after D (both among all its days, old and new):
 * - D counts with P (or '' without one);
 * - when N is an old day, it had P' (its previous old day) and now has D, so
 *   (N, P') loses one and (N, D) gains one. Logs loaded in order have no N.
 */
export const APPLY_PENDING_CLIENT_DAYS = `
INSERT OR IGNORE INTO temp.pending_client_days (scope, request_ip_id, day)
  SELECT -1, p.request_ip_id, p.day FROM temp.pending_client_days p
  WHERE p.scope <> -1 AND NOT EXISTS (
    SELECT 1 FROM daily_client_stats c
    WHERE c.request_ip_id = p.request_ip_id AND c.day = p.day
      AND NOT EXISTS (
        SELECT 1 FROM temp.pending_client_days q
        WHERE q.scope = c.host_id AND q.request_ip_id = c.request_ip_id AND q.day = c.day));

WITH added AS MATERIALIZED (
  SELECT p.scope, p.request_ip_id, p.day,
    coalesce((SELECT c.day ${scopeDays} AND c.day < p.day ORDER BY c.day DESC LIMIT 1), '')
      AS previous_day,
    (SELECT c.day ${scopeDays} AND c.day > p.day ORDER BY c.day LIMIT 1) AS next_day
  FROM temp.pending_client_days p
),
moved AS MATERIALIZED (
  SELECT p.scope, p.request_ip_id, p.day, p.next_day,
    coalesce((SELECT c.day ${scopeDays} AND c.day < p.next_day
        AND NOT ${isPending('c.day')}
      ORDER BY c.day DESC LIMIT 1), '') AS old_previous_day
  FROM added p
  WHERE p.next_day IS NOT NULL AND NOT ${isPending('p.next_day')}
)
INSERT INTO temp.client_return_changes (scope, day, previous_day, clients)
  SELECT scope, day, previous_day, 1 FROM added
  UNION ALL SELECT scope, next_day, day, 1 FROM moved
  UNION ALL SELECT scope, next_day, old_previous_day, -1 FROM moved;

INSERT INTO daily_client_returns (scope, day, previous_day, clients)
  SELECT scope, day, previous_day, sum(clients) FROM temp.client_return_changes
  GROUP BY scope, day, previous_day
  ON CONFLICT (scope, day, previous_day) DO UPDATE SET clients = clients + excluded.clients;
DELETE FROM daily_client_returns
  WHERE clients = 0 AND (scope, day, previous_day) IN (
    SELECT scope, day, previous_day FROM temp.client_return_changes WHERE clients < 0);

DELETE FROM temp.client_return_changes;
DELETE FROM temp.pending_client_days;`;
