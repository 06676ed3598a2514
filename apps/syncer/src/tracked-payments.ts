import { PAYMENT_STATUSES, type PaymentStatus } from '@pt/core';

const STATUS_CODE = new Map<PaymentStatus, number>(PAYMENT_STATUSES.map((status, code) => [status, code]));

/**
 * The payments a sync cycle may move (pending here), by confirmation_id, held as columns: a Map
 * from confirmation_id to a slot, and per slot a status code, the gateway's last update time and
 * a "seen in this listing" flag in typed arrays. The syncer keeps one entry per pending payment
 * for a whole cycle, so this is most of its live heap. Besides the id string itself, columns
 * take less than half the memory of an object per payment and its boxed timestamp (figures in
 * bench/README.md), and they give the garbage collector no per-payment objects to trace, again
 * and again, while the syncer parses the gateway's list.
 */
export class TrackedPayments {
  private readonly slots = new Map<string, number>();
  private ids: string[] = [];
  private statuses = new Uint8Array(1024);
  /** Milliseconds since the epoch; NaN when the gateway has not reported an update yet. */
  private updatedAt = new Float64Array(1024);
  private listed = new Uint8Array(1024);
  /**
   * One bit per hash of an id's last characters, set for every tracked id: a clear bit proves an
   * id untracked without a look-up in `slots`. The list holds ten times more untracked ids than
   * tracked ones, and each look-up in a map of 100k ids costs cache misses (0.7-0.9 µs here),
   * where these bits (16 per slot) stay in the cache; figures in bench/README.md.
   */
  private filter = new Uint32Array(filterWords(1024));

  get size(): number {
    return this.ids.length;
  }

  add(confirmationId: string, status: PaymentStatus, gatewayUpdatedAt: Date | null): void {
    if (this.slots.has(confirmationId)) return;
    const slot = this.ids.length;
    if (slot === this.statuses.length) this.grow();
    this.slots.set(confirmationId, slot);
    this.ids.push(confirmationId);
    setBit(this.filter, idHash(confirmationId));
    this.statuses[slot] = STATUS_CODE.get(status) as number;
    this.updatedAt[slot] = gatewayUpdatedAt ? gatewayUpdatedAt.getTime() : Number.NaN;
  }

  /** The slot of a tracked confirmation_id, or undefined when it is not tracked. */
  slotOf(confirmationId: string): number | undefined {
    if (!hasBit(this.filter, idHash(confirmationId))) return undefined;
    return this.slots.get(confirmationId);
  }

  status(slot: number): PaymentStatus {
    return PAYMENT_STATUSES[this.statuses[slot] as number] as PaymentStatus;
  }

  gatewayUpdatedAt(slot: number): Date | null {
    const at = this.updatedAt[slot] as number;
    return Number.isNaN(at) ? null : new Date(at);
  }

  /** Records a change applied from the gateway, so a later duplicate entry compares against it. */
  update(slot: number, status: PaymentStatus, gatewayUpdatedAt: Date): void {
    this.statuses[slot] = STATUS_CODE.get(status) as number;
    this.updatedAt[slot] = gatewayUpdatedAt.getTime();
  }

  /** Marks the slot as seen in this listing; false when it had been seen already (a duplicate). */
  markListed(slot: number): boolean {
    if (this.listed[slot] === 1) return false;
    this.listed[slot] = 1;
    return true;
  }

  /** Forgets what a listing marked (a retried read starts over). */
  resetListed(): void {
    this.listed.fill(0);
  }

  /** The tracked confirmation_ids the listing did not hold. */
  unlisted(): string[] {
    return this.ids.filter((_, slot) => this.listed[slot] === 0);
  }

  private grow(): void {
    const capacity = this.statuses.length * 2;
    const statuses = new Uint8Array(capacity);
    statuses.set(this.statuses);
    const updatedAt = new Float64Array(capacity);
    updatedAt.set(this.updatedAt);
    const listed = new Uint8Array(capacity);
    listed.set(this.listed);
    this.statuses = statuses;
    this.updatedAt = updatedAt;
    this.listed = listed;
    this.filter = new Uint32Array(filterWords(capacity));
    for (const id of this.ids) setBit(this.filter, idHash(id));
  }
}

/** 32-bit words for 16 bits per slot (a power of two), so about 6 % of untracked ids pass. */
function filterWords(capacity: number): number {
  return Math.max(2048, 2 ** Math.ceil(Math.log2(capacity * 16)) / 32);
}

/**
 * FNV-1a over an id's last 8 characters: the random part of a UUID, the changing digits of a
 * counter. Ids that share their last 8 characters all land on one bit, which then lets them
 * through to the map: slower, never wrong.
 */
function idHash(id: string): number {
  let hash = 0x811c9dc5;
  for (let i = Math.max(0, id.length - 8); i < id.length; i++) hash = Math.imul(hash ^ id.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}

function setBit(filter: Uint32Array, hash: number): void {
  const bit = hash & (filter.length * 32 - 1);
  filter[bit >>> 5] = (filter[bit >>> 5] as number) | (1 << (bit & 31));
}

function hasBit(filter: Uint32Array, hash: number): boolean {
  const bit = hash & (filter.length * 32 - 1);
  return ((filter[bit >>> 5] as number) & (1 << (bit & 31))) !== 0;
}
