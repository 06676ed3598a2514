import { z } from 'zod';
import { accountNumberSchema, paymentEventSchema } from './payments.js';
import { refuseForbiddenCharacters } from './text.js';

/** The operator-facing shapes of /admin: the reconciliation report, the actions' bodies and results. */

export const reconciliationReportSchema = z
  .object({
    sync: z
      .object({
        last_synced_at: z.string().nullable(),
        lag_ms: z.number().nullable(),
        last_cycle_ms: z.number().nullable(),
        last_entries: z.number().nullable(),
        last_changed: z.number().nullable(),
        last_orphans: z.number().nullable(),
        last_error: z.string().nullable(),
      })
      .meta({ description: "The syncer's freshness: when the gateway's list was last read in full, how long a cycle takes." }),
    gateway: z
      .object({
        careful_since: z.string().nullable(),
        careful_reason: z.string().nullable(),
        clock_offset_low_ms: z.number().nullable(),
        clock_offset_high_ms: z.number().nullable(),
        clock_alarm: z.string().nullable(),
        list_alarm: z.string().nullable(),
        foreign_unacknowledged: z.number(),
        double_send_alarms: z.number(),
      })
      .meta({
        description:
          "The gateway as the syncer sees it: careful mode (one send at a time), its clock's offset from ours with the alarm when it is unknown or moved, why the last list proved no absence, and foreign entries or late acceptances waiting for an operator.",
      }),
    unconfirmed: z.array(
      z.object({
        id: z.uuid(),
        client_id: z.uuid(),
        created_at: z.string(),
        window_from: z.string().nullable(),
        window_until: z.string().nullable(),
        reason: z.string().nullable(),
      }),
    ),
    orphans: z.array(
      z.object({
        confirmation_id: z.string(),
        status: z.string(),
        gateway_created_at: z.string(),
        first_seen_at: z.string(),
        kind: z.enum(['candidate', 'foreign', 'grouped', 'late_accept']).meta({
          description:
            "candidate: in an unconfirmed payment's window; foreign: in no window; grouped: claimed by a group; late_accept: a late acceptance after a newer send",
        }),
        payment_id: z.uuid().nullable(),
        acknowledged_at: z.string().nullable(),
        acknowledged_by: z.string().nullable().meta({ description: 'The public id of the admin key that acknowledged it.' }),
        in_last_read: z.boolean().meta({
          description:
            "Whether the syncer's last complete read of the gateway's list showed it: only such a candidate or foreign entry can be linked.",
        }),
      }),
    ),
    stuck_received: z
      .array(
        z.object({
          id: z.uuid(),
          client_id: z.uuid(),
          created_at: z.string(),
          attempts: z.number(),
          next_attempt_at: z.string().nullable(),
          reason: z.string().nullable(),
        }),
      )
      .meta({ description: 'Payments still waiting to reach the gateway long after they were received.' }),
    grouped: z.array(z.object({ id: z.uuid(), status: z.string(), group_confirmation_ids: z.array(z.string()) })),
    stale_pending: z.array(
      z.object({
        id: z.uuid(),
        client_id: z.uuid(),
        confirmation_id: z.string().nullable(),
        submitted_at: z.string().nullable(),
      }),
    ),
    missing_at_gateway: z.array(
      z.object({
        id: z.uuid(),
        client_id: z.uuid(),
        confirmation_id: z.string().nullable(),
        missing_since: z.string().nullable(),
      }),
    ),
  })
  .meta({ id: 'ReconciliationReport' });

/** Declared here only: admin-repository.ts builds and re-exports it, routes/admin.ts answers with it. */
export type ReconciliationReport = z.output<typeof reconciliationReportSchema>;

const operatorReason = z
  .string()
  .trim()
  .min(3, 'must say why (at least 3 characters)')
  .max(500)
  .superRefine(refuseForbiddenCharacters);

export const linkPaymentBodySchema = z.strictObject({
  confirmation_id: z.string().trim().min(1).max(200),
  reason: operatorReason,
});

export const requeuePaymentBodySchema = z.strictObject({
  reason: operatorReason,
  force: z.boolean().default(false).meta({
    description:
      'Send it again even though the gateway may hold it (its window holds unowned entries, or is not confirmed yet). The event records that it was forced.',
  }),
});

export const acknowledgeGatewayBodySchema = z.strictObject({ reason: operatorReason });

export const acknowledgeGatewayResultSchema = z.object({
  acknowledged_foreign: z.number().meta({ description: 'Foreign entries acknowledged by this call.' }),
  list_size_accepted: z.number().nullable().meta({ description: "The gateway's list size now taken as its history." }),
});

/** An operator's view of a payment's history: the operator's own reason, and the admin key that acted. */
export const adminPaymentEventListSchema = z
  .object({
    items: z.array(
      paymentEventSchema.extend({
        actor: z.string().nullable().meta({ description: "The public id of the admin key behind an operator's event." }),
      }),
    ),
  })
  .meta({ id: 'AdminPaymentEventList' });

/** An API client's name, as `make api-key NAME=…` creates it. */
export const clientNameSchema = z.string().regex(/^[\w.-]{1,64}$/, 'must be 1-64 letters, digits, dots, dashes or underscores');

export const clientNameParamsSchema = z.object({ name: clientNameSchema });

export const clientAccountParamsSchema = z.object({ name: clientNameSchema, account: accountNumberSchema });

export const registerAccountBodySchema = z.strictObject({ account: accountNumberSchema });

export const clientAccountSchema = z
  .object({
    account: z.string(),
    client: z.string(),
    created_at: z.iso.datetime(),
    created_by: z.string().meta({ description: "Who registered it: an admin key's public id, or `cli` (make account-add)." }),
  })
  .meta({ id: 'ClientAccount' });

export const clientAccountListSchema = z.object({ items: z.array(clientAccountSchema) }).meta({ id: 'ClientAccountList' });
