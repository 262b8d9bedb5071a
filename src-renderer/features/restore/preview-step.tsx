/**
 * Step 5 of the composer: what will be written and how to do the same from a
 * terminal. The block Barkeep adds to postgresql.auto.conf (rendered by the
 * engine, line for line, for this plan and folder), the signal file, and the
 * equivalent `barkeep restore` command line, shell-quoted. While the plan of
 * changed choices comes, the last preview stays, dimmed and marked busy.
 */
import { useId } from 'react';
import type { RestorePlanView } from '../../../shared/domain/restore';
import { useBarkeep } from '../../app/store-context';
import { selectCurrentPlan, selectPlanPending, selectShownPlan } from '../../store/restore-draft-slice';

export function PreviewStep() {
  const current = useBarkeep(selectCurrentPlan);
  const pending = useBarkeep(selectPlanPending);
  const shown = useBarkeep(selectShownPlan);
  const plan = current ?? (pending ? shown : null);
  const id = useId();
  return (
    <section
      className="panel restore-step"
      aria-labelledby={`${id}-title`}
      aria-busy={current === null && plan !== null}
      data-testid="restore-step-preview"
      data-current={current !== null}
    >
      <h2 id={`${id}-title`} className="step-title">
        <span className="step-number" aria-hidden="true">5</span>Preview
        {current === null && plan !== null && <span className="muted step-status">updating…</span>}
      </h2>
      {plan === null || plan.settings === null || plan.commandLine === null ? (
        <p className="muted" data-testid="preview-missing">
          {plan === null ? 'The recovery settings appear once there is a plan.' : 'The recovery settings appear once the destination is an empty or new folder.'}
        </p>
      ) : (
        <Preview plan={plan} settings={plan.settings} commandLine={plan.commandLine} />
      )}
    </section>
  );
}

function Preview({ plan, settings, commandLine }: { plan: RestorePlanView; settings: NonNullable<RestorePlanView['settings']>; commandLine: string }) {
  const lines = [
    `# barkeep restore of backup ${plan.backup.backupId} at <the time of the restore>`,
    "# archiving is off in this restored copy so that it cannot push WAL into the original's archive;",
    `# the original setting was: ${settings.originalArchiving}`,
    ...settings.lines.map((line) => `${line.key} = ${line.value}`),
  ];
  return (
    <>
      <p className="cli-label">
        Appended to <span className="mono">{settings.file}</span> (earlier lines for these settings are commented out, never dropped),
        and <span className="mono">{settings.signalFile}</span> is created:
      </p>
      <pre className="code-block" data-testid="preview-settings">{lines.join('\n')}</pre>
      <p className="cli-label">The same restore from a terminal:</p>
      <pre className="code-block command-line" data-testid="preview-command-line">{commandLine}</pre>
    </>
  );
}
