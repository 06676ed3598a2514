/**
 * Simulated time: an integer millisecond counter and a queue of events ordered by time, then
 * by insertion (so equal times run in a deterministic order). Nothing here reads a real clock.
 */
interface QueuedEvent {
  at: number;
  seq: number;
  run: () => void;
}

export class EventQueue {
  now = 0;
  private seq = 0;
  private readonly heap: QueuedEvent[] = [];

  at(time: number, run: () => void): void {
    this.push({ at: Math.max(time, this.now), seq: this.seq++, run });
  }

  after(ms: number, run: () => void): void {
    this.at(this.now + Math.max(0, Math.round(ms)), run);
  }

  get size(): number {
    return this.heap.length;
  }

  /** Runs the next event; false when none is left or the next is past `until`. */
  step(until: number): boolean {
    const next = this.heap[0];
    if (!next || next.at > until) return false;
    this.pop();
    this.now = next.at;
    next.run();
    return true;
  }

  private push(event: QueuedEvent): void {
    const heap = this.heap;
    heap.push(event);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(event, heap[parent] as QueuedEvent)) break;
      heap[i] = heap[parent] as QueuedEvent;
      i = parent;
    }
    heap[i] = event;
  }

  private pop(): void {
    const heap = this.heap;
    const last = heap.pop() as QueuedEvent;
    if (heap.length === 0) return;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= heap.length) break;
      const right = left + 1;
      const child = right < heap.length && before(heap[right] as QueuedEvent, heap[left] as QueuedEvent) ? right : left;
      if (!before(heap[child] as QueuedEvent, last)) break;
      heap[i] = heap[child] as QueuedEvent;
      i = child;
    }
    heap[i] = last;
  }
}

function before(a: QueuedEvent, b: QueuedEvent): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}
