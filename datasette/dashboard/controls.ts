// The control form above the charts: shows a view state in the inputs and
// reads the inputs back into a view state when the visitor changes one.

import type { Row } from './api.js';
import type { Loaded } from './load.js';
import type { ViewState } from './state.js';

export interface Controls {
  readonly form: HTMLFormElement;
  readonly path: HTMLInputElement;
  readonly pathOptions: HTMLDataListElement;
  readonly host: HTMLSelectElement;
  readonly range: HTMLSelectElement;
  readonly start: HTMLInputElement;
  readonly end: HTMLInputElement;
  readonly window: HTMLSelectElement;
}

function element<T extends Element>(selector: string): T {
  const found = document.querySelector<T>(selector);
  if (found === null) throw new Error(`The page template has no ${selector} element.`);
  return found;
}

/** Finds the form's inputs in the page template. */
export function findControls(): Controls {
  return {
    form: element('#dashboard-controls'),
    path: element('#control-path'),
    pathOptions: element('#control-path-options'),
    host: element('#control-host'),
    range: element('#control-range'),
    start: element('#control-start'),
    end: element('#control-end'),
    window: element('#control-window'),
  };
}

/** Reads the inputs into a view state, taking the database from `base` because no input shows it. */
export function readControls(controls: Controls, base: ViewState): ViewState {
  const range = controls.range.value;
  return {
    path: controls.path.value.trim(),
    host: controls.host.value,
    range: range === '30d' || range === 'custom' ? range : 'year',
    start: controls.start.value,
    end: controls.end.value,
    window: controls.window.value === '28' ? 28 : 7,
    database: base.database,
  };
}

/** Shows a state in the inputs, with the day inputs editable only for the custom range. */
export function writeControls(controls: Controls, state: ViewState): void {
  controls.path.value = state.path;
  ensureOption(controls.host, state.host, state.host);
  controls.host.value = state.host;
  controls.range.value = state.range;
  controls.start.value = state.start;
  controls.end.value = state.end;
  controls.window.value = String(state.window);
  const custom = state.range === 'custom';
  controls.start.disabled = !custom;
  controls.end.disabled = !custom;
}

/** Shows what a load resolved: the default path, the range's days, hosts and top paths. */
export function writeLoaded(controls: Controls, loaded: Loaded): void {
  controls.path.value = loaded.state.path;
  controls.path.placeholder = loaded.path || 'path, e.g. /lib/app.min.js';
  controls.start.value = loaded.span.start;
  controls.end.value = loaded.span.end;

  if ('value' in loaded.hosts) {
    for (const row of loaded.hosts.value)
      ensureOption(controls.host, String(row.host), String(row.host));
  }
  if ('value' in loaded.topPaths) {
    controls.pathOptions.replaceChildren(...loaded.topPaths.value.map(pathOption));
  }
}

function pathOption(row: Row): HTMLOptionElement {
  const option = document.createElement('option');
  option.value = String(row.uri);
  return option;
}

function ensureOption(select: HTMLSelectElement, value: string, label: string): void {
  if (value === '' || Array.from(select.options).some((option) => option.value === value)) return;
  const option = document.createElement('option');
  option.value = value;
  option.textContent = label;
  select.append(option);
}
