/**
 * The ui slice: toasts for errors and notices, and what the person has
 * dismissed this session. Every caught error passes through reportError, so
 * none is swallowed; an unauthorized one becomes the fatal error instead.
 * Errors stay until dismissed; notices leave by themselves after a few seconds.
 */
import type { SliceCreator } from './barkeep-store';
import { describeError, type Problem } from './describe-error';

export interface Toast {
  id: number;
  tone: 'error' | 'info';
  title: string;
  message: string;
  hint?: string;
  code?: string;
}

export interface UiSlice {
  toasts: Toast[];
  warningsDismissed: boolean;
  /** `action` completes "Could not …". */
  reportError(error: unknown, action: string): void;
  notify(title: string, message: string): void;
  dismissToast(id: number): void;
  dismissWarnings(): void;
}

const maxToasts = 5;
const noticeLifetimeMs = 8000;

export const createUiSlice = (): SliceCreator<UiSlice> => (set, get) => {
  let nextToastId = 1;

  /** The new toast's id, or null when the same one is already shown. */
  const push = (toast: Omit<Toast, 'id'>): number | null => {
    const duplicate = get().toasts.some(
      (shown) => shown.title === toast.title && shown.message === toast.message,
    );
    if (duplicate) return null;
    const id = nextToastId++;
    set((state) => ({ toasts: [...state.toasts, { ...toast, id }].slice(-maxToasts) }));
    return id;
  };

  return {
    toasts: [],
    warningsDismissed: false,

    reportError(error, action) {
      const problem: Problem = describeError(error, action);
      if (problem.code === 'unauthorized') {
        get().failFatally(problem);
        return;
      }
      push({ tone: 'error', ...problem });
    },

    notify(title, message) {
      const id = push({ tone: 'info', title, message });
      // A notice confirms what the person just did; it goes by itself. Errors stay until dismissed.
      if (id !== null) setTimeout(() => get().dismissToast(id), noticeLifetimeMs);
    },

    dismissToast(id) {
      set((state) => ({ toasts: state.toasts.filter((toast) => toast.id !== id) }));
    },

    dismissWarnings() {
      set({ warningsDismissed: true });
    },
  };
};
