// Reads the dashboard's canned queries from Datasette's JSON API with the
// visitor's session cookie, and turns each way a request can fail into one
// error class that the page explains.

/** Parameter values of a canned query, which Datasette receives as text. */
export type QueryParams = Readonly<Record<string, string>>;

export type Row = Record<string, string | number | null>;

/** The server found no logged-in actor: the session cookie is missing or has expired. */
export class LoginRequiredError extends Error {}

/** Datasette stopped the query at its `sql_time_limit_ms` setting. */
export class QueryTimeoutError extends Error {}

/** The query or the request failed for another reason, given in the message. */
export class QueryFailedError extends Error {}

/** The database has no such canned query, as for a database without the analytics schema. */
export class QueryNotFoundError extends QueryFailedError {}

/** A table the query reads is missing because no ingest has run the latest migrations yet. */
export class SchemaOutdatedError extends QueryFailedError {}

/** Path of the login form of datasette-auth-passwords. */
export const LOGIN_PATH = '/-/login';

/** Datasette's JSON for a canned query with `_shape=objects`. */
interface QueryResponse {
  readonly ok?: boolean;
  readonly rows?: Row[];
  readonly error?: string | null;
  readonly title?: string;
}

/**
 * Builds the JSON URL of a canned query.
 *
 * NOTE: URLs start at the site root, so Datasette's base_url setting must stay
 * "/", as it is in datasette/serve.sh.
 */
export function queryUrl(database: string, query: string, params: QueryParams): string {
  const search = new URLSearchParams({ ...params, _shape: 'objects' });
  return `/${encodeURIComponent(database)}/${encodeURIComponent(query)}.json?${search}`;
}

/** Runs a canned query and returns its rows, or throws one of the errors above. */
export async function runQuery(
  database: string,
  query: string,
  params: QueryParams,
): Promise<Row[]> {
  const url = queryUrl(database, query, params);
  let response: Response;
  try {
    response = await fetch(url, {
      credentials: 'same-origin',
      headers: { Accept: 'application/json' },
    });
  } catch (error) {
    throw new QueryFailedError(`Could not reach Datasette for ${query}: ${String(error)}`, {
      cause: error,
    });
  }

  if (response.status === 401 || response.status === 403 || isLoginPage(response)) {
    throw new LoginRequiredError(`Datasette returned HTTP ${response.status} for ${query}.`);
  }
  if (response.status === 404) {
    throw new QueryNotFoundError(`The database ${database} has no canned query ${query}.`);
  }
  const body = await readJson(response, query);
  if (response.ok && body.ok !== false && Array.isArray(body.rows)) return body.rows;

  const message = body.error ?? body.title ?? `HTTP ${response.status}`;
  if (/too long|interrupted/i.test(message)) {
    throw new QueryTimeoutError(`The query ${query} took longer than the server's time limit.`);
  }
  if (/no such table/i.test(message)) {
    throw new SchemaOutdatedError(`The query ${query} failed: ${message}.`);
  }
  throw new QueryFailedError(`The query ${query} failed: ${message}`);
}

/** Lists the names of the databases Datasette serves, leaving out its internal ones. */
export async function listDatabases(): Promise<string[]> {
  let response: Response;
  try {
    response = await fetch('/.json', { credentials: 'same-origin' });
  } catch (error) {
    throw new QueryFailedError(`Could not reach Datasette: ${String(error)}`, { cause: error });
  }
  if (response.status === 401 || response.status === 403 || isLoginPage(response)) {
    throw new LoginRequiredError(
      `Datasette returned HTTP ${response.status} for the database list.`,
    );
  }
  const body = (await readJson(response, 'the database list')) as Record<string, unknown>;
  return Object.keys(body).filter((name) => !name.startsWith('_'));
}

/** Detects a request redirected to the login form, which returns HTML instead of JSON. */
function isLoginPage(response: Response): boolean {
  return response.redirected && new URL(response.url).pathname === LOGIN_PATH;
}

async function readJson(response: Response, what: string): Promise<QueryResponse> {
  try {
    return (await response.json()) as QueryResponse;
  } catch (error) {
    throw new QueryFailedError(
      `Datasette returned HTTP ${response.status} for ${what} with a body that is not JSON.`,
      { cause: error },
    );
  }
}
