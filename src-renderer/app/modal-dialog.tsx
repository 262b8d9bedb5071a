/**
 * A modal dialog on the native <dialog> (showModal makes the page behind it
 * inert): focus starts on the element marked data-autofocus, else the first
 * control; Tab and Shift+Tab wrap inside it; Escape closes it; and focus goes
 * back to where it was, or to `fallbackFocus` when that element is gone.
 */
import { useEffect, useId, useRef, type KeyboardEvent, type ReactNode } from 'react';

const focusableSelector = 'button:not([disabled]), [href], input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

interface ModalDialogProps {
  title: string;
  onClose: () => void;
  children: ReactNode;
  testId: string;
  tone?: 'danger';
  fallbackFocus?: () => HTMLElement | null;
}

export function ModalDialog({ title, onClose, children, testId, tone, fallbackFocus }: ModalDialogProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  // The latest fallback, without re-running the open/close effect when it changes.
  const fallback = useRef(fallbackFocus);
  fallback.current = fallbackFocus;

  useEffect(() => {
    const dialog = ref.current;
    if (dialog === null) return;
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    if (!dialog.open) dialog.showModal();
    const first = dialog.querySelector<HTMLElement>('[data-autofocus]') ?? dialog.querySelector<HTMLElement>(focusableSelector);
    first?.focus();
    return () => {
      if (dialog.open) dialog.close();
      if (opener?.isConnected) opener.focus();
      else fallback.current?.()?.focus();
    };
  }, []);

  const trapTab = (event: KeyboardEvent<HTMLDialogElement>): void => {
    if (event.key !== 'Tab' || ref.current === null) return;
    const focusables = [...ref.current.querySelectorAll<HTMLElement>(focusableSelector)];
    const first = focusables[0];
    const last = focusables.at(-1);
    if (first === undefined || last === undefined) return;
    if (event.shiftKey && (document.activeElement === first || !ref.current.contains(document.activeElement))) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && document.activeElement === last) {
      event.preventDefault();
      first.focus();
    }
  };

  return (
    <dialog
      ref={ref}
      className={`modal${tone === 'danger' ? ' modal-danger' : ''}`}
      aria-labelledby={titleId}
      data-testid={testId}
      onKeyDown={trapTab}
      onCancel={(event) => {
        // Escape: React decides when the dialog goes, by unmounting it.
        event.preventDefault();
        onClose();
      }}
    >
      <h2 id={titleId} className="modal-title">
        {title}
      </h2>
      {children}
    </dialog>
  );
}
