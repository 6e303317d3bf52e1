// Migration 2: the last day each client address was seen, kept by a trigger on
// daily_client_stats. With it, the number of distinct clients from a day to the
// newest day is a sum over one row per day, not a count(DISTINCT) over every
// client of every day.

/**
 * `scope` is the host id of daily_client_stats, or -1 for every host together.
 *
 * - client_last_seen: one row per (scope, request_ip_id) with the newest day
 *   that the address made a request.
 * - daily_client_last_seen: per (day, scope), how many addresses have that
 *   day as their last day. The number of distinct addresses from day S up to
 *   the newest loaded day is the sum of `clients` over days >= S.
 *
 * The trigger fires once per new (day, host, address) row of
 * daily_client_stats. The ingester's upsert of an existing row fires UPDATE, not
 * INSERT, so repeat requests add no work. A file loaded late for an older day
 * leaves a later last day in place.
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
  SELECT day, scope, count(*) FROM client_last_seen GROUP BY scope, day;

CREATE TRIGGER daily_client_stats_last_seen AFTER INSERT ON daily_client_stats
BEGIN
  -- One UPDATE per scope finds its row by the full primary key. A single
  -- UPDATE with (scope, day) IN (...) scanned every day of the scope.
  UPDATE daily_client_last_seen SET clients = clients - 1
  WHERE scope = NEW.host_id AND day = (
    SELECT day FROM client_last_seen
    WHERE scope = NEW.host_id AND request_ip_id = NEW.request_ip_id AND day < NEW.day
  );
  UPDATE daily_client_last_seen SET clients = clients - 1
  WHERE scope = -1 AND day = (
    SELECT day FROM client_last_seen
    WHERE scope = -1 AND request_ip_id = NEW.request_ip_id AND day < NEW.day
  );

  INSERT INTO daily_client_last_seen (day, scope, clients)
  SELECT NEW.day, s.scope, 1
  FROM (SELECT NEW.host_id AS scope UNION ALL SELECT -1) s
  LEFT JOIN client_last_seen c ON c.scope = s.scope AND c.request_ip_id = NEW.request_ip_id
  WHERE c.day IS NULL OR c.day < NEW.day
  ON CONFLICT (scope, day) DO UPDATE SET clients = clients + 1;

  INSERT INTO client_last_seen (scope, request_ip_id, day)
  SELECT s.scope, NEW.request_ip_id, NEW.day
  FROM (SELECT NEW.host_id AS scope UNION ALL SELECT -1) s
  WHERE true
  ON CONFLICT (scope, request_ip_id) DO UPDATE SET day = max(day, excluded.day);
END;`;
