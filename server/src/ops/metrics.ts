import type { Context } from 'hono';
import { matchedRoutes } from 'hono/route';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { DomainEvent, EventSink } from '../events/index.ts';
import type { AppEnv } from '../http/context.ts';

/**
 * Prometheus metrics of one process. Every process (api or worker) has its own registry; Prometheus scrapes
 * each replica and sums. Labels are bounded: routes are the matched patterns, never raw paths.
 */
export function createMetrics(opts: { defaultMetrics?: boolean } = {}) {
  const registry = new Registry();
  registry.setDefaultLabels({ service: 'frontrow' });
  // Process CPU, memory, GC and event-loop lag (nodejs_eventloop_lag_*).
  if (opts.defaultMetrics !== false)
    collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 20 });

  const httpRequests = new Counter({
    name: 'frontrow_http_requests_total',
    help: 'HTTP requests by route pattern, method and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const httpDuration = new Histogram({
    name: 'frontrow_http_request_duration_seconds',
    help: 'HTTP request duration by route pattern and method',
    labelNames: ['method', 'route'] as const,
    buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const socketsConnected = new Gauge({
    name: 'frontrow_sockets_connected',
    help: 'Socket.IO connections open on this process',
    registers: [registry],
  });
  const events = new Counter({
    name: 'frontrow_events_total',
    help: 'Domain events published by this process, by type',
    labelNames: ['type'] as const,
    registers: [registry],
  });
  const admissions = new Counter({
    name: 'frontrow_admissions_total',
    help: 'Fans admitted from the waiting room, by lane',
    labelNames: ['lane'] as const,
    registers: [registry],
  });
  const queueExpiries = new Counter({
    name: 'frontrow_queue_expiries_total',
    help: 'Fans whose ready window or session ended without a purchase, by reason',
    labelNames: ['reason'] as const,
    registers: [registry],
  });
  const seatChanges = new Counter({
    name: 'frontrow_seat_changes_total',
    help: 'Seat status changes by the status they changed to (HELD = holds, SOLD = sales, AVAILABLE = releases)',
    labelNames: ['status'] as const,
    registers: [registry],
  });

  /** Counts every domain event; compose.ts subscribes it to the event bus. */
  const sink: EventSink = {
    publish(event: DomainEvent) {
      events.inc({ type: event.type });
      if (event.type === 'queue.admitted') admissions.inc({ lane: event.lane });
      if (event.type === 'queue.expired') queueExpiries.inc({ reason: event.reason });
      if (event.type === 'seats.changed')
        for (const seat of event.seats) seatChanges.inc({ status: seat.status });
    },
  };

  // The labelled series of each (method, route) and (method, route, status), looked up once: labelling anew on
  // every request (label objects, their validation, a timer) cost several times what an observe does.
  type RouteSeries = {
    duration: ReturnType<typeof httpDuration.labels>;
    byStatus: Map<number, ReturnType<typeof httpRequests.labels>>;
  };
  const series = new Map<string, RouteSeries>();
  const routeSeries = (method: string, route: string): RouteSeries => {
    const key = `${method} ${route}`;
    let found = series.get(key);
    if (!found) {
      found = { duration: httpDuration.labels(method, route), byStatus: new Map() };
      series.set(key, found);
    }
    return found;
  };

  /** Counts one answered request; the request layer (http/app.ts) calls it with the request's duration. */
  const observeRequest = (c: Context<AppEnv>, seconds: number) => {
    // The matched pattern ("/api/v1/concerts/:concertId"), so ids never become label values. Middleware is
    // registered for ALL methods (rate limits, static files); the route that answered has a real method. Methods
    // are the ones Hono routes, so the series stay bounded.
    const handler = matchedRoutes(c).findLast((r) => r.method !== 'ALL');
    const method = c.req.method;
    const route = routeSeries(method, handler?.path ?? 'unmatched');
    route.duration.observe(seconds);
    const status = c.res.status;
    let requests = route.byStatus.get(status);
    if (!requests) {
      requests = httpRequests.labels(method, handler?.path ?? 'unmatched', String(status));
      route.byStatus.set(status, requests);
    }
    requests.inc();
  };

  return {
    registry,
    sink,
    observeRequest,
    socketsConnected,
    counters: { httpRequests, admissions, seatChanges },
  };
}
export type Metrics = ReturnType<typeof createMetrics>;
