// /healthz: each part the platform depends on, checked with a time limit. A part down makes
// the instance `degraded` (still 200: every instance sees the same database, so taking them
// all out of the balancer helps nobody); only a draining instance answers 503.
export interface HealthCheck {
  name: string;
  check: () => Promise<unknown>;
}

export interface PartHealth {
  ok: boolean;
  ms: number;
  error?: string;
}

export interface HealthReport {
  status: 'ok' | 'degraded' | 'draining';
  degraded: string[];
  parts: Record<string, PartHealth>;
}

export async function checkHealth(checks: readonly HealthCheck[], timeoutMs = 1000): Promise<Omit<HealthReport, 'status'> & { status: 'ok' | 'degraded' }> {
  const parts: Record<string, PartHealth> = {};
  await Promise.all(checks.map(async ({ name, check }) => {
    const started = performance.now();
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        Promise.resolve().then(check),
        new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs); }),
      ]);
      parts[name] = { ok: true, ms: Math.round(performance.now() - started) };
    } catch (error) {
      parts[name] = { ok: false, ms: Math.round(performance.now() - started), error: (error as Error)?.message ?? String(error) };
    } finally {
      clearTimeout(timer);
    }
  }));
  const degraded = Object.keys(parts).filter((name) => !parts[name].ok).sort();
  return { status: degraded.length ? 'degraded' : 'ok', degraded, parts };
}
