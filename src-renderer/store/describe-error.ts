/**
 * Turns anything an action caught into the problem a person reads: a title
 * naming what failed, the engine's message and code, and its hint. A reply that
 * does not match the contract is named as such rather than dumped as zod issues.
 */
import { z } from 'zod';
import { toErrorPayload, type ErrorCode } from '../../shared/errors';

export interface Problem {
  title: string;
  code: ErrorCode;
  message: string;
  hint?: string;
}

/** `action` completes "Could not …", e.g. 'list the servers'. */
export function describeError(error: unknown, action: string): Problem {
  const title = `Could not ${action}`;
  if (error instanceof z.ZodError) {
    return {
      title,
      code: 'internal',
      message: 'the reply did not match the contract this window was built with',
      hint: 'the window and the engine may come from different Barkeep versions; restart Barkeep',
    };
  }
  const payload = toErrorPayload(error);
  return payload.hint === undefined ? { title, ...payload } : { title, ...payload, hint: payload.hint };
}
