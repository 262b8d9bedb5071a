/**
 * The ui slice: toasts for errors and notices, and what the person has
 * dismissed this session. Every caught error passes through reportError, so
 * none is swallowed; an unauthorized one becomes the fatal error instead.
 * Errors stay until dismissed; notices leave by themselves (the toast stack
 * times them, as it knows when one is being read) and on navigation.
 */
import type { SliceCreator } from './barkeep-store';
import { describeError, type Problem } from './describe-error';
import { navigationDismisses } from './notice-timing';

export interface Toast {
  id: number;
  tone: 'error' | 'info';
  title: string;
  message: string;
  hint?: string;
  code?: string;
  /** when it was pushed (ms since the epoch) */
  shownAt: number;
}

export interface UiSlice {
  toasts: Toast[];
  warningsDismissed: boolean;
  /** `action` completes "Could not …". */
  reportError(error: unknown, action: string): void;
  notify(title: string, message: string): void;
  dismissToast(id: number): void;
  /** The person moved to another view at `now`: notices shown a moment already go; errors stay. */
  dismissNoticesOnNavigation(now: number): void;
  dismissWarnings(): void;
}

const maxToasts = 5;

export const createUiSlice = (): SliceCreator<UiSlice> => (set, get) => {
  let nextToastId = 1;

  /** Shows a toast, unless the same one is already shown. */
  const push = (toast: Omit<Toast, 'id' | 'shownAt'>): void => {
    const duplicate = get().toasts.some(
      (shown) => shown.title === toast.title && shown.message === toast.message,
    );
    if (duplicate) return;
    const id = nextToastId++;
    set((state) => ({ toasts: [...state.toasts, { ...toast, id, shownAt: Date.now() }].slice(-maxToasts) }));
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
      push({ tone: 'info', title, message });
    },

    dismissToast(id) {
      set((state) => ({ toasts: state.toasts.filter((toast) => toast.id !== id) }));
    },

    dismissNoticesOnNavigation(now) {
      const leaving = (toast: Toast): boolean => toast.tone === 'info' && navigationDismisses(toast.shownAt, now);
      if (get().toasts.some(leaving)) set((state) => ({ toasts: state.toasts.filter((toast) => !leaving(toast)) }));
    },

    dismissWarnings() {
      set({ warningsDismissed: true });
    },
  };
};
