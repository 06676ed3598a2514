/**
 * The whole delivery protocol in simulated time: API processes that insert and send inline,
 * syncers that expire leases, match unconfirmed payments against the gateway's list (the
 * leader) and send due payments one at a time, all crashing at random points and restarting,
 * against a gateway that misbehaves (gateway.ts). Processes are generators: each `yield` is an
 * I/O (a sleep, a submit, a list read) and a point where the process may die.
 *
 * Modelled: the outbox insert; inline sends unless careful mode; attempts opened (numbered,
 * leased) before each send and fenced outcomes, late ones judged by decideLateOutcome; lease
 * expiry into unconfirmed; one leader (its lock lost when it dies) that loads owners and the
 * cutoff BEFORE reading the list, estimates the clock from accepted sends, places windows,
 * checks the list against our records, matches, and applies links / decideUnrecorded / groups
 * conditionally on the owner being unchanged; status sync; syncers claiming one payment at a
 * time, respecting careful mode's quiet time; crashes between insert and send, between opening
 * an attempt and sending, between send and outcome, and mid-cycle; long stalls before writing
 * an outcome (late outcomes); clients posting to any live API process; a history of clock
 * samples before time 0; light traffic after the faults stop.
 *
 * Not modelled: SQL itself (each DB method is one atomic statement here; the fencing SQL keeps
 * its tests against Postgres); Idempotency-Key replays and client retries of POST; a process
 * pausing between opening an attempt and the request leaving (a send after its own lease ran
 * out is outside the protocol's premise: the client must check its lease right before
 * sending); more than one clock step per run; our own clocks disagreeing (one "our clock");
 * operators acknowledging alarms (a pause lasts to the end); the API's 201/202 answers; network
 * partitions of the database; GET /status failing or being truncated (a read either completes
 * or the process dies).
 *
 * What the pure functions leave to their callers is implemented here as the production code
 * must implement it, each rule marked "RULE" below; those that the simulation showed to matter
 * can be switched off (CallerRules) to replay what goes wrong without them.
 */
import type { SubmitOutcome } from '../../gateway/gateway-client.js';
import { isTerminal } from '../../payments/status.js';
import { mayStartCarefulSend } from '../careful-mode.js';
import { clockAlarm, earliestGatewayTime, estimateClock, windowFor } from '../clock.js';
import { matchUnconfirmed, type Owner, type UnownedEntry } from '../matching.js';
import { SimDatabase } from './database.js';
import { EventQueue } from './events.js';
import { type GatewayEntry, type ListedEntry, SimGateway } from './gateway.js';
import { Random } from './random.js';
import { type Schedule, SETTINGS } from './schedule.js';

type Effect = { kind: 'sleep'; ms: number } | { kind: 'submit'; paymentId: string; attempt: number } | { kind: 'list' };
// biome-ignore lint/suspicious/noExplicitAny: resumed with the effect's result (outcome, list, nothing)
type Coroutine = Generator<Effect, void, any>;

interface JudgedWindow {
  paymentId: string;
  attempt: number;
  from: number;
  until: number;
}

interface SimProcess {
  name: string;
  kind: 'api' | 'syncer';
  up: boolean;
  incarnation: number;
}

export interface SimResult {
  schedule: Schedule;
  violations: string[];
  payments: number;
  /** Payments left unconfirmed at the end: listed for an operator. */
  leftForOperator: number;
  /** Payments recorded more than once at the gateway. */
  doubles: number;
  wrongLinks: number;
  /** Wrong links beyond the bound, unalarmed, that timing alone cannot detect (see judge). */
  masked: number;
  /** Doubles beyond the bound, unalarmed, that timing alone cannot detect (see judge). */
  silentMaskedDoubles: number;
  alarms: Record<string, number>;
  exceededBound: boolean;
  crashes: number;
  lateOutcomes: number;
  lateAcceptWhileQueued: number;
  sends: number;
  /** Why the payments left for an operator were left (the matching's last reason for each). */
  operatorReasons: Record<string, number>;
  /** Sends per fault kind met. */
  faults: Partial<Record<string, number>>;
  endedAt: number;
  quiescent: boolean;
  trace: string[];
}

/** Payments posted after the faults stop, spread over TAIL_SPAN_MS. */
const TAIL_PAYMENTS = 4;
const TAIL_SPAN_MS = 30_000;
const WINDOW_OPTIONS = { marginMs: SETTINGS.marginMs, recordingDelayMs: SETTINGS.recordingDelayMs };

/**
 * The rules the pure functions leave to their caller, as the production code must apply them.
 * Each can be turned off (set to the other value) to show, in a test, what it prevents.
 */
export interface CallerRules {
  /** Judge an unconfirmed window before samples on both sides confirm it (must be false). */
  judgeUnfrozenWindows: boolean;
  /** Move the foreign watermark to the cutoff even past entries some window holds (must be false). */
  watermarkPastCandidates: boolean;
  /** A group with more entries than payments breaks the premise: alarm and pause (must be true). */
  surplusBreaksPremise: boolean;
  /** Take clock samples whatever their round trip (must be false: only those within margin − tolerance). */
  wideSamples: boolean;
}

export const PRODUCTION_RULES: CallerRules = {
  judgeUnfrozenWindows: false,
  watermarkPastCandidates: false,
  surplusBreaksPremise: true,
  wideSamples: false,
};

export function simulate(schedule: Schedule, options: { trace?: boolean; rules?: Partial<CallerRules> } = {}): SimResult {
  const rules: CallerRules = { ...PRODUCTION_RULES, ...options.rules };
  const events = new EventQueue();
  const random = new Random(schedule.seed);
  const traceLines: string[] = [];
  const trace = options.trace ? (line: string) => traceLines.push(`${events.now} ${line}`) : () => {};
  const faultsUntil = schedule.arrivalSpanMs + 5000;
  const hardStop = faultsUntil + 240_000;
  const faulty = () => events.now < faultsUntil;
  const gateway = new SimGateway(events, random, schedule, faultsUntil);
  const db = new SimDatabase(random, trace);
  // The system has been running: a few accepted sends before time 0 measured the gateway's clock.
  for (const at of [-40_000, -25_000, -10_000]) {
    const rtt = random.int(20, 150);
    db.history.push({ sentAt: at, answeredAt: at + rtt, gatewayAt: gateway.clock(at + Math.floor(rtt / 2)) });
  }
  let leader: SimProcess | null = null;
  let crashes = 0;
  let sends = 0;
  let lastClockAlarm: string | null = null;
  let lastListAlarm: string | null = null;
  /** RULE: unowned entries seen by earlier list reads are tracked too (gateway_orphans); one that vanishes means a wiped history. */
  const seen = new Set<string>();
  /** Every window the matching judged, and every entry a completed cycle's list read returned, for the invariants. */
  const judgedWindows: JudgedWindow[] = [];
  const everListed = new Set<string>();
  /** Why each payment was last left undecided (ambiguous or deferred reason). */
  const lastReason = new Map<string, string>();

  const processes: SimProcess[] = [
    ...Array.from(
      { length: schedule.apiProcesses },
      (_, i): SimProcess => ({ name: `api${i + 1}`, kind: 'api', up: true, incarnation: 0 }),
    ),
    ...Array.from(
      { length: schedule.syncers },
      (_, i): SimProcess => ({ name: `syncer${i + 1}`, kind: 'syncer', up: true, incarnation: 0 }),
    ),
  ];

  function crash(proc: SimProcess): void {
    proc.up = false;
    proc.incarnation++;
    crashes++;
    if (leader === proc) leader = null; // the advisory lock goes with the session
    trace(`${proc.name} CRASHED`);
    events.after(random.int(300, 4000), () => {
      proc.up = true;
      trace(`${proc.name} restarted`);
      if (proc.kind === 'syncer') spawn(proc, syncer(proc));
    });
  }

  function spawn(proc: SimProcess, co: Coroutine): void {
    resume(proc, proc.incarnation, co, undefined);
  }

  function resume(proc: SimProcess, incarnation: number, co: Coroutine, value: unknown): void {
    if (!proc.up || proc.incarnation !== incarnation) return; // it died meanwhile: the coroutine is gone
    if (faulty() && random.chance(schedule.crashRate)) {
      crash(proc);
      return;
    }
    const step = co.next(value);
    if (step.done) return;
    const effect = step.value;
    const back = (at: number, v: unknown) => events.at(at, () => resume(proc, incarnation, co, v));
    switch (effect.kind) {
      case 'sleep':
        back(events.now + effect.ms, undefined);
        return;
      case 'submit': {
        sends++;
        const fate = gateway.submit(events.now, effect.paymentId, effect.attempt);
        trace(
          `${proc.name} sends ${effect.paymentId}#${effect.attempt}: ${fate.fault} → ${describe(fate.outcome)} at ${fate.at}`,
        );
        // A process may stall (a long pause) before it writes the answer down, past its lease.
        const stall = faulty() && random.chance(schedule.stallRate) ? random.int(SETTINGS.leaseMs, 2 * SETTINGS.leaseMs) : 0;
        if (stall) trace(`${proc.name} will stall ${stall} ms before recording ${effect.paymentId}#${effect.attempt}`);
        back(fate.at + stall, fate.outcome);
        return;
      }
      case 'list':
        events.after(random.int(5, 300), () => resume(proc, incarnation, co, gateway.list(events.now)));
        return;
    }
  }

  // --- the API: insert, then send inline unless careful mode is on

  function* apiRequest(proc: SimProcess): Coroutine {
    const p = db.insert(events.now);
    trace(`${proc.name} inserted ${p.id}`);
    yield { kind: 'sleep', ms: random.int(0, 3) }; // may die between insert and send
    // RULE: careful mode (decided from the recent outcomes) stops inline sends: 202, the syncer sends it.
    if (db.carefulSince !== null) return;
    const attempt = db.openAttempt(p, 0, events.now);
    if (attempt === null) return;
    yield { kind: 'sleep', ms: random.int(0, 2) }; // may die after opening the attempt, before the request left
    const outcome: SubmitOutcome = yield { kind: 'submit', paymentId: p.id, attempt };
    db.recordOutcome(p, attempt, outcome, events.now); // may have died first: the lease expires instead
    db.updateCarefulMode(events.now);
  }

  // --- a syncer: leases, the leader's matching, then sends one payment at a time

  function* syncer(proc: SimProcess): Coroutine {
    for (;;) {
      yield { kind: 'sleep', ms: SETTINGS.syncPeriodMs + random.int(0, 300) };
      db.expireLeases(events.now);
      if (leader === null) leader = proc;
      if (leader === proc) yield* leaderCycle();
      db.updateCarefulMode(events.now);
      for (let i = 0; i < SETTINGS.sendsPerCycle; i++) {
        // RULE: in careful mode, a send starts only with nothing in flight and the last unknown window closed.
        if (
          db.carefulSince !== null &&
          !mayStartCarefulSend(
            { inFlight: db.inFlight(), lastUnknownEndedAt: db.lastUnknownEndedAt() },
            events.now,
            SETTINGS.quietMs,
          )
        )
          break;
        const claim = db.claimDue(events.now);
        if (!claim) break;
        trace(`${proc.name} claimed ${claim.payment.id}#${claim.attempt}`);
        const outcome: SubmitOutcome = yield { kind: 'submit', paymentId: claim.payment.id, attempt: claim.attempt };
        db.recordOutcome(claim.payment, claim.attempt, outcome, events.now);
        db.updateCarefulMode(events.now);
      }
    }
  }

  function* leaderCycle(): Coroutine {
    const loadedAt = events.now;
    const eras = estimateClock(db.clockSamples(rules.wideSamples), SETTINGS.toleranceMs);
    const needed = db.payments.some((p) => p.status === 'unconfirmed' || p.attemptOpen);
    const clockText = clockAlarm(eras, needed);
    if (clockText && clockText !== lastClockAlarm && eras.length > 1) db.alarm('clock', loadedAt, clockText);
    lastClockAlarm = clockText;

    // Owners, loaded at `loadedAt`, BEFORE the list is read.
    const owners: Owner[] = [];
    let unknownWindow = false;
    for (const p of db.payments) {
      if (p.status === 'unconfirmed') {
        // RULE: an unconfirmed window is judged only once samples on both sides confirm the
        // offset (frozen), and is then stored, never recomputed; until then it is unknown (null).
        // (apps/syncer's gateway-view judges unfrozen windows too: the simulation finds re-sends
        // after a clock step that way; see rules.judgeUnfrozenWindows.)
        if (!p.windowGw && p.unconfirmedFrom !== null && p.unconfirmedUntil !== null) {
          const w = windowFor({ from: p.unconfirmedFrom, until: p.unconfirmedUntil }, eras, WINDOW_OPTIONS);
          if (w.known && (w.frozen || rules.judgeUnfrozenWindows)) {
            p.windowGw = { from: w.from, until: w.until };
            judgedWindows.push({ paymentId: p.id, attempt: p.attempts, ...p.windowGw });
          }
        }
        if (!p.windowGw) unknownWindow = true;
        owners.push({ paymentId: p.id, attempt: p.attempts, state: 'unconfirmed', window: p.windowGw });
      } else if (p.attemptOpen && p.attemptStartedAt !== null && p.leaseUntil !== null) {
        // RULE: an attempt in flight owns the window up to its lease, placed with the best estimate.
        const w = windowFor({ from: p.attemptStartedAt, until: p.leaseUntil }, eras, WINDOW_OPTIONS);
        if (!w.known) unknownWindow = true;
        owners.push({
          paymentId: p.id,
          attempt: p.attempts,
          state: 'in_flight',
          window: w.known ? { from: w.from, until: w.until } : null,
        });
      }
    }
    const cutoff = earliestGatewayTime(loadedAt, eras, SETTINGS.marginMs);
    const tracked = new Set<string>(seen);
    for (const p of db.payments) {
      if (p.confirmationId) tracked.add(p.confirmationId);
      for (const id of p.groupIds ?? []) tracked.add(id);
    }

    const listed: ListedEntry[] = yield { kind: 'list' }; // may die before applying anything

    // One transaction from here.
    const byId = new Map<string, ListedEntry>();
    let duplicates = 0;
    for (const e of listed) {
      if (byId.has(e.confirmationId)) duplicates++;
      else byId.set(e.confirmationId, e);
    }
    const missing = [...tracked].filter((id) => !byId.has(id));
    // RULE: a list that contradicts our records (tracked entries missing, duplicates) takes no decision.
    const listTrusted = missing.length === 0 && duplicates === 0;
    const listText = listTrusted
      ? null
      : `list contradicts our records: ${missing.length} tracked entries missing, ${duplicates} duplicates`;
    if (listText && listText !== lastListAlarm) db.alarm('list', events.now, listText);
    lastListAlarm = listText;

    const held = new Set<string>();
    for (const p of db.payments) {
      if (p.confirmationId) held.add(p.confirmationId);
      for (const id of p.groupIds ?? []) held.add(id);
    }
    const entries: UnownedEntry[] = [];
    for (const e of byId.values()) if (!held.has(e.confirmationId)) entries.push(e);
    for (const e of entries) seen.add(e.confirmationId);
    for (const e of listed) everListed.add(e.confirmationId);

    const decisions = matchUnconfirmed({
      owners,
      entries,
      cutoff,
      foreignWatermark: db.foreignWatermark,
      listTrusted,
      paused: db.paused,
    });
    // RULE: a group with more entries than payments proves the premise broken as a foreign
    // entry does (each of our attempts makes at most one entry, in its window): alarm, pause,
    // and take no decision in this cycle. (matchUnconfirmed reports it as ambiguous only.)
    const surplus = decisions.ambiguous.filter((a) => a.reason === 'more_entries_than_payments');
    if (surplus.length > 0 && rules.surplusBreaksPremise) {
      db.paused = true;
      db.alarm(
        'surplus',
        events.now,
        `more entries than payments: ${[...new Set(surplus.map((a) => a.candidates.join(',')))].join(' ')}`,
      );
      decisions.links = [];
      decisions.unrecorded = [];
      decisions.groups = [];
    }
    for (const link of decisions.links) db.applyLink(link, link.confirmationId, link.status, events.now);
    for (const ref of decisions.unrecorded) db.applyUnrecorded(ref, events.now);
    for (const group of decisions.groups) db.applyGroup(group.owners, group.confirmationIds, group.status, events.now);
    if (decisions.foreign.length > 0) {
      // RULE: foreign entries pause automatic decisions until an operator acknowledges them.
      db.paused = true;
      db.alarm('foreign', events.now, `entries in no window: ${decisions.foreign.map((e) => e.confirmationId).join(',')}`);
    }
    // RULE: the watermark moves up to the cutoff only when every window was known (an unknown
    // window holds every entry, so hides foreign ones), and never past an entry some window
    // still holds (a candidate): once that window is gone (its owner linked, or it was an
    // attempt in flight that got its own answer), the entry must be checked again.
    if (cutoff !== null && !unknownWindow) {
      const next = Math.min(cutoff, ...decisions.candidates.map((e) => e.createdAt));
      const to = rules.watermarkPastCandidates ? cutoff : next;
      if (db.foreignWatermark === null || to > db.foreignWatermark) db.foreignWatermark = to;
    }
    for (const a of decisions.ambiguous) lastReason.set(a.paymentId, a.reason);
    for (const d of decisions.deferred) lastReason.set(d.paymentId, d.reason);
    if (decisions.ambiguous.length > 0)
      trace(
        `ambiguous: ${decisions.ambiguous.map((a) => `${a.paymentId}#${a.attempt}:${a.reason}[${a.candidates.join(',')}]`).join(' ')}`,
      );

    // Status sync: pending payments take their entry's status.
    for (const p of db.payments) {
      if (p.status !== 'pending' || !p.confirmationId) continue;
      const e = byId.get(p.confirmationId);
      if (e) db.syncStatus(p, e.status, events.now);
    }
  }

  // --- clients: each payment is posted to a live API process at a random time

  function post(attemptsLeft: number): void {
    const live = processes.filter((p) => p.kind === 'api' && p.up);
    if (live.length === 0) {
      if (attemptsLeft > 0) events.after(300, () => post(attemptsLeft - 1));
      return;
    }
    const proc = random.pick(live);
    spawn(proc, apiRequest(proc));
  }
  for (let i = 0; i < schedule.payments; i++) events.at(random.int(0, schedule.arrivalSpanMs), () => post(100));
  // Traffic goes on after the faults, lightly: its accepted sends are the clock samples that
  // confirm the last windows (an unconfirmed window is judged only once a later sample confirms it).
  for (let i = 0; i < TAIL_PAYMENTS; i++) events.at(faultsUntil + random.int(0, TAIL_SPAN_MS), () => post(100));
  for (const proc of processes) if (proc.kind === 'syncer') events.at(random.int(0, 500), () => spawn(proc, syncer(proc)));

  // --- run: faults until `faultsUntil`, then on until nothing moves any more
  let quiescent = false;
  let lastSignature = '';
  let stableChecks = 0;
  const check = () => {
    const signature = db.payments.map((p) => `${p.status}${p.attempts}`).join();
    const busy =
      events.now < faultsUntil + TAIL_SPAN_MS ||
      gateway.pendingRecordings > 0 ||
      processes.some((p) => !p.up) ||
      db.payments.some((p) => p.attemptOpen || p.status === 'received' || (p.status === 'pending' && !gateway.wiped)) ||
      gateway.entries.some((e) => !e.wiped && e.settleAt > events.now);
    stableChecks = !busy && signature === lastSignature ? stableChecks + 1 : 0;
    lastSignature = signature;
    if (stableChecks >= 3) quiescent = true;
    else events.after(2000, check);
  };
  events.at(faultsUntil, check);
  while (!quiescent && events.step(hardStop)) {}

  const operatorReasons: Record<string, number> = {};
  for (const p of db.payments) {
    if (p.status !== 'unconfirmed') continue;
    const why = lastReason.get(p.id) ?? 'never judged';
    operatorReasons[why] = (operatorReasons[why] ?? 0) + 1;
  }
  return judge(schedule, db, gateway, judgedWindows, everListed, operatorReasons, {
    crashes,
    sends,
    endedAt: events.now,
    quiescent,
    trace: traceLines,
  });
}

function describe(outcome: SubmitOutcome): string {
  return outcome.kind === 'accepted' ? `accepted ${outcome.confirmationId}` : `${outcome.kind} (${outcome.reason})`;
}

/**
 * The invariants, checked on the final state against the gateway's truth.
 * (a) within the guarantee (no recording later than the bound, no wiped history; clock
 *     offsets, drift and steps included), no payment is recorded twice at the gateway;
 * (b) likewise, no payment holds (alone or in a group) an entry another payment's request created;
 * (c) every payment ends terminal, queued (received), or unconfirmed, i.e. listed for an
 *     operator (pending only when the gateway lost its history, which the list alarm names);
 *     within the guarantee, a rejected payment has no entry at the gateway;
 * (d) beyond it, a double recording or a wrong link never passes silently: the alarm that fits
 *     the broken premise was raised, except where timing alone cannot tell (see `excused`):
 *     those are counted (silentMaskedDoubles, masked) and reported, not failed.
 */
function judge(
  schedule: Schedule,
  db: SimDatabase,
  gateway: SimGateway,
  judgedWindows: readonly JudgedWindow[],
  everListed: ReadonlySet<string>,
  operatorReasons: Record<string, number>,
  run: { crashes: number; sends: number; endedAt: number; quiescent: boolean; trace: string[] },
): SimResult {
  const violations: string[] = [];
  const byConfirmation = new Map<string, GatewayEntry>();
  const entriesOf = new Map<string, GatewayEntry[]>();
  const madeEntry = new Set<string>();
  for (const e of gateway.entries) {
    byConfirmation.set(e.confirmationId, e);
    entriesOf.set(e.paymentId, [...(entriesOf.get(e.paymentId) ?? []), e]);
    madeEntry.add(`${e.paymentId}#${e.attempt}`);
  }
  const withinGuarantee = !gateway.exceededBound && schedule.wipeAtMs === null;
  const alarms: Record<string, number> = {};
  for (const a of db.alarms) alarms[a.kind] = (alarms[a.kind] ?? 0) + 1;
  // The alarm that fits the broken premise: a late recording shows as a foreign entry, a
  // surplus in a window, or a late acceptance; a wiped history as a list contradicting our
  // records; a clock step as a clock alarm.
  const alarmed = db.alarms.some(
    (a) =>
      a.kind === 'foreign' ||
      a.kind === 'surplus' ||
      a.kind === 'late_accept' ||
      (a.kind === 'list' && schedule.wipeAtMs !== null) ||
      (a.kind === 'clock' && schedule.step !== null),
  );
  /**
   * Undetectable by timing alone: an entry recorded later than the bound that fell inside the
   * window of another payment's unknown attempt. Matching by time can only take it for that
   * attempt's entry (a link, a group that balances) or call the window ambiguous, and by
   * elimination the mistake passes on along the payments it connects (a swap, a chain). So the
   * payments joined by "holds an entry created by" to such an entry's creator and window owner
   * are excused; an entry recorded late in no other window must raise an alarm.
   */
  const cluster = new Map<string, string>();
  const find = (id: string): string => {
    let root = id;
    while (cluster.has(root) && cluster.get(root) !== root) root = cluster.get(root) as string;
    return root;
  };
  const join = (a: string, b: string) => {
    const ra = find(a);
    const rb = find(b);
    if (ra !== rb) cluster.set(ra, rb);
  };
  for (const p of db.payments) {
    for (const id of [...(p.confirmationId ? [p.confirmationId] : []), ...(p.groupIds ?? [])]) {
      const creator = byConfirmation.get(id)?.paymentId;
      if (creator && creator !== p.id) join(p.id, creator);
    }
  }
  const maskedRoots = new Set<string>();
  const lateMasked: GatewayEntry[] = [];
  for (const e of gateway.entries) {
    if (e.recordedAt - e.receivedAt <= SETTINGS.recordingDelayMs) continue;
    const owners = judgedWindows.filter((w) => w.paymentId !== e.paymentId && e.createdAt >= w.from && e.createdAt <= w.until);
    if (owners.length === 0) continue;
    lateMasked.push(e);
    for (const w of owners) join(e.paymentId, w.paymentId);
  }
  for (const e of lateMasked) maskedRoots.add(find(e.paymentId));
  // Likewise a wipe no list read could see: entries lost before any read returned them leave
  // nothing to contradict our records (the list alarm needs something we knew to be missing).
  for (const e of gateway.entries) if (e.wiped && !everListed.has(e.confirmationId)) maskedRoots.add(find(e.paymentId));
  const excused = (paymentId: string) => maskedRoots.has(find(paymentId));

  let doubles = 0;
  let wrongLinks = 0;
  let maskedCount = 0;
  let silentMaskedDoubles = 0;
  let leftForOperator = 0;
  for (const p of db.payments) {
    const recorded = entriesOf.get(p.id) ?? [];
    if (recorded.length > 1) {
      doubles++;
      if (withinGuarantee) violations.push(`(a) ${p.id} recorded ${recorded.length} times at the gateway within the bound`);
      else if (!alarmed && excused(p.id)) silentMaskedDoubles++;
      else if (!alarmed) violations.push(`(d) ${p.id} recorded ${recorded.length} times beyond the guarantee, and no alarm`);
    }
    const held = [...(p.confirmationId ? [p.confirmationId] : []), ...(p.groupIds ?? [])];
    let wrong: GatewayEntry | undefined | null = null;
    if (p.confirmationId && byConfirmation.get(p.confirmationId)?.paymentId !== p.id)
      wrong = byConfirmation.get(p.confirmationId);
    if (p.groupIds) {
      const members = new Set(db.payments.filter((q) => q.groupIds?.join() === p.groupIds?.join()).map((q) => q.id));
      const made = p.groupIds.map((id) => byConfirmation.get(id));
      const creators = new Set(made.map((e) => e?.paymentId));
      if (made.some((e) => !e || !members.has(e.paymentId)) || creators.size !== members.size)
        wrong = made.find((e) => !e || !members.has(e.paymentId) || made.filter((f) => f?.paymentId === e.paymentId).length > 1);
    }
    if (wrong !== null) {
      wrongLinks++;
      const detail = `${p.id} holds ${held.join(',')}, created by ${held.map((id) => byConfirmation.get(id)?.paymentId ?? 'nobody').join(',')}`;
      if (withinGuarantee) violations.push(`(b) ${detail}`);
      else if (!alarmed && excused(p.id)) maskedCount++;
      else if (!alarmed) violations.push(`(d) wrong link beyond the guarantee, and no alarm: ${detail}`);
    }
    const ok =
      isTerminal(p.status) || p.status === 'received' || p.status === 'unconfirmed' || (p.status === 'pending' && gateway.wiped);
    if (!ok) violations.push(`(c) ${p.id} ended ${p.status}${p.attemptOpen ? ' with an attempt open' : ''}`);
    if (p.status === 'unconfirmed') leftForOperator++;
    if (p.status === 'rejected' && recorded.length > 0 && withinGuarantee)
      violations.push(`(c) ${p.id} rejected, yet the gateway holds it`);
  }
  if (!run.quiescent) violations.push(`the run did not come to rest by ${run.endedAt} ms`);

  return {
    schedule,
    violations,
    payments: db.payments.length,
    leftForOperator,
    doubles,
    wrongLinks,
    masked: maskedCount,
    silentMaskedDoubles,
    alarms,
    exceededBound: gateway.exceededBound,
    crashes: run.crashes,
    lateOutcomes: db.attempts.filter((a) => a.late).length,
    lateAcceptWhileQueued: db.lateAcceptWhileQueued,
    sends: run.sends,
    faults: gateway.faults,
    operatorReasons,
    endedAt: run.endedAt,
    quiescent: run.quiescent,
    trace: run.trace,
  };
}
