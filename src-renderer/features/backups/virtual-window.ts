/**
 * The arithmetic of a hand-made virtualized list with a fixed row height:
 * which rows the viewport shows (plus a margin of overscan rows), where the
 * viewport must scroll to reveal a row, and where a navigation key moves.
 */

export interface VirtualWindowInput {
  count: number;
  rowHeight: number;
  viewportHeight: number;
  scrollTop: number;
  /** rows rendered beyond each edge, so a fast scroll shows no blank */
  overscan: number;
}

export interface VirtualWindow {
  /** first rendered row */
  start: number;
  /** one past the last rendered row */
  end: number;
  /** the height of every row together: the scrollable extent */
  totalHeight: number;
}

export function computeVirtualWindow({ count, rowHeight, viewportHeight, scrollTop, overscan }: VirtualWindowInput): VirtualWindow {
  const totalHeight = count * rowHeight;
  if (count === 0 || rowHeight <= 0) return { start: 0, end: 0, totalHeight };
  // A scrollTop past the end (the list shrank under it) shows the last page.
  const top = Math.min(Math.max(0, scrollTop), Math.max(0, totalHeight - viewportHeight));
  const firstVisible = Math.floor(top / rowHeight);
  const lastVisible = Math.min(count - 1, Math.max(firstVisible, Math.ceil((top + viewportHeight) / rowHeight) - 1));
  return { start: Math.max(0, firstVisible - overscan), end: Math.min(count, lastVisible + 1 + overscan), totalHeight };
}

/** The scrollTop that shows row `index` whole, moving as little as possible. */
export function scrollTopToReveal(index: number, rowHeight: number, viewportHeight: number, scrollTop: number): number {
  const rowTop = index * rowHeight;
  const rowBottom = rowTop + rowHeight;
  if (rowTop < scrollTop) return rowTop;
  if (rowBottom > scrollTop + viewportHeight) return Math.max(0, rowBottom - viewportHeight);
  return scrollTop;
}

/** Where ArrowUp/Down, PageUp/Down, Home and End move from `index`; null for other keys. */
export function nextRowIndex(key: string, index: number, count: number, pageRows: number): number | null {
  if (count === 0) return null;
  const last = count - 1;
  const page = Math.max(1, pageRows);
  switch (key) {
    case 'ArrowDown':
      return Math.min(last, index + 1);
    case 'ArrowUp':
      return Math.max(0, index - 1);
    case 'PageDown':
      return Math.min(last, index + page);
    case 'PageUp':
      return Math.max(0, index - page);
    case 'Home':
      return 0;
    case 'End':
      return last;
    default:
      return null;
  }
}
