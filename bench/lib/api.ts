import type { QueueStatus } from '@frontrow/client/protocol';
import { SignJWT } from 'jose';

/**
 * A small HTTP client for the server under test, and the setup steps every scenario shares: concerts, fans,
 * entering, admitting, claiming access tokens. The harness plays the identity provider: it signs user tokens
 * with the AUTH_JWT_SECRET it gave the server (what `POST /api/v1/auth/dev-token` does, minus 60,000 requests).
 */

export interface Reply {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: the bench reads arbitrary envelopes
  body: any;
}

export interface BenchFan {
  userId: string;
  token: string;
  accessToken?: string;
}

export class Api {
  private readonly key: Uint8Array;
  constructor(
    readonly url: string,
    secret: string,
  ) {
    this.key = new TextEncoder().encode(secret);
  }

  async call(
    method: string,
    path: string,
    init: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
  ): Promise<Reply> {
    const headers: Record<string, string> = { ...init.headers };
    if (init.token) headers.authorization = `Bearer ${init.token}`;
    if (init.body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(this.url + path, {
      method,
      headers,
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
    const text = await res.text();
    try {
      return { status: res.status, body: JSON.parse(text) };
    } catch {
      return { status: res.status, body: text };
    }
  }

  /** Calls and insists on the expected status, failing loudly with the error envelope. */
  async expect(status: number, method: string, path: string, init: Parameters<Api['call']>[2] = {}) {
    const res = await this.call(method, path, init);
    if (res.status !== status) {
      throw new Error(`${method} ${path}: expected ${status}, got ${res.status} ${JSON.stringify(res.body)}`);
    }
    return res.body.data;
  }

  async devToken(userId: string, role: 'admin' | 'user' = 'user'): Promise<string> {
    return (await this.expect(200, 'POST', '/api/v1/auth/dev-token', { body: { userId, role } })).token;
  }

  signToken(userId: string, tier: 'vip' | 'normal' = 'normal'): Promise<string> {
    return new SignJWT({ name: userId, tier, role: 'user' })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(userId)
      .setIssuedAt()
      .setExpirationTime('2h')
      .sign(this.key);
  }

  async fans(prefix: string, count: number, tier: 'vip' | 'normal' = 'normal'): Promise<BenchFan[]> {
    return Promise.all(
      Array.from({ length: count }, async (_, i) => {
        const userId = `${prefix}-${i}`;
        return { userId, token: await this.signToken(userId, tier) };
      }),
    );
  }
}

/** Runs `fn` over `items` with at most `concurrency` in flight; results in input order. */
export async function pool<T, R>(items: T[], concurrency: number, fn: (item: T, i: number) => Promise<R>) {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return out;
}

export interface ConcertSetup {
  concertId: number;
  scheduleId: number;
  /** Every schedule, the first being `scheduleId`. */
  scheduleIds: number[];
}

/**
 * A concert with `schedules` schedules (default 1) of `rows × seatsPerRow` seats each. `bookingOpensInMs` > 0 leaves it in the join window
 * (QUEUE_OPEN: fans queue, nobody is admitted until an admin opens the sale).
 */
export async function createConcert(
  api: Api,
  admin: string,
  opts: {
    rows?: number;
    seatsPerRow?: number;
    sections?: number;
    schedules?: number;
    bookingOpensInMs?: number;
    price?: number;
  },
): Promise<ConcertSetup> {
  const now = Date.now();
  const data = await api.expect(201, 'POST', '/api/v1/admin/concerts', {
    token: admin,
    body: {
      title: `Bench ${now}`,
      venueName: 'Bench Arena',
      schedules: Array.from({ length: opts.schedules ?? 1 }, (_, day) => ({
        startsAt: new Date(now + (7 + day) * 86_400_000).toISOString(),
        bookingOpenAt: new Date(now + (opts.bookingOpensInMs ?? -60_000)).toISOString(),
        bookingCloseAt: new Date(now + 6 * 86_400_000).toISOString(),
        sections: Array.from({ length: opts.sections ?? 1 }, (_, i) => ({
          name: `S${i + 1}`,
          grade: 'R',
          price: opts.price ?? 1_000,
          rows: opts.rows ?? 1,
          seatsPerRow: opts.seatsPerRow ?? 10,
        })),
      })),
    },
  });
  const scheduleIds: number[] = data.schedules.map((s: { scheduleId: number }) => s.scheduleId);
  return { concertId: data.concertId, scheduleId: scheduleIds[0]!, scheduleIds };
}

/** Opens the sale now with the given knobs; a sale that opened by itself already (409) is fine. */
/**
 * A hall shape with at least `count` seats, for scenarios that admit that many fans: admission stops once the fans
 * let in could take every seat left (ADMIT_SEAT_RATIO).
 */
export function seatsFor(count: number): { rows: number; seatsPerRow: number } {
  return { rows: Math.max(1, Math.ceil(count / 200)), seatsPerRow: 200 };
}

export async function openSale(
  api: Api,
  admin: string,
  concertId: number,
  knobs: { groupSize?: number; intervalSeconds?: number; maxActive?: number; admitSeatRatio?: number } = {},
) {
  const res = await api.call('POST', `/api/v1/admin/concerts/${concertId}/sale/open`, {
    token: admin,
    body: knobs,
  });
  if (res.status !== 200 && res.status !== 409) throw new Error(`sale/open: ${JSON.stringify(res.body)}`);
}

/** Enters every fan; each answer's QueueStatus and the time it arrived, in input order. */
export async function enterAll(api: Api, concertId: number, fans: BenchFan[], concurrency = 64) {
  return pool(fans, concurrency, async (fan) => {
    const status = (await api.expect(201, 'POST', `/api/v1/concerts/${concertId}/queue`, {
      token: fan.token,
    })) as QueueStatus;
    return { userId: fan.userId, at: Date.now(), status };
  });
}

/** Enters, admits and claims: every fan leaves with an access token for the concert. */
export async function admitAndClaim(api: Api, admin: string, concertId: number, fans: BenchFan[]) {
  await enterAll(api, concertId, fans);
  for (let left = fans.length; left > 0; ) {
    const count = Math.min(left, 10_000);
    const done = await api.expect(200, 'POST', `/api/v1/admin/concerts/${concertId}/admit`, {
      token: admin,
      body: { count },
    });
    if (done.admitted === 0) throw new Error('admit: nobody admitted');
    left -= done.admitted;
  }
  await pool(fans, 64, async (fan) => {
    const grant = await api.expect(200, 'POST', `/api/v1/concerts/${concertId}/queue/access-token`, {
      token: fan.token,
    });
    fan.accessToken = grant.accessToken;
  });
}

/** The headers of a fan's booking request with a JSON body: user token, access token, content type. */
export function bookingHeaders(fan: BenchFan): Record<string, string> {
  return {
    authorization: `Bearer ${fan.token}`,
    'x-queue-token': fan.accessToken!,
    'content-type': 'application/json',
  };
}

export async function seatIds(api: Api, fan: BenchFan, setup: ConcertSetup): Promise<number[]> {
  const map = await api.expect(
    200,
    'GET',
    `/api/v1/concerts/${setup.concertId}/schedules/${setup.scheduleId}/seats`,
    { token: fan.token, headers: { 'x-queue-token': fan.accessToken! } },
  );
  return map.seats.map((s: { seatId: number }) => s.seatId);
}
