/**
 * Unit tests for the virtualized backups table's window, scroll and key arithmetic.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { computeVirtualWindow, nextRowIndex, scrollTopToReveal } from './virtual-window';

test('only the rows in view, plus the overscan on each side, are rendered', () => {
  // 5,000 rows of 40 px in a 400 px viewport scrolled to 4,020 px: rows 100 (half hidden) to 110
  // are visible (4,020 + 400 = 4,420 px is inside row 110); 3 rows of overscan each side → 97..113.
  assert.deepEqual(computeVirtualWindow({ count: 5000, rowHeight: 40, viewportHeight: 400, scrollTop: 4020, overscan: 3 }),
    { start: 97, end: 114, totalHeight: 200_000 });
  // At the top nothing comes before row 0: rows 0..9 visible, 10..12 overscan.
  assert.deepEqual(computeVirtualWindow({ count: 5000, rowHeight: 40, viewportHeight: 400, scrollTop: 0, overscan: 3 }),
    { start: 0, end: 13, totalHeight: 200_000 });
});

test('a short list renders whole, an empty one nothing, and a scroll past the end shows the last page', () => {
  assert.deepEqual(computeVirtualWindow({ count: 4, rowHeight: 40, viewportHeight: 400, scrollTop: 0, overscan: 3 }), { start: 0, end: 4, totalHeight: 160 });
  assert.deepEqual(computeVirtualWindow({ count: 0, rowHeight: 40, viewportHeight: 400, scrollTop: 0, overscan: 3 }), { start: 0, end: 0, totalHeight: 0 });
  // 50 rows = 2,000 px; the last page starts at 1,600 px (row 40), whatever scrollTop says.
  assert.deepEqual(computeVirtualWindow({ count: 50, rowHeight: 40, viewportHeight: 400, scrollTop: 9999, overscan: 2 }), { start: 38, end: 50, totalHeight: 2000 });
});

test('revealing a row scrolls as little as possible', () => {
  // Rows of 40 px, viewport 400 px at 800 px shows rows 20..29.
  assert.equal(scrollTopToReveal(25, 40, 400, 800), 800, 'already in view');
  assert.equal(scrollTopToReveal(19, 40, 400, 800), 760, 'above: its top becomes the top');
  assert.equal(scrollTopToReveal(30, 40, 400, 800), 840, 'below: its bottom (1,240) becomes the bottom');
});

test('navigation keys move within the list and stop at its ends', () => {
  assert.equal(nextRowIndex('ArrowDown', 3, 10, 5), 4);
  assert.equal(nextRowIndex('ArrowDown', 9, 10, 5), 9);
  assert.equal(nextRowIndex('ArrowUp', 0, 10, 5), 0);
  assert.equal(nextRowIndex('PageDown', 7, 10, 5), 9);
  assert.equal(nextRowIndex('PageUp', 7, 10, 5), 2);
  assert.equal(nextRowIndex('Home', 7, 10, 5), 0);
  assert.equal(nextRowIndex('End', 2, 10, 5), 9);
  assert.equal(nextRowIndex('Enter', 2, 10, 5), null);
  assert.equal(nextRowIndex('ArrowDown', 0, 0, 5), null);
});
