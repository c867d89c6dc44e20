import { describe, expect, it } from 'vitest';
import { admissionRate, parseSaleExtras, parseStatus, toQueueStatus } from './status.ts';

/**
 * queueStatus's reply (lua/queue-status.lua) to QueueStatus, without Redis: how absent hash fields read, and
 * what a fan in each state is told. enter.test.ts holds the same through the real script.
 */

/** The values of queueStatus's JSON array, in order. */
const FIELDS = [
  'saleState',
  'title',
  'status',
  'lane',
  'ticket',
  'laneSeq',
  'position',
  'total',
  'until',
  'opensAt',
  'rate',
  'group',
  'interval',
  'seatsAvailable',
  'seatsHeld',
  'spread',
  'notice',
  'stateReason',
  'admitRatio',
  'maxActive',
] as const;

/** The JSON of a queueStatus answer: Lua numbers as JSON integers, absent hash fields as ''. */
function reply(over: Partial<Record<(typeof FIELDS)[number], string | number>> = {}): string {
  const base: Record<(typeof FIELDS)[number], string | number> = {
    saleState: 'ON_SALE',
    title: 'Night Show',
    status: 'WAITING',
    lane: 'normal',
    ticket: 41,
    laneSeq: 12,
    position: 21,
    total: 300,
    until: 0,
    opensAt: 1_000_000,
    rate: '',
    group: 10,
    interval: 2000,
    seatsAvailable: '',
    seatsHeld: '',
    spread: '',
    notice: '',
    stateReason: '',
    admitRatio: '',
    maxActive: 0,
  };
  const merged = { ...base, ...over };
  return JSON.stringify(FIELDS.map((f) => merged[f]));
}

const NOW = Date.parse('2026-12-31T19:00:00.000Z');

describe('parseStatus', () => {
  it('reads absent sale fields as "not known yet", not as zero', () => {
    const s = parseStatus(reply());
    expect(s.measuredRate).toBeUndefined();
    expect(s.extras).toEqual({
      seatsAvailable: undefined,
      seatsHeld: 0,
      spread: [],
      notice: null,
      stateReason: null,
      admitRatio: 1,
      maxActive: 0,
    });
  });

  it('keeps a count of zero seats left (sold out) apart from no count at all', () => {
    expect(parseStatus(reply({ seatsAvailable: '0' })).extras.seatsAvailable).toBe(0);
    expect(parseStatus(reply({ rate: '0' })).measuredRate).toBe(0);
  });

  it('reads the spread newest first and the numbers of the sale hash', () => {
    const s = parseStatus(
      reply({ spread: '12,0,7', seatsHeld: '5', admitRatio: '1.5', maxActive: 200, rate: '4.25' }),
    );
    expect(s.extras).toMatchObject({ spread: [12, 0, 7], seatsHeld: 5, admitRatio: 1.5, maxActive: 200 });
    expect(s.measuredRate).toBe(4.25);
  });

  it('shows no notice rather than fail on a notice that is not JSON', () => {
    expect(parseStatus(reply({ notice: '{oops' })).extras.notice).toBeNull();
    const notice = { concertId: 9, message: 'Doors at 7', level: 'info', at: '2026-12-31T18:00:00.000Z' };
    expect(parseStatus(reply({ notice: JSON.stringify(notice) })).extras.notice).toEqual(notice);
  });

  it('gives no lane to a fan outside the queue (status.lua answers an empty lane)', () => {
    expect(parseStatus(reply({ status: 'NOT_IN_QUEUE', lane: '' })).lane).toBeNull();
    expect(parseStatus(reply({ lane: 'presale' })).lane).toBe('presale');
    expect(parseStatus(reply({ lane: 'gold' })).lane).toBeNull();
  });
});

describe('toQueueStatus', () => {
  it('tells a waiting fan its place and the fans ahead; before the open, the wait counts from the open', () => {
    const opensAt = NOW + 90_000;
    const q = toQueueStatus(9, parseStatus(reply({ saleState: 'QUEUE_OPEN', position: 21, opensAt })), NOW);
    expect(q).toMatchObject({
      concertId: 9,
      status: 'WAITING',
      position: 21,
      aheadCount: 20,
      canEnter: false,
    });
    // 10 fans every 2 s is 5 a second: 20 ahead is 4 s, after the 90 s until the open.
    expect(q.estimatedWaitSeconds).toBe(94);
    expect(q.estimatedEnterAt).toBe(new Date(NOW + 94_000).toISOString());
  });

  it('uses the measured rate once the sale admits, the configured one before and while none was measured', () => {
    const selling = parseStatus(reply({ rate: '2' }));
    expect(admissionRate(selling)).toBe(2);
    expect(admissionRate({ ...selling, measuredRate: 0 })).toBe(5);
    expect(admissionRate({ ...selling, saleState: 'QUEUE_OPEN' })).toBe(5);
    expect(admissionRate({ ...selling, measuredRate: undefined, intervalMs: 0 })).toBe(0);
  });

  it('gives no estimate when nothing admits (interval 0)', () => {
    const q = toQueueStatus(9, parseStatus(reply({ interval: 0 })), NOW);
    expect(q.estimatedWaitSeconds).toBeNull();
    expect(q.estimatedEnterAt).toBeNull();
  });

  it('tells a READY fan until when it may claim, and an ENTERED one when its session ends', () => {
    const until = NOW + 60_000;
    const ready = toQueueStatus(9, parseStatus(reply({ status: 'READY', position: 0, until })), NOW);
    expect(ready).toMatchObject({ canEnter: true, position: null, estimatedWaitSeconds: 0 });
    expect(ready.readyUntil).toBe(new Date(until).toISOString());
    expect(ready.sessionExpiresAt).toBeUndefined();
    const entered = toQueueStatus(9, parseStatus(reply({ status: 'ENTERED', position: 0, until })), NOW);
    expect(entered.sessionExpiresAt).toBe(new Date(until).toISOString());
    expect(entered.readyUntil).toBeUndefined();
  });

  it('hides lane and ticket from a fan outside the queue, and rounds the seats left', () => {
    const q = toQueueStatus(
      9,
      parseStatus(reply({ status: 'NOT_IN_QUEUE', lane: 'normal', seatsAvailable: '0' })),
      NOW,
    );
    expect(q).toMatchObject({ lane: null, ticket: null, laneSeq: null, position: null, canEnter: false });
    expect(q.seatsLeft).toBe(0);
    expect(toQueueStatus(9, parseStatus(reply()), NOW).seatsLeft).toBeUndefined();
  });
});

describe('parseSaleExtras', () => {
  it('reads null and missing fields as an empty hash does', () => {
    const empty = parseSaleExtras({
      seatsAvailable: null,
      seatsHeld: undefined,
      spread: null,
      notice: null,
      stateReason: null,
      admitRatio: null,
      maxActive: null,
    });
    expect(empty).toEqual(parseStatus(reply()).extras);
  });
});
