/**
 * The toast stack: errors (with code and hint) and notices from actions.
 * Errors stay until dismissed, so none disappears unread.
 */
import { useBarkeep } from './store-context';

export function ToastStack() {
  const toasts = useBarkeep((state) => state.toasts);
  const dismiss = useBarkeep((state) => state.dismissToast);
  return (
    <section className="toast-stack" aria-label="Notifications">
      {toasts.map((toast) => (
        <div
          key={toast.id}
          className={`toast toast-${toast.tone}`}
          role={toast.tone === 'error' ? 'alert' : 'status'}
          data-testid={toast.tone === 'error' ? 'toast-error' : 'toast-info'}
          data-error-code={toast.code}
        >
          <div className="toast-body">
            <strong className="toast-title">{toast.title}</strong>
            <p className="toast-message">{toast.message}</p>
            {toast.hint !== undefined && <p className="hint">{toast.hint}</p>}
            {toast.code !== undefined && <code className="error-code">{toast.code}</code>}
          </div>
          <button type="button" className="button-quiet" onClick={() => dismiss(toast.id)} aria-label="Dismiss">
            ✕
          </button>
        </div>
      ))}
    </section>
  );
}
