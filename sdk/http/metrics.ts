// OpenTelemetry instruments of the smart client (API only; the application starts the SDK).
import { metrics } from '@opentelemetry/api';

export function createClientMetrics(client: string) {
  const meter = metrics.getMeter('tiered.sdk');
  const base = { 'tiered.client': client };
  const duration = meter.createHistogram('tiered.sdk.http.duration', { unit: 'ms', description: 'Attempt latency per host, to response headers' });
  const requests = meter.createCounter('tiered.sdk.http.requests', { description: 'Logical requests' });
  const retries = meter.createCounter('tiered.sdk.http.retries', { description: 'Retries sent' });
  const hedges = meter.createCounter('tiered.sdk.http.hedges', { description: 'Hedged attempts sent' });
  const hedgeWins = meter.createCounter('tiered.sdk.http.hedge_wins', { description: 'Hedged attempts that answered first' });
  const budgetExhausted = meter.createCounter('tiered.sdk.http.retry_budget_exhausted', { description: 'Retries refused by the retry budget' });
  const ejections = meter.createCounter('tiered.sdk.http.ejections', { description: 'Hosts ejected by the outlier detector' });
  const transitions = meter.createCounter('tiered.sdk.http.health_transitions', { description: 'Active-check up/down transitions' });
  // Attribute sets are cached (host → outcome → attributes; method → attributes): the hot path
  // records without allocating or building a key string.
  const attemptAttrs = new Map<string, Map<string, Record<string, string>>>();
  const methodAttrs = new Map<string, Record<string, string>>();
  const attemptAttributes = (host: string, outcome: string): Record<string, string> => {
    let byOutcome = attemptAttrs.get(host);
    if (!byOutcome) attemptAttrs.set(host, (byOutcome = new Map()));
    let attrs = byOutcome.get(outcome);
    if (!attrs) byOutcome.set(outcome, (attrs = { ...base, 'server.address': host, outcome }));
    return attrs;
  };
  const methodAttributes = (method: string): Record<string, string> => {
    let attrs = methodAttrs.get(method);
    if (!attrs) methodAttrs.set(method, (attrs = { ...base, 'http.request.method': method }));
    return attrs;
  };
  return {
    attempt: (host: string, ms: number, outcome: string) => duration.record(ms, attemptAttributes(host, outcome)),
    request: (method: string) => requests.add(1, methodAttributes(method)),
    retry: (host: string) => retries.add(1, { ...base, 'server.address': host }),
    hedge: () => hedges.add(1, base),
    hedgeWin: () => hedgeWins.add(1, base),
    budgetExhausted: () => budgetExhausted.add(1, base),
    ejection: (host: string) => ejections.add(1, { ...base, 'server.address': host }),
    transition: (host: string, up: boolean) => transitions.add(1, { ...base, 'server.address': host, state: up ? 'up' : 'down' }),
  };
}

export type ClientMetrics = ReturnType<typeof createClientMetrics>;
