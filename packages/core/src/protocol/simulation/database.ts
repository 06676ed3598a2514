/**
 * An in-memory model of our database: payments, the attempt log, careful-mode and alarm state.
 * Each method is one statement or one transaction of the production code, atomic here as it is
 * in Postgres; the comment on each says the rule the real SQL must enforce. The decisions
 * themselves come from the pure functions under test (outcomes.ts, careful-mode.ts).
 */
import type { SubmitOutcome } from '../../gateway/gateway-client.js';
import { canTransition, type GatewayStatus, type PaymentStatus } from '../../payments/status.js';
import { type AttemptOutcome, decideCarefulMode, isUnknown, type RecentOutcome } from '../careful-mode.js';
import type { ClockSample } from '../clock.js';
import { decideLateOutcome, decideOutcome, decideUnrecorded } from '../outcomes.js';
import type { Random } from './random.js';
import { SETTINGS } from './schedule.js';

export interface Payment {
  id: string;
  status: PaymentStatus;
  /** Number of the latest attempt (0: never sent). */
  attempts: number;
  /** The latest attempt is in flight (opened, no outcome recorded, lease not yet expired). */
  attemptOpen: boolean;
  attemptStartedAt: number | null;
  leaseUntil: number | null;
  nextAttemptAt: number;
  /** Our-clock span of the unknown attempt: from before its request left to when we gave up. */
  unconfirmedFrom: number | null;
  unconfirmedUntil: number | null;
  /** Its gateway-clock window, stored once a later sample of the same era confirmed it (frozen). */
  windowGw: { from: number; until: number } | null;
  confirmationId: string | null;
  /** Entries a group resolution tied to it. */
  groupIds: string[] | null;
  insertedAt: number;
  events: string[];
}

export interface AttemptRow {
  paymentId: string;
  attempt: number;
  startedAt: number;
  leaseUntil: number;
  endedAt: number | null;
  outcome: AttemptOutcome | null;
  confirmationId: string | null;
  gatewayCreatedAt: number | null;
  /** The outcome arrived after the attempt stopped being current. */
  late: boolean;
}

export type AlarmKind = 'foreign' | 'surplus' | 'late_accept' | 'list' | 'clock';
export interface Alarm {
  kind: AlarmKind;
  at: number;
  detail: string;
}

export class SimDatabase {
  readonly payments: Payment[] = [];
  readonly byId = new Map<string, Payment>();
  readonly attempts: AttemptRow[] = [];
  carefulSince: number | null = null;
  /**
   * Entries created (gateway clock) before this were checked for foreign ones. A fresh install
   * starts it at the first clock estimate (history before it is not ours to judge); here the
   * gateway starts empty, so every entry is checked.
   */
  foreignWatermark: number | null = Number.NEGATIVE_INFINITY;
  /** Foreign entries wait for an operator's acknowledgement (none comes in the simulation). */
  paused = false;
  readonly alarms: Alarm[] = [];
  carefulChanges = 0;
  /** Late acceptances that found the payment re-queued, its next attempt not yet opened. */
  lateAcceptWhileQueued = 0;
  /** Clock samples from before the run (the history's accepted sends, as the migration backfills them). */
  readonly history: ClockSample[] = [];

  constructor(
    private readonly random: Random,
    private readonly trace: (line: string) => void,
  ) {}

  alarm(kind: AlarmKind, at: number, detail: string): void {
    this.alarms.push({ kind, at, detail });
    this.trace(`ALARM ${kind}: ${detail}`);
  }

  /** POST /payments: the row is the outbox, written before any network call. */
  insert(now: number): Payment {
    const p: Payment = {
      id: `p${this.payments.length + 1}`,
      status: 'received',
      attempts: 0,
      attemptOpen: false,
      attemptStartedAt: null,
      leaseUntil: null,
      // The syncer leaves a fresh payment to the API's inline attempt for a while.
      nextAttemptAt: now + SETTINGS.inlineGraceMs,
      unconfirmedFrom: null,
      unconfirmedUntil: null,
      windowGw: null,
      confirmationId: null,
      groupIds: null,
      insertedAt: now,
      events: [],
    };
    this.payments.push(p);
    this.byId.set(p.id, p);
    this.event(p, now, 'inserted (received)');
    return p;
  }

  /**
   * Opens the next attempt, stored before the request leaves: one conditional statement
   * (`UPDATE payments SET attempts = attempts + 1, attempt_open, lease_until … WHERE id = $1
   * AND status = 'received' AND NOT attempt_open AND attempts = $expected`, plus the
   * payment_attempts row), so two processes can never open the same attempt.
   */
  openAttempt(p: Payment, expectedAttempts: number, now: number): number | null {
    if (p.status !== 'received' || p.attemptOpen || p.attempts !== expectedAttempts) return null;
    p.attempts++;
    p.attemptOpen = true;
    p.attemptStartedAt = now;
    p.leaseUntil = now + SETTINGS.leaseMs;
    this.attempts.push({
      paymentId: p.id,
      attempt: p.attempts,
      startedAt: now,
      leaseUntil: p.leaseUntil,
      endedAt: null,
      outcome: null,
      confirmationId: null,
      gatewayCreatedAt: null,
      late: false,
    });
    this.event(p, now, `attempt ${p.attempts} opened`);
    return p.attempts;
  }

  /**
   * The syncer claims ONE due payment and opens its attempt in the same statement (`FOR UPDATE
   * SKIP LOCKED LIMIT 1`), right before its own send, never a batch. Attempts already at the
   * cap are never claimed (they were rejected or left unconfirmed).
   */
  claimDue(now: number): { payment: Payment; attempt: number } | null {
    let best: Payment | null = null;
    for (const p of this.payments) {
      if (p.status !== 'received' || p.attemptOpen || p.nextAttemptAt > now || p.attempts >= SETTINGS.maxAttempts) continue;
      if (!best || p.nextAttemptAt < best.nextAttemptAt) best = p;
    }
    if (!best) return null;
    const attempt = this.openAttempt(best, best.attempts, now);
    return attempt === null ? null : { payment: best, attempt };
  }

  private row(paymentId: string, attempt: number): AttemptRow {
    const row = this.attempts.find((a) => a.paymentId === paymentId && a.attempt === attempt);
    if (!row) throw new Error(`no attempt row ${paymentId}#${attempt}`);
    return row;
  }

  /**
   * Records an outcome. Applied to the payment only if its attempt is still the current one
   * (`WHERE attempts = $k AND attempt_open`); otherwise it is kept in the attempt log as late
   * and judged by decideLateOutcome, never applied over a newer attempt.
   */
  recordOutcome(p: Payment, k: number, outcome: SubmitOutcome, now: number): void {
    const row = this.row(p.id, k);
    row.endedAt = now;
    row.outcome = outcome.kind === 'accepted' ? 'accepted' : outcome.kind === 'not_delivered' ? 'not_delivered' : outcome.kind;
    if (outcome.kind === 'accepted') {
      row.confirmationId = outcome.confirmationId;
      row.gatewayCreatedAt = outcome.gatewayCreatedAt ? outcome.gatewayCreatedAt.getTime() : null;
    }
    if (p.attempts === k && p.attemptOpen) {
      p.attemptOpen = false;
      const decision = decideOutcome(outcome, k, {
        maxAttempts: SETTINGS.maxAttempts,
        backoff: SETTINGS.backoff,
        retryAfterCapMs: SETTINGS.retryAfterCapMs,
        random: () => this.random.next(),
      });
      switch (decision.record) {
        case 'accepted':
          this.setStatus(p, 'pending', now, `attempt ${k} accepted as ${decision.confirmationId}`);
          p.confirmationId = decision.confirmationId;
          break;
        case 'retry':
          p.nextAttemptAt = now + decision.retryInMs;
          this.event(p, now, `attempt ${k} not delivered (${decision.reason}); retry in ${decision.retryInMs} ms`);
          break;
        case 'rejected':
          this.setStatus(p, 'rejected', now, `attempt ${k}: ${decision.reason}`);
          break;
        case 'unconfirmed':
          p.unconfirmedFrom = row.startedAt;
          p.unconfirmedUntil = now;
          p.windowGw = null;
          this.setStatus(p, 'unconfirmed', now, `attempt ${k} ambiguous (${decision.reason})`);
          break;
      }
      return;
    }
    row.late = true;
    const late = decideLateOutcome(
      { status: p.status, attempts: p.attempts, confirmationId: p.confirmationId },
      { attempt: k, outcome },
    );
    this.event(p, now, `late outcome of attempt ${k}: ${outcome.kind} → ${late.action}`);
    if (late.action === 'link' && outcome.kind === 'accepted') {
      // Conditional as every other write: still unconfirmed on that same attempt.
      p.confirmationId = outcome.confirmationId;
      p.windowGw = null;
      this.setStatus(p, 'pending', now, `linked by the late acceptance of attempt ${k}`);
    } else if (late.action === 'alarm') {
      if (p.status === 'received' && p.attempts === k) this.lateAcceptWhileQueued++;
      this.alarm('late_accept', now, `${p.id}: ${late.why}`);
    }
  }

  /**
   * Any syncer, every cycle: attempts whose lease ran out (their process died, or stalls) are
   * interrupted; the payment becomes unconfirmed, its window ending when the lease did.
   */
  expireLeases(now: number): void {
    for (const p of this.payments) {
      if (!p.attemptOpen || p.leaseUntil === null || p.leaseUntil > now) continue;
      const row = this.row(p.id, p.attempts);
      row.endedAt = now;
      row.outcome = 'interrupted';
      p.attemptOpen = false;
      p.unconfirmedFrom = row.startedAt;
      p.unconfirmedUntil = p.leaseUntil;
      p.windowGw = null;
      this.setStatus(p, 'unconfirmed', now, `attempt ${p.attempts} interrupted (lease expired)`);
    }
  }

  /**
   * Accepted attempts give clock samples (late ones too: their bracket is as valid). RULE: only
   * samples whose round trip is within marginMs − toleranceMs: a step smaller than a sample's
   * round trip can hide inside it, and the margin must cover what can hide.
   */
  clockSamples(wide = false): ClockSample[] {
    const samples: ClockSample[] = [...this.history];
    const widest = wide ? Number.POSITIVE_INFINITY : SETTINGS.marginMs - SETTINGS.toleranceMs;
    for (const a of this.attempts) {
      if (a.outcome === 'accepted' && a.gatewayCreatedAt !== null && a.endedAt !== null && a.endedAt - a.startedAt <= widest)
        samples.push({ sentAt: a.startedAt, answeredAt: a.endedAt, gatewayAt: a.gatewayCreatedAt });
    }
    return samples;
  }

  /** The most recent outcomes, newest first (late ones excluded: they say nothing new). */
  recent(): RecentOutcome[] {
    const ended = this.attempts.filter((a) => a.endedAt !== null && a.outcome !== null && !a.late);
    ended.sort((a, b) => (b.endedAt as number) - (a.endedAt as number));
    return ended
      .slice(0, SETTINGS.recentOutcomes)
      .map((a) => ({ outcome: a.outcome as AttemptOutcome, endedAt: a.endedAt as number, startedAt: a.startedAt }));
  }

  lastUnknownEndedAt(): number | null {
    let last: number | null = null;
    for (const a of this.attempts) {
      if (a.outcome && isUnknown(a.outcome) && a.endedAt !== null && (last === null || a.endedAt > last)) last = a.endedAt;
    }
    return last;
  }

  inFlight(): number {
    let n = 0;
    for (const p of this.payments) if (p.attemptOpen) n++;
    return n;
  }

  updateCarefulMode(now: number): void {
    const decision = decideCarefulMode(this.carefulSince, this.recent(), now, SETTINGS.careful);
    if (!decision.changed) return;
    this.carefulSince = decision.careful ? now : null;
    this.carefulChanges++;
    this.trace(`careful mode ${decision.careful ? 'on' : 'off'}: ${decision.reason}`);
  }

  // --- the leader's decisions, each conditional on the owner still being what was judged

  private stillOwner(ref: { paymentId: string; attempt: number }): Payment | null {
    const p = this.byId.get(ref.paymentId);
    return p && p.status === 'unconfirmed' && p.attempts === ref.attempt && !p.attemptOpen ? p : null;
  }

  applyLink(ref: { paymentId: string; attempt: number }, confirmationId: string, status: GatewayStatus, now: number): void {
    const p = this.stillOwner(ref);
    if (!p) return;
    p.confirmationId = confirmationId;
    this.setStatus(p, status, now, `linked to ${confirmationId} by its window`);
  }

  applyUnrecorded(ref: { paymentId: string; attempt: number }, now: number): void {
    const p = this.stillOwner(ref);
    if (!p) return;
    const decision = decideUnrecorded(ref.attempt, SETTINGS.maxAttempts);
    if (decision.record === 'rejected') {
      this.setStatus(p, 'rejected', now, decision.reason);
      return;
    }
    p.nextAttemptAt = now;
    p.unconfirmedFrom = null;
    p.unconfirmedUntil = null;
    p.windowGw = null;
    this.setStatus(p, 'received', now, `attempt ${ref.attempt} never recorded: re-queued`);
  }

  applyGroup(
    owners: ReadonlyArray<{ paymentId: string; attempt: number }>,
    ids: string[],
    status: GatewayStatus,
    now: number,
  ): void {
    const ps = owners.map((o) => this.stillOwner(o));
    if (ps.some((p) => p === null)) return; // one transaction: all or none
    for (const p of ps as Payment[]) {
      p.groupIds = [...ids];
      this.setStatus(p, status, now, `resolved as a group with ${ids.join(',')}`);
    }
  }

  /** Status sync: a pending payment takes its entry's newer status. */
  syncStatus(p: Payment, status: GatewayStatus, now: number): void {
    if (p.status === 'pending' && status !== 'pending') this.setStatus(p, status, now, `gateway says ${status}`);
  }

  private setStatus(p: Payment, to: PaymentStatus, now: number, why: string): void {
    // The status machine is enforced by the database in production; a refusal here is a bug.
    if (!canTransition(p.status, to)) throw new Error(`${p.id}: ${p.status} → ${to} is not allowed (${why})`);
    this.event(p, now, `${p.status} → ${to}: ${why}`);
    p.status = to;
  }

  private event(p: Payment, now: number, what: string): void {
    p.events.push(`${now} ${what}`);
    this.trace(`${p.id} ${what}`);
  }
}
