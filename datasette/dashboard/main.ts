// Entry point of the usage dashboard (datasette/templates/pages/dashboard.html):
// reads the view from the URL, loads the canned queries, draws the panels, and
// reloads when a control changes or the browser goes back.

import {
  findControls,
  readControls,
  writeControls,
  writeLoaded,
  type Controls,
} from './controls.js';
import { loadView, type Loaded } from './load.js';
import { errorMessage, noDataMessage } from './messages.js';
import { drawPanels } from './panels.js';
import { formatState, parseState, type ViewState } from './state.js';

const RESIZE_DELAY_MS = 200;

class Dashboard {
  private generation = 0;
  private loaded: Loaded | null = null;
  private state: ViewState;
  private readonly pageMessage: HTMLElement;
  private readonly panels: HTMLElement;

  constructor(private readonly controls: Controls) {
    this.state = parseState(location.search);
    this.pageMessage = document.querySelector<HTMLElement>('#dashboard-message') ?? document.body;
    this.panels = document.querySelector<HTMLElement>('#dashboard-panels') ?? document.body;
  }

  start(): void {
    this.controls.form.addEventListener('change', () => this.applyControls());
    this.controls.form.addEventListener('submit', (event) => {
      event.preventDefault();
      this.applyControls();
    });
    window.addEventListener('popstate', () => void this.show(parseState(location.search)));
    window.addEventListener(
      'resize',
      debounce(() => this.redraw(), RESIZE_DELAY_MS),
    );
    void this.show(this.state);
  }

  /** Shows the state the inputs describe. Enter in the path input fires both change and submit. */
  private applyControls(): void {
    const state = readControls(this.controls, this.state);
    if (formatState(state) === location.search && document.body.dataset.dashboard === 'loading') {
      return;
    }
    history.pushState(null, '', location.pathname + formatState(state));
    void this.show(state);
  }

  /** Loads and draws a state. A newer call makes an older one drop its result. */
  private async show(state: ViewState): Promise<void> {
    const generation = ++this.generation;
    this.state = state;
    writeControls(this.controls, state);
    document.body.dataset.dashboard = 'loading';

    let loaded: Loaded;
    try {
      loaded = await loadView(state, new Date());
    } catch (error) {
      if (generation !== this.generation) return;
      this.showPageMessage(errorMessage(error instanceof Error ? error : new Error(String(error))));
      document.body.dataset.dashboard = 'error';
      return;
    }
    if (generation !== this.generation) return;

    this.loaded = loaded;
    writeLoaded(this.controls, loaded);
    if (loaded.firstDay === null) {
      this.showPageMessage(noDataMessage());
      document.body.dataset.dashboard = 'empty';
      return;
    }
    this.pageMessage.replaceChildren();
    this.panels.hidden = false;
    drawPanels(loaded, new Date());
    document.body.dataset.dashboard = 'ready';
  }

  private showPageMessage(element: HTMLElement): void {
    this.pageMessage.replaceChildren(element);
    this.panels.hidden = true;
  }

  private redraw(): void {
    if (this.loaded !== null && !this.panels.hidden) drawPanels(this.loaded, new Date());
  }
}

function debounce(run: () => void, delayMs: number): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return () => {
    clearTimeout(timer);
    timer = setTimeout(run, delayMs);
  };
}

new Dashboard(findControls()).start();
