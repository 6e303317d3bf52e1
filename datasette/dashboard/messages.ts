// Messages the page shows when it cannot draw something. Each one names what
// happened and what the visitor can do about it.

import { LOGIN_PATH, LoginRequiredError, QueryTimeoutError, SchemaOutdatedError } from './api.js';
import { InvalidRangeError } from './state.js';

export type Tone = 'info' | 'warning' | 'error';

/** Builds a message paragraph, with an anchor after the text when `link` is given. */
export function message(
  tone: Tone,
  text: string,
  link?: { readonly href: string; readonly text: string },
): HTMLElement {
  const paragraph = document.createElement('p');
  paragraph.className = `message message-${tone}`;
  paragraph.textContent = text;
  if (link) {
    const anchor = document.createElement('a');
    anchor.href = link.href;
    anchor.textContent = link.text;
    paragraph.append(' ', anchor);
  }
  return paragraph;
}

/** Builds the login form's address with `next`, so the login returns to this view. */
function loginReturningHere(): string {
  const next = new URLSearchParams({ next: window.location.pathname + window.location.search });
  return `${LOGIN_PATH}?${next}`;
}

/** Explains an error from loading the page or one of its panels. */
export function errorMessage(error: Error): HTMLElement {
  if (error instanceof LoginRequiredError) {
    return message(
      'warning',
      'Your login has expired or you are logged out, so Datasette sent no data.',
      { href: loginReturningHere(), text: 'Log in again to return to this page.' },
    );
  }
  if (error instanceof QueryTimeoutError) {
    return message(
      'error',
      `${error.message} Choose a shorter date range, or ask whoever runs Datasette to raise ` +
        'its sql_time_limit_ms setting.',
    );
  }
  if (error instanceof SchemaOutdatedError) {
    return message(
      'warning',
      `${error.message} The database predates this dashboard. The next ingest run upgrades ` +
        'it, or run cdn-analytics ingest once now.',
    );
  }
  if (error instanceof InvalidRangeError) return message('error', error.message);
  return message(
    'error',
    `${error.message} Reload the page; if it fails again, check the Datasette log.`,
  );
}

/** Explains an empty database. */
export function noDataMessage(): HTMLElement {
  return message(
    'info',
    'No requests have been loaded yet. Run the ingester (cdn-analytics ingest --source ' +
      'LOGS --db FILE) on this database, then reload this page.',
  );
}
