// Migration 2: the last day each client address was seen, with per-day counts
// of addresses whose last day it is. It counted distinct clients only for
// ranges that end on the newest day. Migration 4 (client-returns.ts) replaces it
// and drops both tables, and this one stays as shipped so older databases
// upgrade step by step.

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
