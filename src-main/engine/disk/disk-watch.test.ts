/**
 * Unit tests for the disk watch: a crossing is reported once, when a volume's
 * state gets worse; refreshes in the same state and improvements are silent;
 * concurrent looks collapse; the notification's words name the volume, its
 * free space, the threshold and what to do.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DiskState, DiskStateChange, VolumeStatus } from '../../../shared/domain/disk';
import type { ServerName } from '../../../shared/domain/names';
import { describeDiskStateChange, DiskWatch, findCrossings, type VolumeReading } from './disk-watch';

const gib = 1024 ** 3;
const thresholds = { warningFreePercent: 20, criticalFreePercent: 10 };

function volume(id: string, state: DiskState, freeBytes = 50 * gib): VolumeStatus {
  const totalBytes = 100 * gib;
  return {
    id, mountPoint: `/srv/${id}`, totalBytes, freeBytes, usedBytes: totalBytes - freeBytes,
    freePercent: (freeBytes / totalBytes) * 100, state, servers: ['main' as ServerName],
  };
}

test('findCrossings: a volume first seen past a threshold crossed it; one seen ok did not', () => {
  const at = new Date('2026-11-24T03:00:00Z');
  const crossings = findCrossings(new Map(), [volume('a', 'ok'), volume('b', 'warning'), volume('c', 'critical')], thresholds, at);
  assert.deepEqual(crossings.map((change) => [change.volume.id, change.previous, change.thresholdFreePercent, change.at]), [
    ['b', 'ok', 20, '2026-11-24T03:00:00.000Z'],
    ['c', 'ok', 10, '2026-11-24T03:00:00.000Z'],
  ]);
  // Known states: only a worse one counts.
  const known = new Map<string, DiskState>([['a', 'warning'], ['b', 'critical'], ['c', 'warning']]);
  assert.deepEqual(findCrossings(known, [volume('a', 'warning'), volume('b', 'warning'), volume('c', 'critical')], thresholds, at)
    .map((change) => [change.volume.id, change.previous]), [['c', 'warning']]);
});

test('the watch reports each crossing once, not each look; getting better and worse again is a new crossing', async () => {
  const states: DiskState[] = ['ok', 'warning', 'warning', 'critical', 'critical', 'warning', 'critical', 'ok', 'critical'];
  let index = 0;
  const watch = new DiskWatch(async () => ({ volumes: [volume('a', states[index++]!)], thresholds }));
  const seen: string[] = [];
  watch.onChange((change) => seen.push(`${change.previous}->${change.volume.state}`));
  // Subscribing looks once (the 'ok' reading); then one look per further reading.
  await watch.look();
  for (let step = 2; step < states.length; step += 1) await watch.look();
  assert.equal(index, states.length, 'every reading was taken');
  assert.deepEqual(seen, ['ok->warning', 'warning->critical', 'warning->critical', 'ok->critical']);
});

test('a volume that leaves and comes back is seen afresh', () => {
  const watch = new DiskWatch(async () => ({ volumes: [], thresholds }));
  assert.equal(watch.observe([volume('a', 'warning')], thresholds).length, 1);
  assert.equal(watch.observe([volume('a', 'warning')], thresholds).length, 0);
  assert.equal(watch.observe([], thresholds).length, 0);
  assert.equal(watch.observe([volume('a', 'warning')], thresholds).length, 1);
});

test('looks asked for while one runs collapse into one more; a failing listener does not stop the others', async () => {
  let reads = 0;
  let release: () => void = () => undefined;
  const watch = new DiskWatch(() => {
    reads += 1;
    return new Promise<VolumeReading>((resolve) => {
      release = () => resolve({ volumes: [volume('a', 'critical')], thresholds });
    });
  });
  const seen: DiskStateChange[] = [];
  watch.onChange(() => {
    throw new Error('a broken listener');
  });
  watch.onChange((change) => seen.push(change));
  assert.equal(watch.watched, true);
  // The first subscription started a look; three more asks while it runs make one more run.
  const asks = [watch.look(), watch.look(), watch.look()];
  assert.equal(reads, 1);
  const originalError = console.error;
  console.error = () => undefined;
  try {
    release();
    await new Promise((resolve) => setTimeout(resolve, 0));
    assert.equal(reads, 2, 'one more run for the asks made meanwhile');
    release();
    await Promise.all(asks);
  } finally {
    console.error = originalError;
  }
  assert.equal(reads, 2);
  assert.deepEqual(seen.map((change) => change.volume.state), ['critical'], 'reported once, to the listener that works');
});

test('the notification names the volume, its free space, the threshold passed and what to do', () => {
  // 4 GiB free of 100 GiB is 4.0%.
  const [critical] = findCrossings(new Map(), [volume('a', 'critical', 4 * gib)], thresholds, new Date());
  const words = describeDiskStateChange(critical!);
  assert.equal(words.title, 'Disk critical: /srv/a');
  assert.match(words.body, /^4\.0 GiB free of 100\.0 GiB \(4\.0%\) on \/srv\/a \(main\), below disk_critical_free_percent = 10%\. /);
  assert.match(words.body, /Backups refuse to start/);
  const [warning] = findCrossings(new Map(), [volume('b', 'warning', 15 * gib)], thresholds, new Date());
  const warned = describeDiskStateChange(warning!);
  assert.equal(warned.title, 'Disk space low: /srv/b');
  assert.match(warned.body, /15\.0 GiB free of 100\.0 GiB \(15\.0%\).*below disk_warning_free_percent = 20%/);
  assert.match(warned.body, /barkeep retention all/);
});
