import '../style.css';
import {
  type AccessCodeBatch,
  type AdminQueueView,
  type Concert,
  type CreateConcertRequest,
  type SaleState,
  type SalesStats,
  WEBHOOK_EVENTS,
  type Webhook,
} from '@frontrow/client';
import { busy, byId, h, notify } from '../lib/dom.ts';
import { explain } from '../lib/errors.ts';
import { count, time, won } from '../lib/format.ts';
import { saleLabel } from '../lib/sale.ts';
import { type DemoUser, keep, kept, savedUser, signIn } from '../lib/session.ts';
import { timeChart } from './charts.ts';

const organiser: DemoUser = savedUser('admin') ?? {
  userId: 'organiser',
  name: 'Organiser',
  tier: 'normal',
  role: 'admin',
};
const fr = signIn(organiser);
byId('who').textContent = organiser.name;

let concertId: number | undefined = kept<number>('admin.concert');
const fail = (err: unknown) => notify(explain(err), 'error');
const num = (id: string) => Number(byId<HTMLInputElement>(id).value);

const charts = {
  waiting: timeChart(byId('chart-waiting'), [
    { label: 'VIP', color: '#b8860b', fill: true },
    { label: 'Presale', color: '#1f7a8c', fill: true },
    { label: 'Standard', color: '#5b3df5', fill: true },
  ]),
  admits: timeChart(byId('chart-admits'), [{ label: 'admitted/s', color: '#138a52', fill: true }], {
    format: (v) => v.toFixed(1),
  }),
  active: timeChart(byId('chart-active'), [
    { label: 'ready', color: '#b25e00' },
    { label: 'booking', color: '#5b3df5', fill: true },
  ]),
  seats: timeChart(byId('chart-seats'), [
    { label: 'available', color: '#58b985' },
    { label: 'held', color: '#e0a100', fill: true },
    { label: 'sold', color: '#1c1b2e', fill: true },
  ]),
  revenue: timeChart(byId('chart-revenue'), [{ label: 'revenue', color: '#138a52', fill: true }], {
    format: (v) =>
      v >= 1_000_000
        ? `₩${(v / 1_000_000).toFixed(1)}M`
        : v >= 1_000
          ? `₩${Math.round(v / 1_000)}k`
          : `₩${v}`,
  }),
};

/* ------------------------------------------------------------------ concerts */

async function loadConcerts(select?: number) {
  const concerts = await fr.concerts.list();
  const pick =
    select ??
    concerts.find((c) => c.concertId === concertId)?.concertId ??
    [...concerts].reverse().find((c) => c.saleState !== 'CLOSED')?.concertId ??
    concerts.at(-1)?.concertId;
  const box = byId<HTMLSelectElement>('concert-select');
  box.replaceChildren(
    ...concerts.map((c: Concert) =>
      h('option', { value: c.concertId, selected: c.concertId === pick }, `#${c.concertId} ${c.title}`),
    ),
  );
  choose(pick);
}

function choose(id: number | undefined) {
  if (id !== concertId) for (const chart of Object.values(charts)) chart.clear();
  concertId = id;
  keep('admin.concert', id);
  void poll();
}
byId<HTMLSelectElement>('concert-select').onchange = (e) =>
  choose(Number((e.target as HTMLSelectElement).value) || undefined);

function newConcert(): CreateConcertRequest {
  const now = Date.now();
  const opens = new Date(now + num('create-opens') * 60_000);
  const rows = Math.max(1, Math.min(26, num('create-rows')));
  const sections = [
    { name: 'VIP', grade: 'VIP', price: 150_000, rows: 2, seatsPerRow: 16 },
    { name: 'R', grade: 'R', price: 110_000, rows, seatsPerRow: 20 },
    { name: 'S', grade: 'S', price: 80_000, rows, seatsPerRow: 20 },
  ];
  return {
    title: byId<HTMLInputElement>('create-title').value.trim(),
    venueName: byId<HTMLInputElement>('create-venue').value.trim(),
    schedules: Array.from({ length: Math.max(1, num('create-shows')) }, (_, i) => {
      const day = new Date(now + (7 + i) * 86_400_000);
      day.setUTCHours(10, 0, 0, 0);
      return {
        startsAt: day.toISOString(),
        bookingOpenAt: opens.toISOString(),
        bookingCloseAt: new Date(now + 6 * 86_400_000).toISOString(),
        sections,
      };
    }),
  };
}

byId<HTMLFormElement>('create-form').onsubmit = (e) => {
  e.preventDefault();
  void busy(
    byId<HTMLButtonElement>('create-go'),
    async () => {
      const created = await fr.admin.createConcert(newConcert());
      notify(`Created “${created.title}” (#${created.concertId}).`, 'success');
      byId<HTMLDetailsElement>('create-box').open = false;
      await loadConcerts(created.concertId);
    },
    fail,
  );
};

/* ------------------------------------------------------------------ sale controls */

function action(id: string, run: (concert: number) => Promise<string>) {
  const b = byId<HTMLButtonElement>(id);
  b.onclick = () =>
    void busy(
      b,
      async () => {
        if (concertId === undefined) return notify('Create or pick a concert first.', 'error');
        notify(await run(concertId), 'success');
        await poll();
      },
      fail,
    );
}
action('open-go', async (id) => {
  const v = await fr.admin.openSale(id, {
    groupSize: num('open-group'),
    intervalSeconds: num('open-interval'),
    maxActive: num('open-max'),
    reopenOnReturns: byId<HTMLInputElement>('open-reopen').checked,
  });
  return `Sale open: ${v.groupSize} fans every ${v.intervalSeconds} s, at most ${v.maxActive} at once.`;
});
action('pause-go', async (id) => {
  await fr.admin.pauseSale(id, byId<HTMLInputElement>('move-reason').value.trim() || undefined);
  return 'Sale paused: fans keep their places.';
});
action('resume-go', async (id) => {
  await fr.admin.resumeSale(id);
  return 'Sale resumed.';
});
action('close-go', async (id) => {
  if (!confirm('Close the sale for good? Waiting fans and booking sessions end.')) return 'Not closed.';
  await fr.admin.closeSale(id, byId<HTMLInputElement>('move-reason').value.trim() || undefined);
  return 'Sale closed.';
});
action('notice-go', async (id) => {
  const message = byId<HTMLTextAreaElement>('notice-text').value.trim();
  const level = byId<HTMLSelectElement>('notice-level').value === 'warning' ? 'warning' : 'info';
  await fr.admin.postNotice(id, message, level);
  return message ? 'Notice posted to every fan watching.' : 'Notice cleared.';
});
action('notice-clear', async (id) => {
  await fr.admin.postNotice(id, '');
  byId<HTMLTextAreaElement>('notice-text').value = '';
  return 'Notice cleared.';
});
action('codes-go', async (id) => {
  const batch = await fr.request<AccessCodeBatch>('POST', `/api/v1/admin/concerts/${id}/access-codes`, {
    body: {
      count: Math.max(1, num('codes-count')),
      usesPerCode: Math.max(1, num('codes-uses')),
      lane: byId<HTMLSelectElement>('codes-lane').value,
      expiresAt: new Date(Date.now() + 7 * 86_400_000).toISOString(),
    },
  });
  const out = byId('codes-out');
  out.textContent = batch.codes.join('\n');
  out.hidden = false;
  return `${batch.codes.length} ${batch.lane} codes created: copy them now, they are not shown again.`;
});
action('hook-go', async () => {
  const hook = await fr.request<Webhook>('POST', '/api/v1/admin/webhooks', {
    body: {
      url: byId<HTMLInputElement>('hook-url').value,
      secret: byId<HTMLInputElement>('hook-secret').value,
      events: [...WEBHOOK_EVENTS],
    },
  });
  return `Webhook ${hook.webhookId} added: ${hook.url}.`;
});
action('admit-go', async (id) => {
  const r = await fr.admin.admitNow(id, Math.max(1, num('admit-count')));
  return (
    `Admitted ${r.admitted} (VIP ${r.lanes.vip}, presale ${r.lanes.presale}, standard ${r.lanes.normal}); ` +
    `${r.active}/${r.maxActive} active.`
  );
});
action('sim-go', async (id) => {
  const sim = await fr.admin.simulate(id, {
    fans: Math.max(1, num('sim-fans')),
    vipShare: num('sim-vip') / 100,
    buyShare: num('sim-buy') / 100,
  });
  return `Simulating ${sim.fans} fans. Open the sale (or admit now) to let them in.`;
});

/* ------------------------------------------------------------------ live view */

function kpi(label: string, value: string, id: string) {
  return h('div', { class: 'kpi', id }, h('span', { class: 'v' }, value), h('span', { class: 'k' }, label));
}

function render(view: AdminQueueView, stats: SalesStats | undefined) {
  const state = byId('sale-state');
  state.textContent = saleLabel(view.saleState as SaleState);
  state.className = `badge state ${view.saleState.toLowerCase()}`;
  byId('sale-knobs').textContent =
    `${view.groupSize} every ${view.intervalSeconds} s · max ${view.maxActive} active`;
  byId('kpis').replaceChildren(
    kpi('waiting', count(view.waiting.total), 'kpi-waiting'),
    kpi(
      'VIP / presale / standard',
      `${count(view.waiting.vip)} / ${count(view.waiting.presale)} / ${count(view.waiting.normal)}`,
      'kpi-lanes',
    ),
    kpi('ready', count(view.ready), 'kpi-ready'),
    kpi('booking now', count(view.entered), 'kpi-entered'),
    kpi('admitted / s', view.admittedPerSecond.toFixed(1), 'kpi-rate'),
    kpi('seats held', stats ? count(stats.seats.held) : '–', 'kpi-held'),
    kpi('seats sold', stats ? `${count(stats.seats.sold)} / ${count(stats.seats.total)}` : '–', 'kpi-sold'),
    kpi('revenue', stats ? won(stats.revenue) : '–', 'kpi-revenue'),
  );
  const at = Date.now();
  charts.waiting.push(at, [view.waiting.vip, view.waiting.presale, view.waiting.normal]);
  charts.admits.push(at, [view.admittedPerSecond]);
  charts.active.push(at, [view.ready, view.entered]);
  // The count admission works with (sale hash), beside the dashboard's own totals.
  const inv = view.inventory;
  byId('inventory-line').textContent = inv
    ? `Admission counts ${count(inv.available)} available · ${count(inv.held)} held · ${count(inv.sold)} sold` +
      ` · admits while active < ${view.admitSeatRatio} × available${view.soldOut ? ' · SOLD OUT' : ''}` +
      (view.soldOut ? (view.reopenOnReturns ? ' (reopens on returns)' : ' (stays closed)') : '')
    : 'Seat count not taken yet.';
  if (stats) {
    charts.seats.push(at, [stats.seats.available, stats.seats.held, stats.seats.sold]);
    charts.revenue.push(at, [stats.revenue]);
  }
  byId('head-rows').replaceChildren(
    ...(view.head.length === 0
      ? [h('tr', {}, h('td', { colspan: 4, class: 'muted' }, 'Nobody waiting'))]
      : view.head.map((f) =>
          h(
            'tr',
            {},
            h('td', {}, f.position),
            h('td', {}, f.userId),
            h(
              'td',
              {},
              f.lane === 'normal'
                ? 'standard'
                : h('span', { class: `badge ${f.lane}` }, f.lane === 'vip' ? 'VIP' : 'presale'),
            ),
            h('td', {}, time(f.joinedAt)),
          ),
        )),
  );
}

let lastError = '';
let polling = false;
async function poll() {
  if (concertId === undefined || polling) return;
  polling = true;
  const id = concertId;
  try {
    const [view, stats] = await Promise.all([
      fr.admin.queueView(id, { head: 8 }),
      fr.admin.stats(id).catch(() => undefined),
    ]);
    if (id === concertId) render(view, stats);
    lastError = '';
  } catch (err) {
    const message = explain(err);
    if (message !== lastError) fail(err);
    lastError = message;
  } finally {
    polling = false;
  }
}

async function pollSimulations() {
  if (concertId === undefined) return;
  const [sim] = await fr.admin.simulations(concertId).catch(() => []);
  const line = byId('sim-progress');
  if (!sim) {
    line.textContent = '';
    return;
  }
  const errors = Object.entries(sim.errors)
    .map(([code, n]) => `${code} ×${n}`)
    .join(', ');
  line.textContent =
    `${sim.finishedAt ? 'Finished' : 'Running'}: joined ${sim.joined}/${sim.fans} · admitted ${sim.admitted} · ` +
    `held ${sim.held} · paid ${sim.paid} · walked away ${sim.gaveUp}${errors ? ` · ${errors}` : ''}`;
}

setInterval(() => void poll(), 1_000);
setInterval(() => void pollSimulations(), 2_000);
setInterval(() => {
  // The dashboard polls REST; the indicator shows whether the API answers.
  const live = byId('live');
  live.textContent = lastError ? 'offline' : 'live';
  live.className = `live ${lastError ? 'off' : 'on'}`;
}, 1_000);
void loadConcerts().catch(fail);
