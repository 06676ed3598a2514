import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import type { Logger } from '../logging/logger.js';
import { API_KEYS_CHANGED_CHANNEL } from '../runtime-config.js';

export interface KeyChangesHandlers {
  /** These keys were revoked or given an expiry: forget what is remembered of them. */
  onChanged(keyIds: string[]): void;
  /** Notifications are heard (again). What happened before is unknown: forget everything. */
  onListening(): void;
  /** Notifications are no longer heard: forget everything, and remember keys briefly until onListening. */
  onLost(): void;
}

export interface KeyChangesListener {
  /** Subscribes and starts the heartbeat; resolves once subscribed, or after 2 s (postgres.js keeps trying). */
  start(): Promise<void>;
  close(): Promise<void>;
  /** Whether key changes are heard right now. */
  readonly listening: boolean;
}

export interface KeyChangesListenerOptions {
  logger: Logger;
  /** How often the listener notifies itself to prove notifications still arrive. */
  heartbeatMs?: number;
  applicationName?: string;
}

const PING_PREFIX = 'ping:';

/**
 * LISTENs on API_KEYS_CHANGED_CHANNEL on a dedicated connection (postgres.js `listen`, which
 * reconnects with backoff and calls back each time it is subscribed again).
 *
 * postgres.js does not say when that connection drops, and a LISTEN through a transaction-mode
 * pooler, or on a half-open TCP connection, succeeds and then hears nothing. So the listener
 * proves delivery end to end: every `heartbeatMs` it notifies the channel itself (on a second
 * connection), and when three heartbeats pass without hearing its own ping it reports onLost.
 * Hearing a ping again, or a re-subscription, reports onListening.
 */
export function createKeyChangesListener(
  url: string,
  handlers: KeyChangesHandlers,
  options: KeyChangesListenerOptions,
): KeyChangesListener {
  const { logger } = options;
  const heartbeatMs = options.heartbeatMs ?? 1000;
  const sql = postgres(url, {
    max: 1,
    connect_timeout: 5,
    // Reconnect within 2 s of the database coming back (postgres.js's own backoff reaches 20 s).
    backoff: (attempt) => Math.min(2, 0.05 * 2 ** attempt),
    fetch_types: false,
    onnotice: () => {},
    connection: { application_name: options.applicationName ?? 'payment-tracker-listen' },
  });
  const self = randomBytes(6).toString('base64url');
  let listening = false;
  let lastHeardAt = 0;
  let pinging = false;
  let timer: NodeJS.Timeout | undefined;

  function regained(why: string): void {
    lastHeardAt = Date.now();
    const was = listening;
    listening = true;
    handlers.onListening();
    if (!was) logger.info({ why }, 'hearing API key revocations');
  }

  function lost(): void {
    if (!listening) return;
    listening = false;
    handlers.onLost();
    logger.warn(
      { hint: 'cached keys now expire after AUTH_CACHE_TTL_MS; is DATABASE_LISTEN_URL a transaction-mode pooler?' },
      'API key revocations are not heard',
    );
  }

  function heard(payload: string): void {
    if (!payload.startsWith(PING_PREFIX)) {
      handlers.onChanged(payload.split(',').filter(Boolean));
      return;
    }
    if (payload !== `${PING_PREFIX}${self}`) return; // another process's heartbeat
    if (listening) lastHeardAt = Date.now();
    else regained('heartbeat heard again');
  }

  function beat(): void {
    if (Date.now() - lastHeardAt > 3 * heartbeatMs) lost();
    if (pinging) return; // one ping in flight at most, even while the database does not answer
    pinging = true;
    sql`SELECT pg_notify(${API_KEYS_CHANGED_CHANNEL}, ${PING_PREFIX + self})`
      .catch(() => {}) // a failed ping is a ping not heard: the check above reports it
      .finally(() => {
        pinging = false;
      });
  }

  return {
    get listening() {
      return listening;
    },
    async start() {
      // onlisten runs on every (re)subscription: notifications may have been missed meanwhile.
      // A first attempt that fails is retried by postgres.js, which reconnects the channel.
      const subscribing = sql
        .listen(API_KEYS_CHANGED_CHANNEL, heard, () => regained('subscribed'))
        .catch((error: unknown) => logger.warn({ err: error }, 'cannot listen for API key revocations yet; retrying'));
      timer = setInterval(beat, heartbeatMs);
      timer.unref();
      // The API starts even while the database is down: wait for the first subscription, briefly.
      let waited: NodeJS.Timeout | undefined;
      await Promise.race([subscribing, new Promise((resolve) => (waited = setTimeout(resolve, 2000)))]);
      clearTimeout(waited);
    },
    async close() {
      clearInterval(timer);
      listening = false;
      await sql.end({ timeout: 1 });
    },
  };
}
