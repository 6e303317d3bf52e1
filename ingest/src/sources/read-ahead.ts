// Bounded read-ahead for a source: starts loading the next items while the caller works on the
// current one, and yields them in their original order. Limits on items and bytes ahead keep
// memory flat however long the listing is.

/** An item whose load has started. */
export interface Loading {
  /** Bytes this item buffers until the caller takes it; 0 when it loads nothing ahead. */
  readonly weight: number;
  /** Stops the load of an item the caller will never take. */
  cancel(): void;
}

export interface ReadAheadLimits {
  /** Items with a nonzero weight loading or loaded ahead of the caller. */
  readonly items: number;
  /** Weight ahead of the caller; one item may go past it. */
  readonly bytes: number;
  /** Items of any weight waiting for the caller. */
  readonly queued: number;
}

/**
 * Yields `start(item)` for every item in order, calling `start` up to the limits ahead of the
 * caller. An error of `items` is raised after the items before it have been yielded.
 */
export async function* readAhead<T, L extends Loading>(
  items: AsyncIterable<T>,
  start: (item: T) => L,
  limits: ReadAheadLimits,
): AsyncGenerator<L> {
  const queue: L[] = [];
  let loadingItems = 0;
  let loadingBytes = 0;
  let finished = false;
  let failure: { error: unknown } | null = null;
  let stopped = false;
  let wakeCaller = () => {};
  let wakeProducer = () => {};

  const full = () =>
    queue.length >= limits.queued || loadingItems >= limits.items || loadingBytes >= limits.bytes;

  const produce = async () => {
    try {
      for await (const item of items) {
        while (full() && !stopped) await new Promise<void>((resolve) => (wakeProducer = resolve));
        if (stopped) return;

        const loading = start(item);
        queue.push(loading);
        if (loading.weight > 0) {
          loadingItems++;
          loadingBytes += loading.weight;
        }
        wakeCaller();
      }
    } catch (error) {
      failure = { error };
    } finally {
      finished = true;
      wakeCaller();
    }
  };
  void produce();

  try {
    for (;;) {
      const next = queue.shift();
      if (next) {
        if (next.weight > 0) {
          loadingItems--;
          loadingBytes -= next.weight;
        }
        wakeProducer();
        yield next;
        continue;
      }
      if (finished) {
        if (failure) throw (failure as { error: unknown }).error;
        return;
      }
      await new Promise<void>((resolve) => (wakeCaller = resolve));
    }
  } finally {
    stopped = true;
    wakeProducer();
    for (const loading of queue) loading.cancel();
  }
}
