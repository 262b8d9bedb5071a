import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatLsn, formatSegmentName, parseLsn, segmentNumberOf } from '../lsn';
import { chooseStartPosition, type LocalSegment, type StartInputs } from './start-position';
import { parseTimelineHistory, timelineAt, timelineEnd, type ServerHistory } from './timeline-history';

const segmentSize = 16 * 1024 * 1024;

function segment(timeline: number, lsn: string): LocalSegment {
  const number = segmentNumberOf(parseLsn(lsn), segmentSize);
  return { name: formatSegmentName(timeline, number, segmentSize), timeline, segmentNumber: number };
}

function inputs(overrides: Partial<StartInputs>): StartInputs {
  return {
    segmentSize, history: { current: 1, switches: [] }, partials: [], archived: [], slotRestartLsn: null,
    serverPosition: parseLsn('0/9123456'), ignoreArchive: false, ...overrides,
  };
}

function describe(start: ReturnType<typeof chooseStartPosition>): string {
  return `${start.reason} ${formatLsn(start.lsn)} tli ${start.timeline}`;
}

// Timeline 1 ended inside segment 0/5000000; timeline 2 ended exactly at 0/8000000.
const history: ServerHistory = { current: 3, switches: parseTimelineHistory('1\t0/5000100\tno recovery target specified\n\n# comment\n2\t0/8000000\tat restore point "x"\n') };

test('history files parse, and a position maps to the timeline holding it', () => {
  assert.deepEqual(history.switches, [{ timeline: 1, switchLsn: parseLsn('0/5000100') }, { timeline: 2, switchLsn: parseLsn('0/8000000') }]);
  assert.equal(timelineAt(parseLsn('0/5000000'), history), 1);
  assert.equal(timelineAt(parseLsn('0/5000100'), history), 2, 'a switch point belongs to the new timeline');
  assert.equal(timelineAt(parseLsn('0/7FFFFFF'), history), 2);
  assert.equal(timelineAt(parseLsn('0/8000000'), history), 3);
  assert.equal(timelineEnd(3, history), null);
  assert.equal(timelineEnd(2, history), parseLsn('0/8000000'));
  assert.equal(timelineEnd(4, history), undefined);
});

test('the start follows the brief order: partial, archive, slot, server', () => {
  assert.equal(describe(chooseStartPosition(inputs({}))), 'server 0/9000000 tli 1');
  assert.equal(describe(chooseStartPosition(inputs({ slotRestartLsn: parseLsn('0/7654321') }))), 'slot 0/7000000 tli 1');
  assert.equal(describe(chooseStartPosition(inputs({ slotRestartLsn: 0n }))), 'server 0/9000000 tli 1', 'a slot reporting 0/0 reserves nothing');
  const archived = [segment(1, '0/3000000'), segment(1, '0/5000000')];
  assert.equal(describe(chooseStartPosition(inputs({ archived, slotRestartLsn: parseLsn('0/7654321') }))), 'archive 0/6000000 tli 1');
  const partials = [segment(1, '0/4000000')];
  const start = chooseStartPosition(inputs({ archived, partials }));
  assert.equal(describe(start), 'partial 0/4000000 tli 1', 'a partial wins even over newer archived segments (duplicates are harmless)');
  assert.equal(start.partial?.name, '000000010000000000000004');
});

test('after a reset the archive is ignored: the slot or the server is followed', () => {
  const archived = [segment(1, '0/5000000')];
  assert.equal(describe(chooseStartPosition(inputs({ archived, slotRestartLsn: parseLsn('0/8000010'), ignoreArchive: true }))), 'slot 0/8000000 tli 1');
});

test('segments off the server history are not resumed; an ended timeline resumes where the history says', () => {
  // Timeline 1's segment holding the switch, archived by an old primary, is not on the history.
  const archived = [segment(1, '0/4000000'), segment(1, '0/5000000'), segment(1, '0/6000000')];
  assert.equal(describe(chooseStartPosition(inputs({ history, archived }))), 'archive 0/5000000 tli 1',
    'stream timeline 1 up to its switch point, then the server moves to timeline 2');
  // Timeline 2 ends exactly at a segment boundary: its last segment is complete on the history.
  assert.equal(describe(chooseStartPosition(inputs({ history, archived: [segment(2, '0/7000000')] }))), 'archive 0/8000000 tli 3');
  assert.equal(describe(chooseStartPosition(inputs({ history, archived: [segment(2, '0/8000000')] }))), 'server 0/9000000 tli 3',
    'a timeline 2 segment past its end is not on this history');
  const partials = [segment(1, '0/5000000'), segment(2, '0/5000000'), segment(4, '0/9000000')];
  const start = chooseStartPosition(inputs({ history, partials }));
  assert.equal(describe(start), 'partial 0/5000000 tli 2', 'the newest timeline of the newest segment, on the history');
  assert.deepEqual(start.strayPartials.map((stray) => stray.name).sort(), ['000000010000000000000005', '000000040000000000000009']);
  assert.equal(describe(chooseStartPosition(inputs({ history, partials: [segment(1, '0/6000000')] }))), 'server 0/9000000 tli 3',
    'a timeline 1 partial after the switch is foreign');
  assert.equal(describe(chooseStartPosition(inputs({ history, serverPosition: parseLsn('0/8000010') }))), 'server 0/8000000 tli 3');
  assert.equal(describe(chooseStartPosition(inputs({ history, serverPosition: parseLsn('0/5000200') }))), 'server 0/5000000 tli 1',
    "rounded down before the switch point: timeline 1's part of the segment first");
});

test('after a kill -9 between two segments, the OLDER partial is resumed, so no segment is skipped', () => {
  // Segment 9 was still a .partial (not yet fsynced and renamed) when segment A was begun.
  const partials = [segment(1, '0/9000000'), segment(1, '0/A000000')];
  const start = chooseStartPosition(inputs({ partials, archived: [segment(1, '0/8000000')] }));
  assert.equal(describe(start), 'partial 0/9000000 tli 1');
  assert.deepEqual(start.strayPartials.map((stray) => stray.name), ['00000001000000000000000A']);
});
