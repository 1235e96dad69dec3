import { z } from 'zod';

/** The body of every error answer (errorMiddleware) and the `error` of a failed socket ack. */
export const appErrorSchema = z
  .object({
    code: z.string().meta({
      description:
        'stable code to branch on: VALIDATION_FAILED, UNAUTHORIZED, FORBIDDEN, NOT_FOUND, CONFLICT, RATE_LIMITED, UNAVAILABLE, INTERNAL, WEAK_PASSWORD, …',
    }),
    message: z.string(),
    details: z.array(z.object({ path: z.string().optional(), message: z.string() })).optional(),
    retryAfterSeconds: z
      .number()
      .int()
      .min(1)
      .optional()
      .meta({ description: 'RATE_LIMITED only: seconds until a retry can succeed' }),
  })
  .meta({ id: 'AppError' });

export const errorEnvelopeSchema = z.object({ error: appErrorSchema }).meta({ id: 'ErrorEnvelope' });
