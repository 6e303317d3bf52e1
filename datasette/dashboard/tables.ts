// HTML tables of the dashboard (top paths, top referrers) and the totals
// cards. Text goes in through textContent only, so a logged path or referrer
// can never inject markup.

import { formatBytes, formatCount, formatPercent } from './format.js';

export interface RankedRow {
  readonly label: string;
  readonly requests: number;
  readonly bytes?: number;
  /** When set, the label links here. */
  readonly href?: string;
}

export interface Total {
  readonly name: string;
  readonly value: string;
  readonly detail?: string;
}

function cell(tag: 'td' | 'th', text: string, className?: string): HTMLElement {
  const element = document.createElement(tag);
  element.textContent = text;
  if (className) element.className = className;
  return element;
}

/** Builds a table of labels with their requests, share of `total` and optionally bytes. */
export function rankedTable(
  rows: readonly RankedRow[],
  labelHeading: string,
  total: number,
): HTMLTableElement {
  const table = document.createElement('table');
  table.className = 'ranked';
  const withBytes = rows.some((row) => row.bytes !== undefined);

  const head = table.createTHead().insertRow();
  head.append(cell('th', labelHeading, 'label'), cell('th', 'Requests', 'number'));
  head.append(cell('th', 'Share', 'number'));
  if (withBytes) head.append(cell('th', 'Bytes', 'number'));

  const body = table.createTBody();
  for (const row of rows) {
    const line = body.insertRow();
    line.append(labelCell(row));
    line.append(cell('td', formatCount(row.requests), 'number'));
    line.append(cell('td', total > 0 ? formatPercent(row.requests / total) : '', 'number'));
    if (withBytes) line.append(cell('td', formatBytes(row.bytes ?? 0), 'number'));
  }
  return table;
}

function labelCell(row: RankedRow): HTMLElement {
  const element = cell('td', '', 'label');
  element.title = row.label;
  if (row.href === undefined) {
    element.textContent = row.label;
    return element;
  }
  const link = document.createElement('a');
  link.href = row.href;
  link.textContent = row.label;
  element.append(link);
  return element;
}

/** Builds the row of totals cards. */
export function totalsCards(totals: readonly Total[]): HTMLElement {
  const list = document.createElement('dl');
  list.className = 'totals';
  for (const total of totals) {
    const card = document.createElement('div');
    card.className = 'total';
    const name = document.createElement('dt');
    name.textContent = total.name;
    const value = document.createElement('dd');
    value.textContent = total.value;
    card.append(name, value);
    if (total.detail) {
      const detail = document.createElement('dd');
      detail.className = 'detail';
      detail.textContent = total.detail;
      card.append(detail);
    }
    list.append(card);
  }
  return list;
}
