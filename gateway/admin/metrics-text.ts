// /metrics: the stats model in Prometheus text exposition format (HAProxy-exporter-like names).
import type { GatewayStats } from './stats-model.js';

function esc(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function labels(pairs: Record<string, string>): string {
  return `{${Object.entries(pairs).map(([k, v]) => `${k}="${esc(v)}"`).join(',')}}`;
}

export function metricsText(stats: GatewayStats): string {
  const families = new Map<string, { help: string; type: string; lines: string[] }>();
  const put = (name: string, type: 'counter' | 'gauge', help: string, l: Record<string, string>, value: number) => {
    let f = families.get(name);
    if (!f) families.set(name, (f = { help, type, lines: [] }));
    f.lines.push(`${name}${labels(l)} ${Number.isFinite(value) ? value : 0}`);
  };
  for (const w of stats.workers ?? []) {
    const l = { worker: String(w.slot) };
    put('tiered_gateway_worker_up', 'gauge', '1 while the worker process runs', l, w.up ? 1 : 0);
    put('tiered_gateway_worker_restarts_total', 'counter', 'Times the worker died and was started again', l, w.restarts);
  }
  for (const f of stats.frontends) {
    const l = { frontend: f.name };
    put('tiered_frontend_requests_total', 'counter', 'Requests received by the frontend', l, f.requests);
    put('tiered_frontend_current_connections', 'gauge', 'Open client connections', l, f.connections);
    for (const [klass, n] of Object.entries(f.responses)) put('tiered_frontend_http_responses_total', 'counter', 'Responses by status class', { ...l, code: klass }, n);
    put('tiered_frontend_bytes_in_total', 'counter', 'Bytes received from clients', l, f.bytesIn);
    put('tiered_frontend_bytes_out_total', 'counter', 'Bytes sent to clients', l, f.bytesOut);
    put('tiered_frontend_refused_total', 'counter', 'Requests or sessions refused: no server, queue full, queue timeout', l, f.noServer + f.queueFull + f.queueTimeouts);
    const e = f.edge;
    if (e) {
      for (const outcome of ['hits', 'misses', 'stale', 'revalidated', 'bypass'] as const) put('tiered_edge_lookups_total', 'counter', 'Edge lookups by outcome', { ...l, outcome }, e[outcome]);
      put('tiered_edge_hit_for_miss_total', 'counter', 'Bypasses of keys remembered as uncacheable', l, e.hitForMiss);
      put('tiered_edge_origin_fetches_total', 'counter', 'Requests the edge sent to the origin', l, e.originFetches);
      put('tiered_edge_coalesced_total', 'counter', 'Requests that waited on another request\'s origin fetch', l, e.coalesced);
      put('tiered_edge_bytes_total', 'counter', 'Body bytes sent from the store vs streamed from the origin', { ...l, source: 'cache' }, e.bytesFromCache);
      put('tiered_edge_bytes_total', 'counter', 'Body bytes sent from the store vs streamed from the origin', { ...l, source: 'origin' }, e.bytesFromOrigin);
      put('tiered_edge_purges_total', 'counter', 'Purges applied', l, e.purges);
      put('tiered_edge_purged_objects_total', 'counter', 'Objects removed or marked stale by purges', l, e.purgedObjects);
      put('tiered_edge_purge_seconds_total', 'counter', 'Time spent applying purges', l, e.purgeMsTotal / 1000);
      put('tiered_edge_objects', 'gauge', 'Objects in the edge store', l, e.objects);
      put('tiered_edge_bytes', 'gauge', 'Bytes in the edge memory store', l, e.bytes);
    }
  }
  for (const b of stats.backends) {
    const l = { backend: b.name };
    put('tiered_backend_up_servers', 'gauge', 'Servers up in the backend', l, b.up);
    put('tiered_backend_servers', 'gauge', 'Servers configured in the backend', l, b.total);
    put('tiered_backend_queue_current', 'gauge', 'Requests waiting for a server slot', l, b.queued);
    put('tiered_backend_requests_total', 'counter', 'Requests sent to the backend', l, b.requests);
    put('tiered_backend_retries_total', 'counter', 'Retries', l, b.retries);
    put('tiered_backend_queue_timeouts_total', 'counter', 'Requests that waited past queueTimeout', l, b.queueTimeouts);
    put('tiered_backend_queue_full_total', 'counter', 'Requests refused with the queue full', l, b.queueFull);
    put('tiered_backend_no_server_total', 'counter', 'Requests refused with no usable server', l, b.noServer);
    if (b.conflictingPrimaries) put('tiered_backend_conflicting_primaries', 'gauge', 'Servers claiming primary at once (the port refuses)', l, b.conflictingPrimaries.length);
    for (const [klass, n] of Object.entries(b.responses)) put('tiered_backend_http_responses_total', 'counter', 'Responses by status class', { ...l, code: klass }, n);
    put('tiered_backend_response_time_p99_seconds', 'gauge', 'p99 response time over the last minute', l, b.p99 / 1000);
    for (const s of b.servers) {
      const sl = { backend: b.name, server: s.name };
      put('tiered_server_up', 'gauge', '1 when the server takes traffic', sl, s.state.startsWith('UP') || s.state === 'DRAIN' ? 1 : 0);
      put('tiered_server_weight', 'gauge', 'Effective weight', sl, s.effectiveWeight);
      put('tiered_server_current_requests', 'gauge', 'Requests in flight', sl, s.inFlight);
      put('tiered_server_requests_total', 'counter', 'Requests sent to the server', sl, s.requests);
      put('tiered_server_connection_errors_total', 'counter', 'Connect errors', sl, s.errors.connect);
      put('tiered_server_response_errors_total', 'counter', 'Resets and timeouts', sl, s.errors.response + s.errors.timeout);
      put('tiered_server_retries_total', 'counter', 'Retries away from the server', sl, s.retries);
      for (const [klass, n] of Object.entries(s.responses)) put('tiered_server_http_responses_total', 'counter', 'Responses by status class', { ...sl, code: klass }, n);
      put('tiered_server_response_time_p50_seconds', 'gauge', 'p50 response time over the last minute', sl, s.p50 / 1000);
      put('tiered_server_response_time_p99_seconds', 'gauge', 'p99 response time over the last minute', sl, s.p99 / 1000);
      put('tiered_server_bytes_in_total', 'counter', 'Bytes received from clients', sl, s.bytesIn);
      put('tiered_server_bytes_out_total', 'counter', 'Bytes sent to clients', sl, s.bytesOut);
      if (s.sessions !== undefined) put('tiered_server_current_sessions', 'gauge', 'TCP sessions open', sl, s.sessions);
      if (s.lagBytes !== undefined) put('tiered_server_replication_lag_bytes', 'gauge', 'PostgreSQL replica replay lag behind the primary', sl, s.lagBytes);
      if (s.lagSeconds !== undefined) put('tiered_server_replication_lag_seconds', 'gauge', 'PostgreSQL replica replay delay', sl, s.lagSeconds);
    }
  }
  let out = '';
  for (const [name, f] of families) out += `# HELP ${name} ${f.help}\n# TYPE ${name} ${f.type}\n${f.lines.join('\n')}\n`;
  return out;
}
