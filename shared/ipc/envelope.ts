/**
 * Results cross every transport as an envelope: Electron keeps only a thrown
 * error's message, so errors travel as data with their code and hint.
 */
import { z } from 'zod';
import { ErrorPayload } from '../errors';

export type Envelope<T> = { ok: true; value: T } | { ok: false; error: ErrorPayload };

export const EnvelopeShape = z.union([
  z.object({ ok: z.literal(true), value: z.unknown() }),
  z.object({ ok: z.literal(false), error: ErrorPayload }),
]);
