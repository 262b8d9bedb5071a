/**
 * The backups table, virtualized by hand: rows have one fixed height, and
 * only those in view (plus a few beyond) are in the DOM, so five thousand
 * backups cost what twenty do. A grid: one row is in the Tab order, the
 * arrow keys, Page Up/Down, Home and End move between rows (scrolling as
 * needed), Enter opens a row's detail, and Tab reaches its actions.
 */
import { useLayoutEffect, useRef, useState, type KeyboardEvent } from 'react';
import type { BackupRow } from '../../../shared/domain/backup-view';
import type { BackupId } from '../../../shared/domain/names';
import { BackupRowView } from './backup-row';
import { computeVirtualWindow, nextRowIndex, scrollTopToReveal } from './virtual-window';

export const backupRowHeight = 52;
const visibleRows = 10;
const overscan = 4;

interface BackupsTableProps {
  server: string;
  rows: readonly BackupRow[];
  selectedId: BackupId | null;
  onToggleDetail: (backupId: BackupId) => void;
  onKeep: (backupId: BackupId) => void;
  onDelete: (backupId: BackupId) => void;
}

export function BackupsTable({ server, rows, selectedId, onToggleDetail, onKeep, onDelete }: BackupsTableProps) {
  const scroller = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  // The active row is remembered by id, so a new backup arriving on top does not move it.
  const [activeId, setActiveId] = useState<BackupId | null>(null);
  const focusActive = useRef(false);
  const found = activeId === null ? -1 : rows.findIndex((row) => row.backupId === activeId);
  const activeIndex = found === -1 ? 0 : found;
  const viewportHeight = Math.min(rows.length, visibleRows) * backupRowHeight;
  const visible = computeVirtualWindow({ count: rows.length, rowHeight: backupRowHeight, viewportHeight, scrollTop, overscan });

  // The active row stays rendered when scrolled away, so focus never falls out of the table.
  const indices: number[] = [];
  for (let index = visible.start; index < visible.end; index += 1) indices.push(index);
  if (rows.length > 0 && (activeIndex < visible.start || activeIndex >= visible.end)) indices.push(activeIndex);

  useLayoutEffect(() => {
    if (!focusActive.current) return;
    focusActive.current = false;
    scroller.current?.querySelector<HTMLElement>(`[data-row-index="${activeIndex}"]`)?.focus();
  });

  const moveTo = (index: number): void => {
    const row = rows[index];
    if (row === undefined) return;
    setActiveId(row.backupId);
    const element = scroller.current;
    if (element !== null) {
      const top = scrollTopToReveal(index, backupRowHeight, viewportHeight, element.scrollTop);
      element.scrollTop = top;
      setScrollTop(top);
    }
    focusActive.current = true;
  };

  const onRowKeyDown = (event: KeyboardEvent<HTMLDivElement>, index: number): void => {
    // Keys typed on a row's buttons belong to the buttons.
    if (event.target !== event.currentTarget) return;
    const next = nextRowIndex(event.key, index, rows.length, visibleRows - 1);
    if (next !== null) {
      event.preventDefault();
      moveTo(next);
    } else if (event.key === 'Enter' || event.key === ' ') {
      event.preventDefault();
      const row = rows[index];
      if (row !== undefined) onToggleDetail(row.backupId);
    }
  };

  return (
    <div className="backups-table-wrap">
      <div
        className="backups-table"
        role="grid"
        aria-label={`Backups of ${server}`}
        aria-rowcount={rows.length + 1}
        aria-readonly="true"
        data-testid="backups-table"
        data-row-count={rows.length}
      >
        <div role="rowgroup" className="backups-head">
          <div role="row" className="backups-grid" aria-rowindex={1}>
            <div role="columnheader">Backup</div>
            <div role="columnheader">Begin</div>
            <div role="columnheader">End</div>
            <div role="columnheader" className="numeric" title="the backup's data files, and what deleting it frees (own)">Size / own</div>
            <div role="columnheader" className="numeric" title="archived WAL from its begin to the next backup">WAL</div>
            <div role="columnheader">Method</div>
            <div role="columnheader">Status</div>
            <div role="columnheader" className="actions-head">Actions</div>
          </div>
        </div>
        <div
          role="rowgroup"
          className="backups-scroller"
          ref={scroller}
          style={{ height: viewportHeight }}
          onScroll={(event) => setScrollTop(event.currentTarget.scrollTop)}
          data-testid="backups-scroller"
        >
          <div className="backups-spacer" style={{ height: visible.totalHeight }}>
            {indices.map((index) => {
              const row = rows[index]!;
              return (
                <BackupRowView
                  key={row.backupId}
                  server={server}
                  row={row}
                  index={index}
                  top={index * backupRowHeight}
                  active={index === activeIndex}
                  selected={row.backupId === selectedId}
                  onActivate={(at) => setActiveId(rows[at]?.backupId ?? null)}
                  onToggleDetail={onToggleDetail}
                  onKeyDown={onRowKeyDown}
                  onKeep={onKeep}
                  onDelete={onDelete}
                />
              );
            })}
          </div>
        </div>
      </div>
      <p className="table-help muted" id={`backups-help-${server}`}>
        ↑ ↓ move between backups · Enter shows a backup&apos;s detail · Tab reaches its actions
      </p>
    </div>
  );
}
