/**
 * The restore composer's draft (what the person has chosen so far, every
 * typed text kept when they switch between target kinds) and how it becomes a
 * contract request: a local date-time gets this machine's zone, empty fields
 * say what is missing. Pure; the store holds the draft, the engine judges it.
 */
import type { RestoreAction, RestorePlanRequest, RestoreTargetChoice, RestoreTargetKind, RestoreTimelineChoice, TablespaceMapping } from '../../shared/domain/restore';
import type { ServerName } from '../../shared/domain/names';

export interface RestoreDraft {
  server: string | null;
  /** a backup id, or null: the planner chooses */
  backup: string | null;
  targetKind: RestoreTargetKind;
  /** as <input type="datetime-local" step="1"> holds it: local 'YYYY-MM-DDTHH:MM[:SS]' */
  time: string;
  xid: string;
  lsn: string;
  name: string;
  timeline: RestoreTimelineChoice;
  action: RestoreAction;
  exclusive: boolean;
  destinationKind: 'local' | 'ssh';
  folder: string;
  sshCommand: string;
  /** tablespace name → the folder typed for it ('' leaves it at its original location) */
  tablespaces: Record<string, string>;
}

export const emptyRestoreDraft: RestoreDraft = {
  server: null, backup: null, targetKind: 'latest', time: '', xid: '', lsn: '', name: '', timeline: 'latest', action: 'pause', exclusive: false,
  destinationKind: 'local', folder: '', sshCommand: '', tablespaces: {},
};

/** Which target kinds take "stop just before" (recovery_target_inclusive = false). */
export function takesExclusive(kind: RestoreTargetKind): boolean {
  return kind === 'time' || kind === 'xid' || kind === 'lsn';
}

export type ComposedPlanRequest = { ok: true; request: RestorePlanRequest } | { ok: false; missing: string };

/** The restore:plan request of a draft, or what is still missing. The destination is left out until a folder is typed. */
export function composePlanRequest(draft: RestoreDraft): ComposedPlanRequest {
  if (draft.server === null) return { ok: false, missing: 'Choose the server to restore.' };
  const target = composeTarget(draft);
  if (!target.ok) return target;
  const folder = draft.folder.trim();
  const sshCommand = draft.sshCommand.trim();
  const destination = folder === '' || (draft.destinationKind === 'ssh' && sshCommand === '') ? null
    : draft.destinationKind === 'local' ? { kind: 'local' as const, path: folder } : { kind: 'ssh' as const, sshCommand, path: folder };
  const tablespaces: TablespaceMapping[] = Object.entries(draft.tablespaces)
    .filter(([, path]) => path.trim() !== '')
    .map(([name, path]) => ({ name, path: path.trim() }));
  return {
    ok: true,
    request: {
      server: draft.server as ServerName,
      backup: draft.backup,
      target: target.target,
      timeline: draft.timeline,
      action: draft.action,
      exclusive: takesExclusive(draft.targetKind) && draft.exclusive,
      destination,
      tablespaces,
    },
  };
}

const planKeys = new WeakMap<RestoreDraft, string | null>();

/**
 * The key a plan is filed under: the request it answers, as JSON; null while
 * the draft is incomplete. Drafts are replaced, never changed, so the key of
 * one is worked out once.
 */
export function planKeyOf(draft: RestoreDraft): string | null {
  let key = planKeys.get(draft);
  if (key === undefined) {
    const composed = composePlanRequest(draft);
    key = composed.ok ? planKeyOfRequest(composed.request) : null;
    planKeys.set(draft, key);
  }
  return key;
}

/** The key of a plan request: the request as JSON (its fields always come in the same order). */
export function planKeyOfRequest(request: RestorePlanRequest): string {
  return JSON.stringify(request);
}

function composeTarget(draft: RestoreDraft): { ok: true; target: RestoreTargetChoice } | { ok: false; missing: string } {
  switch (draft.targetKind) {
    case 'latest': return { ok: true, target: { kind: 'latest' } };
    case 'immediate': return { ok: true, target: { kind: 'immediate' } };
    case 'time': {
      const time = zonedTimeOf(draft.time);
      return time === null ? { ok: false, missing: 'Pick the point in time, on the timeline or in the date and time field.' } : { ok: true, target: { kind: 'time', time } };
    }
    case 'xid':
      return draft.xid.trim() === '' ? { ok: false, missing: 'Type the transaction id.' } : { ok: true, target: { kind: 'xid', xid: draft.xid.trim() } };
    case 'lsn':
      return draft.lsn.trim() === '' ? { ok: false, missing: 'Type the LSN, e.g. 0/3000060.' } : { ok: true, target: { kind: 'lsn', lsn: draft.lsn.trim() } };
    case 'name':
      return draft.name === '' ? { ok: false, missing: 'Type the restore point’s name.' } : { ok: true, target: { kind: 'name', name: draft.name } };
  }
}

const localPattern = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?/;

/** A datetime-local value as an instant (this machine's zone); null when it is empty or incomplete. */
export function parseLocalInput(value: string): Date | null {
  const match = localPattern.exec(value);
  if (match === null) return null;
  const [, year, month, day, hour, minute, second = '0'] = match as unknown as string[];
  const date = new Date(Number(year), Number(month) - 1, Number(day), Number(hour), Number(minute), Number(second));
  return Number.isNaN(date.getTime()) ? null : date;
}

/** '2026-11-24T04:30:05' (local) → '2026-11-24T04:30:05+01:00': the instant the person meant, whatever zone the engine runs in. */
export function zonedTimeOf(value: string): string | null {
  const date = parseLocalInput(value);
  if (date === null) return null;
  const offset = -date.getTimezoneOffset();
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  return `${localInputOf(date.getTime())}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/** An instant as a datetime-local value with seconds, in this machine's zone. */
export function localInputOf(epochMs: number): string {
  const date = new Date(epochMs);
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

function pad(value: number): string {
  return String(value).padStart(2, '0');
}
