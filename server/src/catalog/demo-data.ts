import type { CreateConcertRequest } from '@frontrow/client/protocol';
import type { Logger } from '../logging/logger.ts';
import type { Catalog } from './service.ts';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

/**
 * The demo concert: two evenings, a few hundred seats in three priced sections, its sale opening a few minutes
 * after start so a visitor can join the waiting room first and watch it open.
 */
export function demoConcert(now: Date, saleOpensInMinutes = 3): CreateConcertRequest {
  const open = new Date(now.getTime() + saleOpensInMinutes * MINUTE);
  const close = new Date(now.getTime() + 6 * DAY);
  const evening = (days: number) => {
    const d = new Date(now.getTime() + days * DAY);
    d.setUTCHours(19, 0, 0, 0);
    return d.toISOString();
  };
  const sections = [
    { name: 'VIP', grade: 'VIP', price: 150_000, rows: 2, seatsPerRow: 20 },
    { name: 'R', grade: 'R', price: 110_000, rows: 5, seatsPerRow: 24 },
    { name: 'S', grade: 'S', price: 80_000, rows: 6, seatsPerRow: 25 },
  ];
  return {
    title: 'Frontrow Live: Winter Drop',
    venueName: 'Olympic Hall, Seoul',
    schedules: [7, 8].map((days) => ({
      startsAt: evening(days),
      bookingOpenAt: open.toISOString(),
      bookingCloseAt: close.toISOString(),
      sections,
    })),
  };
}

export async function seedDemoData(
  catalog: Catalog,
  logger: Logger,
  now = new Date(),
): Promise<number | undefined> {
  if ((await catalog.countConcerts()) > 0) return undefined;
  const created = await catalog.createConcert(demoConcert(now));
  logger.info({ concertId: created.concertId, saleOpensAt: created.saleOpensAt }, 'seeded the demo concert');
  return created.concertId;
}
