import type { Seat, SeatStatus } from '@frontrow/client';
import { h } from '../lib/dom.ts';
import { won } from '../lib/format.ts';

/**
 * The seat map: sections (with their grade and price), rows, seats. Statuses change in place as `seats:changed`
 * packets arrive, so the fan sees seats go HELD and SOLD without a reload and without the map jumping.
 */
export function createSeatMap(container: HTMLElement, onToggle: (seat: Seat) => void) {
  const buttons = new Map<number, HTMLButtonElement>();
  const seats = new Map<number, Seat>();
  const heads = new Map<string, HTMLElement>();

  function recount(section: string) {
    const list = [...seats.values()].filter((s) => s.section === section);
    const first = list[0];
    const head = heads.get(section);
    if (!first || !head) return;
    const free = list.filter((s) => s.status === 'AVAILABLE').length;
    head.textContent = ` ${first.grade} · ${won(first.price)} · ${free} free`;
  }

  function paint(button: HTMLButtonElement, seat: Seat, selected: boolean) {
    button.className = `seat ${seat.status.toLowerCase()}${selected ? ' selected' : ''}`;
    button.dataset.status = seat.status;
    button.disabled = seat.status !== 'AVAILABLE' && !selected;
    button.setAttribute('aria-pressed', String(selected));
    button.title = `${seat.label} · ${seat.grade} · ${won(seat.price)} · ${seat.status.toLowerCase()}`;
  }

  return {
    /** Draws the whole map (a snapshot). */
    render(all: Seat[], selected: Set<number>) {
      buttons.clear();
      seats.clear();
      heads.clear();
      const sections = new Map<string, Seat[]>();
      for (const seat of all) {
        seats.set(seat.seatId, seat);
        const list = sections.get(seat.section) ?? [];
        list.push(seat);
        sections.set(seat.section, list);
      }
      const blocks = [...sections].map(([name, list]) => {
        const rows = new Map<string, Seat[]>();
        for (const seat of list) rows.set(seat.row, [...(rows.get(seat.row) ?? []), seat]);
        const head = h('span', { class: 'muted' });
        heads.set(name, head);
        return h(
          'div',
          { class: 'section', 'data-section': name },
          h('div', { class: 'section-head' }, h('strong', {}, `Section ${name}`), head),
          ...[...rows].map(([row, rowSeats]) =>
            h(
              'div',
              { class: 'seat-row' },
              h('span', { class: 'row-label' }, row),
              ...rowSeats
                .sort((a, b) => a.number - b.number)
                .map((seat) => {
                  const button = h('button', {
                    type: 'button',
                    'data-seat-id': seat.seatId,
                    'aria-label': seat.label,
                    onclick: () => onToggle(seats.get(seat.seatId) ?? seat),
                  });
                  paint(button, seat, selected.has(seat.seatId));
                  buttons.set(seat.seatId, button);
                  return button;
                }),
            ),
          ),
        );
      });
      container.replaceChildren(...blocks);
      for (const name of sections.keys()) recount(name);
    },

    /** Applies status changes in place. */
    update(changes: Array<{ seatId: number; status: SeatStatus }>, selected: Set<number>) {
      const touched = new Set<string>();
      for (const change of changes) {
        const seat = seats.get(change.seatId);
        const button = buttons.get(change.seatId);
        if (!seat || !button) continue;
        const next = { ...seat, status: change.status };
        seats.set(change.seatId, next);
        paint(button, next, selected.has(change.seatId));
        touched.add(seat.section);
      }
      for (const section of touched) recount(section);
    },

    /** Repaints one seat's selection. */
    select(seatId: number, selected: boolean) {
      const seat = seats.get(seatId);
      const button = buttons.get(seatId);
      if (seat && button) paint(button, seat, selected);
    },

    seat: (seatId: number) => seats.get(seatId),
  };
}
