import type { Lane } from '@frontrow/client/protocol';
import { describe, expect, it } from 'vitest';
import { type EntryRow, fanRecord, planRebuild } from './plan.ts';

const T0 = Date.UTC(2026, 0, 1);
const at = (s: number) => new Date(T0 + s * 1000);
const row = (ticket: number, userId: string, lane: Lane, more: Partial<EntryRow> = {}): EntryRow => ({
  userId,
  ticket,
  lane,
  enteredAt: at(ticket),
  admittedAt: null,
  claimedAt: null,
  leftAt: null,
  ...more,
});
const opts = { nowMs: T0 + 100_000, readyWindowMs: 60_000, sessionMs: 120_000 };

describe('planRebuild', () => {
  it('gives every lane back its dense laneSeq from ticket order, VIP lane first, then presale, then normal', () => {
    const plan = planRebuild(
      [
        row(4, 'd', 'normal'),
        row(1, 'a', 'normal'),
        row(7, 'g', 'presale'),
        row(2, 'b', 'vip'),
        row(3, 'c', 'normal'),
        row(6, 'f', 'presale'),
        row(5, 'e', 'vip'),
      ],
      opts,
    );
    expect(plan.waiting.map((f) => [f.userId, f.lane, f.ticket, f.laneSeq])).toEqual([
      ['b', 'vip', 2, 1],
      ['e', 'vip', 5, 2],
      ['f', 'presale', 6, 1],
      ['g', 'presale', 7, 2],
      ['a', 'normal', 1, 1],
      ['c', 'normal', 3, 2],
      ['d', 'normal', 4, 3],
    ]);
    expect(plan.ticketSeq).toBe(7);
    expect(plan.laneSeq).toEqual({ vip: 2, presale: 2, normal: 3 });
    expect(fanRecord(plan.waiting[0]!)).toBe(`W|vip|2|1|${T0 + 2_000}|0|`);
  });

  it('keeps the places of fans who left or were admitted, and never queues those fans again', () => {
    const plan = planRebuild(
      [
        row(1, 'a', 'normal', { admittedAt: at(90) }), // READY, window until 150 s
        row(2, 'b', 'normal', { leftAt: at(20) }),
        row(3, 'c', 'normal'),
        row(4, 'd', 'normal', { admittedAt: at(10), claimedAt: at(30) }), // session until 150 s
        row(5, 'e', 'normal', { admittedAt: at(10) }), // window over at 70 s
      ],
      opts,
    );
    expect(plan.waiting.map((f) => [f.userId, f.laneSeq])).toEqual([['c', 3]]);
    expect(plan.ready.map((f) => [f.userId, f.status, f.untilMs])).toEqual([
      ['a', 'R', T0 + 150_000],
      ['d', 'R', T0 + 150_000],
    ]);
    expect(plan.stats).toMatchObject({ 'served:normal': 3, 'left:normal': 1 });
    expect(plan.laneSeq.normal).toBe(5);
  });

  it("takes a fan's latest entry (it expired and entered again at the back)", () => {
    const plan = planRebuild(
      [row(1, 'a', 'vip', { admittedAt: at(2), leftAt: at(3) }), row(2, 'b', 'vip'), row(3, 'a', 'vip')],
      opts,
    );
    expect(plan.waiting.map((f) => [f.userId, f.ticket, f.laneSeq])).toEqual([
      ['b', 2, 2],
      ['a', 3, 3],
    ]);
    expect(plan.fans).toBe(2);
  });

  it('follows the pre-queue shuffle: a ticket and its laneSeq moved together to their new owner', () => {
    // Before the shuffle x had ticket 1 and y ticket 2; the log's S rows gave ticket 1 to y and 2 to x.
    const plan = planRebuild([row(1, 'y', 'normal'), row(2, 'x', 'normal')], opts);
    expect(plan.waiting.map((f) => [f.userId, f.ticket, f.laneSeq])).toEqual([
      ['y', 1, 1],
      ['x', 2, 2],
    ]);
  });
});
