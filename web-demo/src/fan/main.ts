import '../style.css';
import {
  type Concert,
  type Frontrow,
  isFrontrowError,
  type Payment,
  type QueuePosition,
  type QueueStatus,
  type Reservation,
  type SaleState,
  type Schedule,
  type Seat,
} from '@frontrow/client';
import { busy, byId, clearNotice, h, notify, showStep } from '../lib/dom.ts';
import { explain } from '../lib/errors.ts';
import { count, countdown, dateTime, duration, secondsUntil, won } from '../lib/format.ts';
import { saleLabel } from '../lib/sale.ts';
import {
  anonymous,
  type DemoUser,
  forgetUser,
  keep,
  kept,
  newUserId,
  savedUser,
  signIn,
} from '../lib/session.ts';
import { createSeatMap } from './seat-map.ts';

/** Where the fan is in a concert's purchase; kept in sessionStorage so a reload resumes it. */
interface Journey {
  concertId: number;
  concertTitle: string;
  accessToken?: string;
  sessionExpiresAt?: string;
  hold?: Reservation;
  payment?: Payment;
}

let user: DemoUser | undefined = savedUser('user');
let fr: Frontrow = user ? signIn(user) : anonymous();
let journey: Journey | undefined = kept<Journey>('journey');
let cleanups: Array<() => void> = [];

const save = (j: Journey | undefined) => {
  journey = j;
  keep('journey', j);
};
const fail = (err: unknown) => notify(explain(err), 'error');
/** Stops the current step's watches and timers. */
function leaveStep() {
  for (const stop of cleanups) stop();
  cleanups = [];
}
function every(ms: number, fn: () => void) {
  fn();
  const timer = setInterval(fn, ms);
  cleanups.push(() => clearInterval(timer));
}
const button = (id: string) => byId<HTMLButtonElement>(id);
function onClick(id: string, action: (b: HTMLButtonElement) => Promise<unknown>) {
  const b = button(id);
  b.onclick = () => void busy(b, () => action(b), fail);
}

/* ------------------------------------------------------------------ sign in */

function renderWho() {
  const who = byId('who');
  if (!user) return who.replaceChildren();
  who.replaceChildren(
    h('span', {}, user.name),
    ...(user.tier === 'vip' ? [h('span', { class: 'badge vip' }, 'VIP')] : []),
    h(
      'button',
      {
        class: 'link',
        onclick: () => {
          leaveStep();
          fr.close();
          forgetUser('user');
          save(undefined);
          location.reload();
        },
      },
      'Sign out',
    ),
  );
}

function showSignIn() {
  leaveStep();
  showStep('step-signin');
  const name = byId<HTMLInputElement>('signin-name');
  name.value ||= `Fan ${Math.floor(100 + Math.random() * 900)}`;
  byId<HTMLFormElement>('signin-form').onsubmit = (e) => {
    e.preventDefault();
    const clean = name.value.trim().slice(0, 60) || 'Fan';
    user = {
      userId: newUserId(clean),
      name: clean,
      tier: byId<HTMLInputElement>('signin-vip').checked ? 'vip' : 'normal',
      role: 'user',
    };
    fr.close();
    fr = signIn(user);
    renderWho();
    void showConcerts();
  };
}

/* ------------------------------------------------------------------ concerts */

async function showConcerts() {
  leaveStep();
  showStep('step-concerts');
  const list = byId('concert-list');
  const concerts = await fr.concerts.list().catch((err) => {
    fail(err);
    return [] as Concert[];
  });
  if (concerts.length === 0) {
    list.replaceChildren(
      h('p', { class: 'muted' }, 'No concerts yet. The organiser can create one in the dashboard.'),
    );
    return;
  }
  list.replaceChildren(
    ...concerts.map((c) => {
      const join = h('button', { class: 'primary', 'data-concert-id': c.concertId }, 'Join the queue');
      join.disabled = c.saleState === 'CLOSED';
      join.onclick = () => void busy(join, () => joinQueue(c), fail);
      return h(
        'article',
        { class: 'card concert' },
        h('span', { class: `badge state ${c.saleState.toLowerCase()}` }, saleLabel(c.saleState)),
        h('h2', {}, c.title),
        h(
          'p',
          { class: 'muted' },
          `${c.venueName} · ${c.scheduleCount} show${c.scheduleCount === 1 ? '' : 's'}`,
        ),
        h('p', { class: 'small' }, saleHint(c)),
        join,
      );
    }),
  );
}

function saleHint(c: Concert): string {
  switch (c.saleState) {
    case 'SCHEDULED':
    case 'QUEUE_OPEN':
      return `Sale opens ${dateTime(c.saleOpensAt)}. Join the waiting room early: places of early fans are drawn fairly when it opens.`;
    case 'ON_SALE':
      return 'On sale now: join the queue and you will be let in as seats allow.';
    case 'PAUSED':
      return 'The sale is paused. Queue now and keep your place.';
    case 'CLOSED':
      return 'The sale is over.';
  }
}

async function joinQueue(c: Concert) {
  if (!user) return showSignIn();
  clearNotice();
  // Where the concert asks for proof-of-work, the SDK solves it in a Web Worker; the fan sees it progress.
  const accessCode = byId<HTMLInputElement>('access-code').value.trim();
  const status = await fr.queue.join(c.concertId, {
    ...(accessCode ? { accessCode } : {}),
    onProgress: ({ tried, expected }) =>
      notify(`Checking you are not a bot… ${Math.min(99, Math.floor((100 * tried) / expected))}%`),
  });
  clearNotice();
  save({ concertId: c.concertId, concertTitle: c.title });
  showQueue(status);
}

/* ------------------------------------------------------------------ queue */

/** "Notify me near the front": how many places before the front the browser notification comes. */
const NEAR_WITHIN = 20;

function showQueue(initial?: QueueStatus) {
  const j = journey;
  if (!j) return void showConcerts();
  leaveStep();
  showStep('step-queue');
  byId('queue-concert').textContent = j.concertTitle;
  byId('queue-title').textContent = 'You are in the queue';
  let startPosition = 0;
  let saleState: SaleState | undefined;
  let entering = false;

  const renderSeats = (seatsLeft: number | undefined, seatsHeld: number | undefined) => {
    if (seatsLeft === undefined) return;
    byId('queue-seats').textContent = seatsLeft >= 100 ? `~${count(seatsLeft)}` : count(seatsLeft);
    byId('queue-held').textContent = seatsHeld ? `seats left (${count(seatsHeld)} on hold)` : 'seats left';
  };
  const waitText = (p: Pick<QueuePosition, 'estimatedWaitSeconds' | 'estimatedWait'>) => {
    const range = p.estimatedWait;
    if (range) {
      if (range.highSeconds < 5) return 'any moment';
      const low = duration(Math.max(range.lowSeconds, 1));
      const high = duration(range.highSeconds);
      return low === high ? `~${high}` : `${low}–${high}`;
    }
    if (p.estimatedWaitSeconds !== null)
      return p.estimatedWaitSeconds < 5 ? 'any moment' : `~${duration(p.estimatedWaitSeconds)}`;
    return saleState === 'ON_SALE' ? 'measuring…' : 'when the sale opens';
  };
  /** Organiser text is shown as text (textContent), never as markup. */
  const renderNotice = (id: string, text: string | null | undefined, level?: string) => {
    const box = byId(id);
    box.hidden = !text;
    box.textContent = text ?? '';
    if (level) box.className = `sale-notice ${level}`;
  };
  const soldOutScreen = (reopenOnReturns: boolean) => {
    byId('queue-title').textContent = 'Sold out';
    byId('queue-soldout').hidden = false;
    byId('queue-soldout-text').textContent = reopenOnReturns
      ? 'Every seat has been sold, so the waiting room has closed. If seats come back, it reopens and this page says so.'
      : 'Every seat of this concert has been sold, so the waiting room has closed.';
    for (const id of ['queue-position', 'queue-ahead', 'queue-eta']) byId(id).textContent = '–';
    renderSeats(0, 0);
    button('queue-notify').hidden = true;
    button('queue-leave').textContent = 'Back to concerts';
  };
  const renderPosition = (
    p: Pick<
      QueuePosition,
      | 'position'
      | 'aheadCount'
      | 'estimatedWaitSeconds'
      | 'estimatedWait'
      | 'totalWaiting'
      | 'seatsLeft'
      | 'seatsHeld'
    >,
  ) => {
    startPosition = Math.max(startPosition, p.position);
    byId('queue-position').textContent = `#${p.position}`;
    byId('queue-ahead').textContent = String(p.aheadCount);
    byId('queue-eta').textContent = waitText(p);
    renderSeats(p.seatsLeft, p.seatsHeld);
    const done = startPosition > 0 ? ((startPosition - p.position + 1) / startPosition) * 100 : 0;
    byId('queue-bar').style.width = `${Math.min(100, Math.max(3, done))}%`;
    byId('queue-bar').parentElement?.setAttribute('aria-valuenow', String(Math.round(done)));
    byId('queue-hint').textContent =
      `${p.totalWaiting} fan${p.totalWaiting === 1 ? '' : 's'} waiting. Keep this page open: it moves by itself, and a reload keeps your place.`;
  };
  const renderSale = (s: SaleState) => {
    saleState = s;
    const badge = byId('queue-sale');
    badge.textContent = saleLabel(s);
    badge.className = `badge state ${s.toLowerCase()}`;
  };
  const enter = async () => {
    if (entering) return;
    entering = true;
    byId('queue-title').textContent = 'It’s your turn! Opening the seat map…';
    byId('queue-bar').style.width = '100%';
    try {
      const grant = await fr.queue.claimAccess(j.concertId);
      save({ ...j, accessToken: grant.accessToken, sessionExpiresAt: grant.expiresAt });
      notify('You’re in! Pick your seats before your session ends.', 'success');
      void showSeats();
    } catch (err) {
      entering = false;
      if (!isFrontrowError(err, 'NOT_ADMITTED')) fail(err);
    }
  };
  const onStatus = (s: QueueStatus) => {
    const lane = byId('queue-lane');
    lane.textContent =
      s.lane === 'vip' ? 'VIP lane' : s.lane === 'presale' ? 'Presale lane' : 'Standard lane';
    lane.className = `badge ${s.lane === 'vip' || s.lane === 'presale' ? s.lane : ''}`;
    switch (s.status) {
      case 'READY':
      case 'ENTERED':
        return void enter();
      case 'EXPIRED':
        byId('queue-title').textContent = 'Your turn came and went';
        notify('You were admitted but did not enter in time. Join again to get a new place.', 'error');
        button('queue-leave').textContent = 'Back to concerts';
        return;
      case 'NOT_IN_QUEUE':
        save(undefined);
        return void showConcerts();
      case 'BOOKING_CLOSED':
        notify('The sale for this concert has closed.', 'error');
        renderSale('CLOSED');
        return;
      case 'SOLD_OUT':
        return soldOutScreen(false);
      default:
        if (s.position !== null)
          renderPosition({
            position: s.position,
            aheadCount: s.aheadCount ?? s.position - 1,
            estimatedWaitSeconds: s.estimatedWaitSeconds,
            estimatedWait: s.estimatedWait ?? null,
            totalWaiting: s.totalWaiting,
            seatsLeft: s.seatsLeft,
            seatsHeld: s.seatsHeld,
          });
    }
  };
  byId('queue-soldout').hidden = true;
  button('queue-notify').hidden = typeof Notification === 'undefined';
  button('queue-notify').disabled = false;
  button('queue-notify').textContent = 'Notify me near the front';
  renderNotice('queue-notice', null);
  renderNotice('queue-reason', null);
  let notifyWithin: number | undefined;
  const watchOnce = () =>
    fr.queue.watch(
      j.concertId,
      {
        onStatus,
        onPosition: renderPosition,
        onAdmitted: () => void enter(),
        onSaleState: renderSale,
        onSoldOut: (e) => soldOutScreen(e.reopenOnReturns),
        onReopened: () =>
          notify(
            'Seats came back and the waiting room has reopened: join again from the concert list.',
            'success',
          ),
        onNotice: (n) => renderNotice('queue-notice', n?.message, n?.level),
        onStateReason: (reason) => renderNotice('queue-reason', reason, 'warning'),
        onNear: ({ position }) => {
          if (typeof Notification !== 'undefined' && Notification.permission === 'granted')
            new Notification('Almost your turn', {
              body: `You are #${position} in the queue for ${j.concertTitle}.`,
            });
          notify(`Almost your turn: you are #${position}.`, 'success');
        },
        onError: fail,
      },
      notifyWithin === undefined ? {} : { notifyWithin },
    );
  if (initial) onStatus(initial);
  let stopWatch = watchOnce();
  cleanups.push(() => stopWatch());
  // The browser asks for permission only on a click; the watch restarts with the threshold.
  onClick('queue-notify', async (b) => {
    const permission = await Notification.requestPermission();
    if (permission !== 'granted') return void notify('Notifications are blocked in this browser.', 'error');
    notifyWithin = NEAR_WITHIN;
    stopWatch();
    stopWatch = watchOnce();
    b.textContent = `We will notify you within ${NEAR_WITHIN} places`;
    b.disabled = true;
  });
  button('queue-leave').textContent = 'Leave the queue';
  onClick('queue-leave', async () => {
    await fr.queue.leave(j.concertId).catch((err) => {
      if (!isFrontrowError(err, 'NOT_FOUND')) throw err;
    });
    save(undefined);
    notify('You left the queue.');
    await showConcerts();
  });
}

/* ------------------------------------------------------------------ seats */

async function showSeats() {
  const j = journey;
  if (!j?.accessToken) return void showConcerts();
  leaveStep();
  showStep('step-seats');
  fr.setAccessToken(j.accessToken);
  byId('seats-concert').textContent = j.concertTitle;
  const selected = new Set<number>();
  let schedule: Schedule | undefined;
  let stopSeats: (() => void) | undefined;
  cleanups.push(() => stopSeats?.());

  every(1_000, () => {
    if (!j.sessionExpiresAt) return;
    byId('session-left').textContent = countdown(j.sessionExpiresAt);
    if (secondsUntil(j.sessionExpiresAt) <= 0) {
      notify('Your booking session has ended. Join the queue again to get a new one.', 'error');
      save(undefined);
      void showConcerts();
    }
  });

  const map = createSeatMap(byId('seat-map'), (seat: Seat) => {
    if (selected.has(seat.seatId)) selected.delete(seat.seatId);
    else if (seat.status === 'AVAILABLE') selected.add(seat.seatId);
    map.select(seat.seatId, selected.has(seat.seatId));
    summarize();
  });
  const summarize = () => {
    const picks = [...selected].map((id) => map.seat(id)).filter((s): s is Seat => s !== undefined);
    const total = picks.reduce((sum, s) => sum + s.price, 0);
    byId('pick-summary').textContent =
      picks.length === 0
        ? 'Click seats to pick them.'
        : `${picks.map((s) => s.label).join(', ')} · ${won(total)}`;
    button('hold-go').disabled = picks.length === 0;
  };

  const watch = (s: Schedule) => {
    schedule = s;
    stopSeats?.();
    selected.clear();
    summarize();
    for (const tab of document.querySelectorAll<HTMLButtonElement>('#schedule-tabs button'))
      tab.classList.toggle('active', tab.dataset.scheduleId === String(s.scheduleId));
    byId('seat-map').replaceChildren(h('p', { class: 'muted' }, 'Loading seats…'));
    stopSeats = fr.seats.watch(s.scheduleId, j.accessToken, {
      onSnapshot: (snap) => map.render(snap.seats, selected),
      onChange: (changes) => {
        const lost = changes.filter((c) => c.status !== 'AVAILABLE' && selected.has(c.seatId));
        for (const c of lost) selected.delete(c.seatId);
        map.update(changes, selected);
        if (lost.length > 0) {
          const labels = lost.map((c) => map.seat(c.seatId)?.label ?? c.seatId).join(', ');
          notify(`${labels} was just taken by someone else. Pick another seat.`, 'error');
          summarize();
        }
      },
      onError: (err) => {
        fail(err);
        if (isFrontrowError(err, 'TOKEN_EXPIRED') || isFrontrowError(err, 'INVALID_TOKEN')) {
          save(undefined);
          void showConcerts();
        }
      },
    });
  };

  const schedules = await fr.concerts.schedules(j.concertId);
  byId('schedule-tabs').replaceChildren(
    ...schedules.map((s) =>
      h(
        'button',
        { class: 'tab', 'data-schedule-id': s.scheduleId, onclick: () => watch(s) },
        `${dateTime(`${s.performanceDate}T${s.performanceTime}:00Z`)} · ${s.availableSeats} left`,
      ),
    ),
  );
  const first = schedules.find((s) => s.availableSeats > 0) ?? schedules[0];
  if (first) watch(first);

  onClick('hold-go', async () => {
    if (!schedule) return;
    try {
      const hold = await fr.reservations.hold({ scheduleId: schedule.scheduleId, seatIds: [...selected] });
      save({ ...j, hold });
      clearNotice();
      showCheckout();
    } catch (err) {
      if (isFrontrowError(err, 'SEAT_UNAVAILABLE') && Array.isArray(err.details?.seatIds)) {
        for (const id of err.details.seatIds as number[]) {
          selected.delete(id);
          map.select(id, false);
        }
        summarize();
      }
      throw err;
    }
  });
}

/* ------------------------------------------------------------------ checkout */

function showCheckout() {
  const j = journey;
  const hold = j?.hold;
  if (!j || !hold) return void showSeats();
  leaveStep();
  showStep('step-checkout');
  byId('checkout-seats').replaceChildren(
    ...hold.seats.map((s) => h('li', {}, h('span', {}, s.label), h('span', {}, won(s.price)))),
  );
  byId('checkout-total').textContent = won(hold.totalAmount);
  let expiresAt = hold.expiresAt;
  button('extend-go').disabled = hold.extended;

  every(1_000, () => {
    byId('hold-left').textContent = countdown(expiresAt);
    if (secondsUntil(expiresAt) <= 0) {
      notify('Your hold expired and the seats went back on sale. Pick seats again.', 'error');
      save({ ...j, hold: undefined });
      void showSeats();
    }
  });

  let balance = 0;
  const refresh = async () => {
    balance = (await fr.points.balance()).balance;
    byId('points-balance').textContent = won(balance);
    const short = hold.totalAmount - balance;
    button('charge-go').textContent = short > 0 ? `Charge ${won(short)}` : `Charge ${won(50_000)} more`;
    button('pay-go').classList.toggle('attention', short <= 0);
  };
  void refresh().catch(fail);

  onClick('charge-go', async () => {
    const amount = Math.max(hold.totalAmount - balance, 0) || 50_000;
    const charged = await fr.points.charge(amount);
    notify(`Charged ${won(charged.chargedAmount)}. Balance ${won(charged.balance)}.`, 'success');
    await refresh();
  });
  onClick('pay-go', async () => {
    try {
      const payment = await fr.payments.pay(hold.reservationId);
      save({ ...j, payment });
      notify('Payment complete. Enjoy the show!', 'success');
      showTicket();
    } catch (err) {
      if (isFrontrowError(err, 'RESERVATION_EXPIRED')) {
        save({ ...j, hold: undefined });
        fail(err);
        return void showSeats();
      }
      throw err;
    }
  });
  onClick('extend-go', async (b) => {
    const longer = await fr.reservations.extend(hold.reservationId);
    expiresAt = longer.expiresAt;
    save({ ...j, hold: longer });
    b.disabled = true;
    notify(`Extended: your seats are held until ${new Date(expiresAt).toLocaleTimeString()}.`, 'success');
  });
  onClick('release-go', async () => {
    await fr.reservations.cancel(hold.reservationId);
    save({ ...j, hold: undefined });
    notify('Seats released.');
    await showSeats();
  });
}

/* ------------------------------------------------------------------ ticket */

function showTicket() {
  const j = journey;
  const payment = j?.payment;
  if (!j || !payment) return void showConcerts();
  leaveStep();
  showStep('step-ticket');
  byId('ticket-title').textContent = 'You’re going!';
  byId('ticket-number').textContent = payment.reservation.reservationNumber;
  byId('ticket-concert').textContent = j.concertTitle;
  byId('ticket-seats').replaceChildren(
    ...payment.reservation.seats.map((s) => h('li', {}, h('span', {}, s.label), h('span', {}, won(s.price)))),
  );
  byId('ticket-amount').textContent = won(payment.amount);
  byId('ticket-when').textContent = `on ${dateTime(payment.paidAt)}`;
  const status = byId('ticket-status');
  status.textContent = 'PAID';
  status.className = 'badge ok';
  button('refund-go').hidden = false;
  onClick('refund-go', async (b) => {
    if (!confirm('Cancel this ticket? Your points come back and the seats go back on sale.')) return;
    const refunded = await fr.reservations.cancel(payment.reservationId);
    status.textContent = refunded.status;
    status.className = 'badge warn';
    byId('ticket-title').textContent = 'Ticket cancelled';
    b.hidden = true;
    const { balance } = await fr.points.balance();
    notify(`Refunded ${won(refunded.totalAmount)} to your points (balance ${won(balance)}).`, 'success');
  });
  onClick('again-go', async () => {
    save(undefined);
    await showConcerts();
  });
}

/* ------------------------------------------------------------------ start */

/** Picks up where a reload left off: the ticket, the hold, the booking session, or the place in the queue. */
async function resume() {
  const j = journey;
  if (!j) return showConcerts();
  if (j.payment) return showTicket();
  if (j.hold) {
    const hold = await fr.reservations.get(j.hold.reservationId).catch(() => undefined);
    if (hold?.status === 'HELD') {
      save({ ...j, hold });
      return showCheckout();
    }
    save({ ...j, hold: undefined });
  }
  const status = await fr.queue.status(j.concertId);
  if (status.status === 'WAITING' || status.status === 'READY' || status.status === 'ENTERED')
    return showQueue(status);
  save(undefined);
  return showConcerts();
}

setInterval(() => {
  const live = byId('live');
  live.textContent = fr.connected ? 'live' : 'offline';
  live.className = `live ${fr.connected ? 'on' : 'off'}`;
}, 1_000);

renderWho();
if (user) void resume().catch(fail);
else showSignIn();
