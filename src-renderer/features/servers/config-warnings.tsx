/**
 * The notice listing problems app:info found in the configuration files
 * (file, line, option, message); it follows edits of the files, a file that
 * no longer loads first. Dismissing hides it until the set of warnings changes.
 */
import { useBarkeep } from '../../app/store-context';

export function ConfigWarnings() {
  const warnings = useBarkeep((state) => state.info?.warnings);
  const dismissed = useBarkeep((state) => state.warningsDismissed);
  const dismiss = useBarkeep((state) => state.dismissWarnings);
  if (warnings === undefined || warnings.length === 0 || dismissed) return null;
  const count = warnings.length === 1 ? '1 configuration warning' : `${warnings.length} configuration warnings`;
  return (
    <section className="notice notice-warning" aria-label="Configuration warnings" data-testid="config-warnings">
      <div className="notice-head">
        <strong>{count}</strong>
        <button type="button" className="button-quiet" onClick={dismiss}>
          Dismiss
        </button>
      </div>
      <ul className="warning-list">
        {warnings.map((warning) => (
          <li key={`${warning.file}:${warning.line}:${warning.option}`}>
            <code>
              {warning.file}:{warning.line}
            </code>{' '}
            <code className="option">{warning.option}</code> {warning.message}
          </li>
        ))}
      </ul>
    </section>
  );
}
