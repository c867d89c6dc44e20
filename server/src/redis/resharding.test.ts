import type { QueueStatus } from '@frontrow/client/protocol';
import { queueEntries } from '@frontrow/db';
import calculateSlot from 'cluster-key-slot';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestServer, type TestServer } from '../../test/harness.ts';
import { throughOutage } from '../../test/outage.ts';
import { type ClusterProcs, cli, clusterNodes, startCluster } from '../../test/redis-procs.ts';
import { recordingSink } from '../events/index.ts';
import { createFans, createSale, eventually, QUIET, type TestFan } from '../waiting-room/testing.ts';

/**
 * A live concert's slot moves to another primary of a Redis Cluster of the file's own (CLUSTER SETSLOT
 * IMPORTING/MIGRATING, MIGRATE one key at a time, SETSLOT NODE) while fans enter and poll and the admission
 * worker admits: requests meet ASK redirections and TRYAGAIN (a script whose keys are split between the two
 * primaries) on the way.
 */
const PORTS = [7111, 7112, 7113];
const FANS = 40;
const sink = recordingSink();
let cluster: ClusterProcs;
let t: TestServer;
let admin: string;

beforeAll(async () => {
  cluster = await startCluster(PORTS);
  t = await createTestServer(
    { ...QUIET, REDIS_CLUSTER_NODES: cluster.seeds, ADMIT_INTERVAL_SECONDS: '0.5', ADMIT_GROUP_SIZE: '2' },
    { events: sink },
  );
  await t.startWorkers();
  admin = await t.token({ role: 'admin' });
}, 60_000);

afterAll(async () => {
  try {
    await t?.close();
  } finally {
    await cluster?.close();
  }
});

/** Moves `slot` from its primary to another one, key by key, the way `redis-cli --cluster reshard` does. */
async function moveSlot(slot: number): Promise<{ from: number; to: number }> {
  const nodes = await clusterNodes(PORTS[0]!);
  const owns = (slots: string[]) =>
    slots.some((range) => {
      const [lo, hi] = range.split('-').map(Number);
      return lo !== undefined && slot >= lo && slot <= (hi ?? lo);
    });
  const source = nodes.find((n) => owns(n.slots));
  const target = nodes.find((n) => n !== source);
  if (!source || !target) throw new Error(`no owner for slot ${slot}`);
  await cli(target.port, 'CLUSTER', 'SETSLOT', String(slot), 'IMPORTING', source.id);
  await cli(source.port, 'CLUSTER', 'SETSLOT', String(slot), 'MIGRATING', target.id);
  for (;;) {
    const keys = (await cli(source.port, 'CLUSTER', 'GETKEYSINSLOT', String(slot), '5')).split('\n');
    const key = keys.find((k) => k.length > 0);
    if (!key) break;
    await cli(source.port, 'MIGRATE', '127.0.0.1', String(target.port), '', '0', '5000', 'KEYS', key);
    // Requests run between two keys, so scripts meet the slot half moved.
    await new Promise((r) => setTimeout(r, 20));
  }
  for (const n of nodes) await cli(n.port, 'CLUSTER', 'SETSLOT', String(slot), 'NODE', target.id);
  return { from: source.port, to: target.port };
}

describe('a slot move in the middle of a drop on Redis Cluster', () => {
  it('keeps every fan in order with the ticket it got, admits nobody twice, and answers at most 503 meanwhile', async () => {
    const concertId = await createSale(t, admin, { openInMs: -60_000 });
    expect(
      (await t.call('POST', `/api/v1/admin/concerts/${concertId}/sale/open`, { token: admin, body: {} }))
        .status,
    ).toBe(200);

    const outage = throughOutage(t, 50);
    const { unavailable, unexpected } = outage;
    const call = (method: string, path: string, fan: TestFan) =>
      outage.call(method, path, { token: fan.token });
    const statusPath = `/api/v1/concerts/${concertId}/queue/me`;

    const fans = await createFans(t, FANS);
    const tickets = new Map<string, number>();
    let moving = true;
    // Fans enter one after another (their tickets are their order) and then poll until the move is over.
    const entering = (async () => {
      const polls: Promise<void>[] = [];
      for (const fan of fans) {
        const res = await call('POST', `/api/v1/concerts/${concertId}/queue`, fan);
        // 201, or 200 when an earlier try entered the fan but its answer was a 503 of the move (the status read
        // after the step met the slot half moved): enter is idempotent, and the ticket is the one that try got.
        expect([200, 201], JSON.stringify(res.body)).toContain(res.status);
        tickets.set(fan.id, res.body.data.ticket);
        polls.push(
          (async () => {
            while (moving) {
              await call('GET', statusPath, fan);
              await new Promise((r) => setTimeout(r, 100));
            }
          })(),
        );
        await new Promise((r) => setTimeout(r, 30));
      }
      return polls;
    })();

    await eventually(async () => (tickets.size >= FANS / 4 ? true : undefined), 20_000, 'the first fans');
    const slot = calculateSlot(t.services.keys.fans(concertId));
    const startedAt = Date.now();
    const moved = await moveSlot(slot);
    const polls = await entering;
    moving = false;
    await Promise.all(polls);
    const window = outage.window(startedAt);
    console.log(
      `resharding: slot ${slot} ${moved.from} -> ${moved.to}; ${unavailable.length} answers 503 within ${window} ms`,
    );
    expect(unexpected).toEqual([]);
    const owner = (await clusterNodes(PORTS[0]!)).find((n) => n.port === moved.to);
    expect(
      owner?.slots.some((r) => r === String(slot) || r.startsWith(`${slot}-`) || r.endsWith(`-${slot}`)),
    ).toBe(true);
    // The concert's keys live on the new primary only.
    expect(await cli(moved.from, 'CLUSTER', 'COUNTKEYSINSLOT', String(slot))).toBe('0');
    expect(Number(await cli(moved.to, 'CLUSTER', 'COUNTKEYSINSLOT', String(slot)))).toBeGreaterThan(0);

    // Every fan is still known with the ticket enter gave it; tickets are dense 1..N in entry order.
    const statuses = new Map<string, QueueStatus>();
    for (const fan of fans) statuses.set(fan.id, (await call('GET', statusPath, fan)).body.data);
    expect(fans.map((f) => tickets.get(f.id))).toEqual(Array.from({ length: FANS }, (_, i) => i + 1));
    for (const fan of fans) {
      expect(statuses.get(fan.id)?.status, fan.id).not.toBe('NOT_IN_QUEUE');
      expect(statuses.get(fan.id)?.ticket, fan.id).toBe(tickets.get(fan.id));
    }
    // Those still waiting stand in ticket order, right behind those admitted.
    const waiting = fans.filter((f) => statuses.get(f.id)?.status === 'WAITING');
    expect(waiting.map((f) => statuses.get(f.id)?.position)).toEqual(waiting.map((_, i) => i + 1));
    const admittedFans = fans.filter((f) => statuses.get(f.id)?.status !== 'WAITING');
    expect(admittedFans).toEqual(fans.slice(0, admittedFans.length));

    // Nobody admitted twice.
    const perFan = new Map<string, number>();
    for (const e of sink.events)
      if (e.type === 'queue.admitted' && e.concertId === concertId && 'userId' in e)
        perFan.set(e.userId, (perFan.get(e.userId) ?? 0) + 1);
    expect([...perFan.values()].filter((n) => n > 1)).toEqual([]);
    // MySQL's log of entries agrees: one row a fan, tickets dense.
    await eventually(
      async () => {
        const rows = await t.services.database.db
          .select()
          .from(queueEntries)
          .where(eq(queueEntries.concertId, concertId));
        return rows.length === FANS ? rows : undefined;
      },
      10_000,
      'the entries in MySQL',
    ).then((rows) =>
      expect(rows.map((r) => r.ticket).sort((a, b) => a - b)).toEqual(
        Array.from({ length: FANS }, (_, i) => i + 1),
      ),
    );
  }, 60_000);
});
