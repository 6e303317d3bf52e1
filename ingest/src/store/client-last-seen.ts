// Migration 2: the last day each client address was seen, kept by the writer at
// each commit. With it, the number of distinct clients from a day to the newest
// day is a sum over one row per day, not a count(DISTINCT) over every client of
// every day.

/**
 * `scope` is the host id of daily_client_stats, or -1 for every host together.
 *
 * - client_last_seen: one row per (scope, request_ip_id) with the newest day
 *   that the address made a request.
 * - daily_client_last_seen: per (day, scope), how many addresses have that
 *   day as their last day. The number of distinct addresses from day S up to
 *   the newest loaded day is the sum of `clients` over days >= S.
 *
 * The writer collects the (host, address, day) of every file in the temporary
 * table pending_last_seen, adds the every-host scope and applies them set-based
 * before each commit (see
 * applyPendingLastSeen). A trigger per new daily_client_stats row did the same
 * work row by row and doubled the ingest time. A file loaded late for an older
 * day leaves a later last day in place.
 */
export const CLIENT_LAST_SEEN = `
CREATE TABLE client_last_seen (
  scope INTEGER NOT NULL, request_ip_id INTEGER NOT NULL, day TEXT NOT NULL,
  PRIMARY KEY (scope, request_ip_id)
) WITHOUT ROWID;
CREATE TABLE daily_client_last_seen (
  day TEXT NOT NULL, scope INTEGER NOT NULL, clients INTEGER NOT NULL,
  PRIMARY KEY (scope, day)
) WITHOUT ROWID;

INSERT INTO client_last_seen (scope, request_ip_id, day)
  SELECT host_id, request_ip_id, max(day) FROM daily_client_stats
  GROUP BY host_id, request_ip_id;
INSERT INTO client_last_seen (scope, request_ip_id, day)
  SELECT -1, request_ip_id, max(day) FROM daily_client_stats
  GROUP BY request_ip_id;
INSERT INTO daily_client_last_seen (day, scope, clients)
  SELECT day, scope, count(*) FROM client_last_seen GROUP BY scope, day;`;

/** The temporary table of addresses seen since the last commit, newest day per (scope, address). */
export const PENDING_LAST_SEEN = `
CREATE TEMP TABLE IF NOT EXISTS pending_last_seen (
  scope INTEGER NOT NULL, request_ip_id INTEGER NOT NULL, day TEXT NOT NULL,
  PRIMARY KEY (scope, request_ip_id)
) WITHOUT ROWID`;

/**
 * Moves each pending address's last day forward and keeps the per-day counts in
 * step, then empties pending_last_seen. Call inside the transaction, before COMMIT.
 */
export const APPLY_PENDING_LAST_SEEN = `
INSERT INTO temp.pending_last_seen (scope, request_ip_id, day)
  SELECT -1, request_ip_id, max(day) FROM temp.pending_last_seen WHERE scope <> -1
  GROUP BY request_ip_id;
INSERT INTO daily_client_last_seen (day, scope, clients)
  SELECT c.day, c.scope, -count(*)
  FROM temp.pending_last_seen p
  JOIN client_last_seen c ON c.scope = p.scope AND c.request_ip_id = p.request_ip_id
  WHERE c.day < p.day
  GROUP BY c.scope, c.day
  ON CONFLICT (scope, day) DO UPDATE SET clients = clients + excluded.clients;
INSERT INTO daily_client_last_seen (day, scope, clients)
  SELECT p.day, p.scope, count(*)
  FROM temp.pending_last_seen p
  LEFT JOIN client_last_seen c ON c.scope = p.scope AND c.request_ip_id = p.request_ip_id
  WHERE c.day IS NULL OR c.day < p.day
  GROUP BY p.scope, p.day
  ON CONFLICT (scope, day) DO UPDATE SET clients = clients + excluded.clients;
INSERT INTO client_last_seen (scope, request_ip_id, day)
  SELECT scope, request_ip_id, day FROM temp.pending_last_seen WHERE true
  ON CONFLICT (scope, request_ip_id) DO UPDATE SET day = max(day, excluded.day);
DELETE FROM temp.pending_last_seen;`;
