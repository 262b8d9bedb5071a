/**
 * An honest stand-in for a view that is not built yet: it says what will be
 * there and when, and shows no invented data.
 */
import type { ReactNode } from 'react';

interface PlaceholderPanelProps {
  title: string;
  arrivesWith: string;
  children: ReactNode;
  testId: string;
}

export function PlaceholderPanel({ title, arrivesWith, children, testId }: PlaceholderPanelProps) {
  return (
    <section className="view" data-testid={testId}>
      <div className="view-head">
        <h1 tabIndex={-1}>{title}</h1>
      </div>
      <div className="panel placeholder">
        <p className="placeholder-when">Not built yet: this view arrives with {arrivesWith}.</p>
        {children}
      </div>
    </section>
  );
}
