import type { SaleState } from '@frontrow/client';

const LABELS: Record<SaleState, string> = {
  SCHEDULED: 'Coming soon',
  QUEUE_OPEN: 'Waiting room open',
  ON_SALE: 'On sale',
  PAUSED: 'Paused',
  CLOSED: 'Sale closed',
};

export const saleLabel = (s: SaleState) => LABELS[s];
