import type { SaleState, SaleView } from '@frontrow/client/protocol';

/** The admin's SaleView from a sale hash (keys.sale) read whole. */
export function saleViewFromHash(concertId: number, sale: Record<string, string>): SaleView {
  const counted = sale.seatsAvailable !== undefined;
  return {
    concertId,
    saleState: (sale.state ?? 'SCHEDULED') as SaleState,
    groupSize: Number(sale.groupSize),
    intervalSeconds: Number(sale.intervalMs) / 1000,
    maxActive: Number(sale.maxActive),
    admitSeatRatio: Number(sale.admitRatio ?? 1),
    reopenOnReturns: sale.reopenOnReturns === '1',
    soldOut: sale.soldOut === '1',
    inventory: counted
      ? {
          available: Number(sale.seatsAvailable),
          held: Number(sale.seatsHeld ?? 0),
          sold: Number(sale.seatsSold ?? 0),
        }
      : null,
  };
}
