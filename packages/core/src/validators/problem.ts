import { z } from 'zod';

/** The RFC 9457 problem+json body every error answer has (the API writes it in plugins/problem.ts). */
export const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    instance: z.string().optional(),
    request_id: z.string(),
    errors: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
    payment_id: z
      .string()
      .optional()
      .meta({ description: 'The payment concerned (outcome-unknown): read it at its Location, do not send it again.' }),
  })
  .meta({ id: 'Problem' });
