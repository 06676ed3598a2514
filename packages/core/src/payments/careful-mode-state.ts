import type { AttemptsRepository } from '../db/attempts-repository.js';
import type { Logger } from '../logging/logger.js';
import { type AttemptOutcome, type CarefulModeOptions, decideCarefulMode, isUnknown } from '../protocol/careful-mode.js';

export interface CarefulMode {
  /** Whether sends must be careful now (read at most once per `cacheMs`). */
  isCareful(): Promise<boolean>;
  /** Feeds a send's outcome to the decision; switches the shared mode when the rule says so. */
  noteOutcome(outcome: AttemptOutcome): Promise<void>;
  /** Applies the rule again with nothing new sent (unknown outcomes age out): the syncer, each cycle. */
  reconsider(): Promise<void>;
}

/**
 * Careful mode shared by every API and syncer process through the sync_state row; the rule is
 * `decideCarefulMode`. Only unknown outcomes, and accepted ones while careful, are evaluated,
 * so a healthy gateway costs one cached read per second.
 */
export function createCarefulMode(options: {
  attempts: Pick<AttemptsRepository, 'carefulInputs' | 'setCareful' | 'isCareful'>;
  logger: Logger;
  rule: CarefulModeOptions;
  cacheMs: number;
}): CarefulMode {
  const { attempts, logger, rule, cacheMs } = options;
  let careful = false;
  let readAt = Number.NEGATIVE_INFINITY;

  async function isCareful(): Promise<boolean> {
    if (Date.now() - readAt >= cacheMs) {
      careful = await attempts.isCareful();
      readAt = Date.now();
    }
    return careful;
  }

  async function decide(): Promise<void> {
    const inputs = await attempts.carefulInputs(Math.max(rule.enterAfter, rule.exitAfter) * 4);
    const decision = decideCarefulMode(inputs.carefulSince, inputs.recent, inputs.now, rule);
    careful = decision.careful;
    readAt = Date.now();
    if (decision.changed && (await attempts.setCareful(decision.careful, decision.reason))) {
      logger.warn(
        { careful: decision.careful, reason: decision.reason },
        decision.careful ? 'gateway misbehaving: careful mode on (one send at a time, none inline)' : 'careful mode off',
      );
    }
  }

  return {
    isCareful,
    async noteOutcome(outcome) {
      if (isUnknown(outcome) || (outcome === 'accepted' && careful)) await decide();
    },
    async reconsider() {
      if (await isCareful()) await decide();
    },
  };
}
