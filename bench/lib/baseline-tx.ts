import { createBooking } from '@frontrow/server/booking/service';
import { loadConfig } from '@frontrow/server/config/index';
import { createDatabase } from '@frontrow/server/db/client';
import { noopEvents } from '@frontrow/server/events/index';
import { createSeats } from '@frontrow/server/inventory/seats';
import { createLogger } from '@frontrow/server/logging/logger';
import { createPayments } from '@frontrow/server/payments/service';
import { closedLoop } from './raw-sql.ts';

/**
 * Baseline of the holds and payments scenarios: the server's own hold and payment transactions (booking's `hold`,
 * payments' `pay`: the same code, the same statements over mysql2, the same pool settings), run in a process of
 * their own, on the cores the API server gets, with no HTTP, no token or session check, no expiry job and no
 * event. The route's figure over this one is what the HTTP path around the transaction costs.
 *
 * The parent (IPC) sends a run: a list of holds or payments to make closed-loop over `connections` concurrent
 * callers; the answer is how many, how long they took, and their p99. The process serves runs until the parent
 * stops it, so its pool stays warm between them.
 */
export type TxRun =
  | {
      kind: 'hold';
      connections: number;
      holds: Array<{ userId: string; scheduleId: number; seatId: number }>;
    }
  | { kind: 'pay'; connections: number; payments: Array<{ userId: string; reservationId: number }> };

export interface TxResult {
  type: 'tx-result';
  count: number;
  seconds: number;
  p99: number;
  error?: string;
}

const config = loadConfig({ ...process.env });
const database = createDatabase(config.databaseUrl, {
  connectionLimit: config.mysqlPoolSize,
  timeoutMs: config.mysqlTimeoutMs,
});
const logger = createLogger('warn', { role: 'baseline-tx' });
const seats = createSeats({ db: database.db, events: noopEvents, logger, now: () => new Date() });
const booking = createBooking({
  db: database.db,
  config,
  logger,
  seats,
  expiry: { schedule: async () => undefined },
});
const { payments } = createPayments({
  db: database.db,
  config,
  logger,
  seats,
  holds: booking,
  waitingRoom: { finish: async () => undefined },
  sessions: { get: async () => undefined },
});

function run(job: TxRun): Promise<{ count: number; seconds: number; p99: number }> {
  if (job.kind === 'hold') {
    return closedLoop(job.holds.length, job.connections, (i) => {
      const { userId, scheduleId, seatId } = job.holds[i]!;
      return booking.hold({ userId, scheduleId, seatIds: [seatId] });
    });
  }
  return closedLoop(job.payments.length, job.connections, (i) => {
    const { userId, reservationId } = job.payments[i]!;
    return payments.pay(userId, reservationId);
  });
}

process.on('message', (job: TxRun | { type?: string }) => {
  if (!('kind' in job)) return; // the memory probe's messages
  run(job).then(
    (result) => process.send?.({ type: 'tx-result', ...result }),
    (err: unknown) => process.send?.({ type: 'tx-result', count: 0, seconds: 0, p99: 0, error: String(err) }),
  );
});
process.on('disconnect', () => {
  void database.close().finally(() => process.exit(0));
});
// The process lives as long as the parent's channel (the memory probe unrefs it for the servers).
process.channel?.ref();
process.send?.({ type: 'ready' });
