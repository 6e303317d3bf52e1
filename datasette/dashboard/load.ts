// Runs the dashboard's canned queries for one view state. Each panel's query
// settles on its own, so one slow or failing query leaves the others drawn.

import {
  listDatabases,
  QueryFailedError,
  QueryNotFoundError,
  runQuery,
  type QueryParams,
  type Row,
} from './api.js';
import { addDays, daySpan, toDay, type DaySpan, type ViewState } from './state.js';

/** A query's rows or the error it failed with. */
export type Outcome<T> = { readonly value: T } | { readonly error: Error };

/** The rows of every panel for one view, or why there is nothing to show. */
export interface Loaded {
  readonly state: ViewState;
  readonly span: DaySpan;
  readonly today: string;
  readonly database: string;
  readonly freshness: Row;
  /** The first day with a logged request, or null when nothing is loaded yet. */
  readonly firstDay: string | null;
  /** The path of the first chart: the state's, or the most requested .js file. */
  readonly path: string;
  readonly hosts: Outcome<Row[]>;
  readonly pathHits: Outcome<Row[]>;
  readonly daily: Outcome<Row[]>;
  readonly clients: Outcome<Row[]>;
  readonly status: Outcome<Row[]>;
  readonly topPaths: Outcome<Row[]>;
  readonly referrers: Outcome<Row[]>;
  readonly locations: Outcome<Row[]>;
}

/** Days fetched before the range so the first days get a full 28-day average. */
const AVERAGE_LEAD_IN_DAYS = 27;

async function settle<T>(promise: Promise<T>): Promise<Outcome<T>> {
  try {
    return { value: await promise };
  } catch (error) {
    return { error: error instanceof Error ? error : new Error(String(error)) };
  }
}

/** Throws InvalidRangeError, LoginRequiredError or a query error when the page cannot start. */
export async function loadView(state: ViewState, now: Date): Promise<Loaded> {
  const span = daySpan(state, now);
  const [database, freshness] = await findDatabase(state.database);
  const run = (query: string, params: QueryParams = {}) => runQuery(database, query, params);
  const filter = { start: span.start, end: span.end, host: state.host };

  const hosts = await settle(run('dashboard_hosts'));
  const firstDay = typeof freshness.first_day === 'string' ? freshness.first_day : null;
  const path = state.path || (firstDay === null ? '' : await defaultPath(run, filter));

  const [pathHits, daily, clients, status, topPaths, referrers, locations] = await Promise.all([
    settle(
      run('dashboard_path_hits', {
        ...filter,
        start: addDays(span.start, -AVERAGE_LEAD_IN_DAYS),
        path,
      }),
    ),
    settle(run('dashboard_daily', filter)),
    settle(run('dashboard_clients', filter)),
    settle(run('dashboard_status', filter)),
    settle(run('dashboard_top_paths', filter)),
    settle(run('dashboard_top_referrers', filter)),
    settle(run('dashboard_locations', filter)),
  ]);
  const today = toDay(now);
  return {
    state,
    span,
    today,
    database,
    freshness,
    firstDay,
    path,
    hosts,
    pathHits,
    daily,
    clients,
    status,
    topPaths,
    referrers,
    locations,
  };
}

/**
 * Returns the database to read with its freshness row: the named one, or else
 * the first database Datasette lists that has the dashboard's canned queries.
 */
async function findDatabase(name: string): Promise<[string, Row]> {
  const candidates = name ? [name] : await listDatabases();
  for (const candidate of candidates) {
    try {
      const rows = await runQuery(candidate, 'dashboard_freshness', {});
      return [candidate, rows[0] ?? {}];
    } catch (error) {
      if (!(error instanceof QueryNotFoundError)) throw error;
    }
  }
  throw new QueryFailedError(
    name
      ? `The database ${name} has no dashboard queries: remove db=${name} from the address.`
      : 'No database that Datasette serves has the dashboard queries: start it with --db FILE.',
  );
}

async function defaultPath(
  run: (query: string, params: QueryParams) => Promise<Row[]>,
  filter: QueryParams,
): Promise<string> {
  const rows = await run('dashboard_default_path', filter);
  const uri = rows[0]?.uri;
  return typeof uri === 'string' ? uri : '';
}
