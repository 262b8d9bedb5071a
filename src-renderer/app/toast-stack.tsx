/**
 * The toast stack: errors (with code and hint) and notices from actions, in
 * two live regions that are always in the page, so screen readers announce
 * what arrives: errors as alerts, notices politely. A notice leaves after its
 * reading time (store/notice-timing.ts), which waits while the pointer or the
 * focus is on the stack or the window is hidden, and on navigation; errors
 * stay until dismissed. ✕ or Escape dismisses the toast holding the focus,
 * which moves to the next toast, else back to where it was before.
 */
import { useEffect, useRef, useState, useSyncExternalStore, type FocusEvent, type KeyboardEvent } from 'react';
import { lifetimeLeftMs, navigationDismisses, noticeLifetimeMs, noticeNavigationGraceMs } from '../store/notice-timing';
import type { Toast } from '../store/ui-slice';
import { useBarkeep } from './store-context';

export function ToastStack() {
  const toasts = useBarkeep((state) => state.toasts);
  const dismiss = useBarkeep((state) => state.dismissToast);
  const dismissOnNavigation = useBarkeep((state) => state.dismissNoticesOnNavigation);
  const [pointerIn, setPointerIn] = useState(false);
  const [focusIn, setFocusIn] = useState(false);
  const pageHidden = usePageHidden();
  const stack = useRef<HTMLElement>(null);
  /** where the focus was before it entered the stack, to give it back */
  const focusBefore = useRef<HTMLElement | null>(null);

  useEffect(() => {
    const onNavigate = (): void => dismissOnNavigation(Date.now());
    window.addEventListener('hashchange', onNavigate);
    return () => window.removeEventListener('hashchange', onNavigate);
  }, [dismissOnNavigation]);

  // A toast that went while it held the focus or the pointer fires no blur or leave: look again.
  useEffect(() => {
    if (focusIn && !(stack.current?.contains(document.activeElement) ?? false)) setFocusIn(false);
    if (toasts.length === 0) setPointerIn(false);
  }, [toasts, focusIn]);

  const onFocus = (event: FocusEvent<HTMLElement>): void => {
    setFocusIn(true);
    const from = event.relatedTarget;
    if (from instanceof HTMLElement && !(stack.current?.contains(from) ?? false)) focusBefore.current = from;
  };
  const onBlur = (event: FocusEvent<HTMLElement>): void => {
    const to = event.relatedTarget;
    if (!(to instanceof Node && (stack.current?.contains(to) ?? false))) setFocusIn(false);
  };

  /** Dismisses a toast; if it held the focus, the focus goes to the next toast, else back to where it was. */
  const dismissHere = (id: number): void => {
    const element = stack.current?.querySelector(`[data-toast-id="${id}"]`);
    if (stack.current !== null && element?.contains(document.activeElement)) {
      const buttons = [...stack.current.querySelectorAll<HTMLElement>('.toast-dismiss')];
      const index = buttons.findIndex((button) => element.contains(button));
      const next = buttons[index + 1] ?? buttons[index - 1];
      const back = focusBefore.current?.isConnected ? focusBefore.current : document.querySelector<HTMLElement>('main h1');
      (next ?? back)?.focus();
    }
    dismiss(id);
  };
  const onKeyDown = (event: KeyboardEvent<HTMLElement>): void => {
    if (event.key !== 'Escape' || !(event.target instanceof Element)) return;
    const id = event.target.closest<HTMLElement>('[data-toast-id]')?.dataset.toastId;
    if (id === undefined) return;
    event.preventDefault();
    dismissHere(Number(id));
  };

  const paused = pointerIn || focusIn || pageHidden;
  const item = (toast: Toast) => <ToastItem key={toast.id} toast={toast} paused={paused} onDismiss={dismissHere} onExpire={dismiss} />;
  return (
    <section
      ref={stack}
      className="toast-stack"
      aria-label="Notifications"
      onMouseEnter={() => setPointerIn(true)}
      onMouseLeave={() => setPointerIn(false)}
      onFocus={onFocus}
      onBlur={onBlur}
      onKeyDown={onKeyDown}
      data-paused={paused}
    >
      <div className="toast-list" role="alert" aria-atomic="false" data-testid="toast-errors">
        {toasts.filter((toast) => toast.tone === 'error').map(item)}
      </div>
      <div className="toast-list" role="status" aria-live="polite" aria-atomic="false" data-testid="toast-notices">
        {toasts.filter((toast) => toast.tone === 'info').map(item)}
      </div>
    </section>
  );
}

interface ToastItemProps {
  toast: Toast;
  paused: boolean;
  onDismiss: (id: number) => void;
  onExpire: (id: number) => void;
}

function ToastItem({ toast, paused, onDismiss, onExpire }: ToastItemProps) {
  const notice = toast.tone === 'info';
  useNoticeLifetime(notice ? toast : null, paused, onExpire);
  const navigation = useNavigationFate(toast.shownAt);
  return (
    <div
      className={`toast toast-${toast.tone}`}
      data-testid={notice ? 'toast-info' : 'toast-error'}
      data-toast-id={toast.id}
      data-error-code={toast.code}
      data-navigation={notice ? navigation : 'stays'}
    >
      <div className="toast-body">
        <strong className="toast-title">{toast.title}</strong>
        <p className="toast-message">{toast.message}</p>
        {toast.hint !== undefined && <p className="hint">{toast.hint}</p>}
        {toast.code !== undefined && <code className="error-code">{toast.code}</code>}
      </div>
      <button type="button" className="button-quiet toast-dismiss" onClick={() => onDismiss(toast.id)} aria-label={`Dismiss: ${toast.title}`} title="Dismiss (Escape)">
        ✕
      </button>
    </div>
  );
}

/** Ends a notice after its reading time; the clock stops while `paused` and, resumed, keeps what was left (at least a moment). */
function useNoticeLifetime(notice: Toast | null, paused: boolean, onExpire: (id: number) => void): void {
  const left = useRef(notice === null ? 0 : noticeLifetimeMs(notice));
  const id = notice?.id;
  useEffect(() => {
    if (id === undefined || paused) return;
    const since = Date.now();
    const timer = setTimeout(() => onExpire(id), left.current);
    return () => {
      clearTimeout(timer);
      left.current = lifetimeLeftMs(left.current, Date.now() - since);
    };
  }, [id, paused, onExpire]);
}

/** 'stays' while a navigation would still count as part of the action that announced the toast, then 'leaves'. */
function useNavigationFate(shownAt: number): 'stays' | 'leaves' {
  const [leaves, setLeaves] = useState(() => navigationDismisses(shownAt, Date.now()));
  useEffect(() => {
    if (leaves) return;
    const timer = setTimeout(() => setLeaves(true), Math.max(0, shownAt + noticeNavigationGraceMs - Date.now()));
    return () => clearTimeout(timer);
  }, [leaves, shownAt]);
  return leaves ? 'leaves' : 'stays';
}

function subscribeVisibility(onChange: () => void): () => void {
  document.addEventListener('visibilitychange', onChange);
  return () => document.removeEventListener('visibilitychange', onChange);
}

function usePageHidden(): boolean {
  return useSyncExternalStore(subscribeVisibility, () => document.visibilityState === 'hidden');
}
