import { AppError } from '../http/errors.ts';
import type { RedisClient } from '../redis/client.ts';
import type { Keys } from '../redis/keys.ts';
import { defineScript, type LuaReply } from '../redis/scripts.ts';

/** Admission's scripts (the sale's state, admission, the write-behind log), each building its own KEYS. */
export function createAdmissionScripts(redis: RedisClient, keys: Keys) {
  const admit = defineScript(redis, 'frAdmit', new URL('./admit.lua', import.meta.url));
  const openSale = defineScript(redis, 'frOpenSale', new URL('./open-sale.lua', import.meta.url));
  const setState = defineScript(redis, 'frSetState', new URL('./set-state.lua', import.meta.url));
  const closeSale = defineScript(redis, 'frCloseSale', new URL('./close-sale.lua', import.meta.url));
  const logTake = defineScript(redis, 'frLogTake', new URL('./log-take.lua', import.meta.url));
  const logAck = defineScript<number>(redis, 'frLogAck', new URL('./log-ack.lua', import.meta.url));
  return {
    admit: (
      concertId: number,
      args: [
        nowMs: number,
        readyWindowMs: number,
        tickId: string,
        count: number,
        manual: '1' | '0',
        cutoffMs: number,
        admitSeatRatio: number,
        spreadWindow: number,
      ],
    ): Promise<LuaReply> =>
      admit(
        [
          ...keys.roomState(concertId),
          keys.queueStats(concertId),
          keys.queueLog(concertId),
          keys.admissions(concertId),
          keys.admitTicks(concertId),
        ],
        args,
      ),
    openSale: (
      concertId: number,
      args: [nowMs: number, stream: string | Buffer, resume: '1' | '0', seed: string],
    ): Promise<LuaReply> =>
      openSale(
        [
          keys.sale(concertId),
          keys.fans(concertId),
          ...keys.lanes(concertId),
          keys.queueLog(concertId),
          keys.draw(concertId),
          keys.drawOrder(concertId),
        ],
        args,
      ),
    setState: (concertId: number, args: [target: string, from: string]): Promise<LuaReply> =>
      setState([keys.sale(concertId)], args),
    closeSale: (concertId: number, args: [nowMs: number]): Promise<LuaReply> =>
      closeSale([...keys.roomState(concertId), keys.queueLog(concertId)], args),
    logTake: (concertId: number, args: [token: string, leaseMs: number, batch: number]): Promise<LuaReply> =>
      logTake(
        [keys.queueLog(concertId), keys.queueLogInflight(concertId), keys.queueLogLease(concertId)],
        args,
      ),
    logAck: (concertId: number, args: [token: string]): Promise<number> =>
      logAck([keys.queueLogInflight(concertId), keys.queueLogLease(concertId)], args),
  };
}
export type AdmissionScripts = ReturnType<typeof createAdmissionScripts>;

/**
 * The one table from admission's script codes to the API's errors. `state` is the sale's state where the code
 * comes with one: CONFLICT (set-state.lua refused the move from that state) and NOT_OPEN (admit.lua answered for
 * a sale that is neither on sale nor paused).
 */
export function admissionError(code: string, concertId: number, state?: string): Error {
  switch (code === 'CONFLICT' && state === 'CLOSED' ? 'BOOKING_CLOSED' : code) {
    case 'BOOKING_CLOSED':
      return new AppError('BOOKING_CLOSED', 'The sale of this concert is closed', { concertId });
    case 'CONFLICT':
      return new AppError('QUEUE_NOT_OPEN', `The sale of this concert is ${state}`, { concertId, state });
    case 'NOT_OPEN':
      return new AppError('QUEUE_NOT_OPEN', 'The sale of this concert has not opened yet', {
        concertId,
        state,
      });
    default:
      return new Error(`unexpected reply ${code} from an admission script (concert ${concertId})`);
  }
}
