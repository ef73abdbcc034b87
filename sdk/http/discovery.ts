// Where the client's host list comes from: a static list; a DNS name re-resolved periodically;
// or the gateway's admin `/stats.json` polled so every client shares the gateway's view
// (servers in maint/drain or down there are not used here either). A source reports the full
// current list each time; the client diffs it against its pool.
import { lookup } from 'node:dns/promises';
import { request } from 'undici';
import type { AdminState } from '../balance/eligible.js';
import { parseDuration } from '../config/units.js';
import type { Logger } from '../log/logger.js';

export interface DiscoveredHost {
  /** Origin, e.g. http://10.0.0.5:9100 */
  id: string;
  weight?: number;
  admin?: AdminState;
  /** The source's own health view (gateway checks), when it has one. */
  healthy?: boolean;
}

export type DiscoveryOptions =
  | { static: string[] }
  | { dns: { name: string; port: number; protocol?: 'http' | 'https'; interval?: string | number } }
  | { gateway: { url: string; backend?: string; interval?: string | number; token?: string } };

export interface Discovery {
  /** Resolves after the first successful lookup (or rejects with its error). */
  ready: Promise<void>;
  stop(): void;
}

export function normalizeOrigin(host: string): string {
  const withScheme = /^[a-z]+:\/\//i.test(host) ? host : `http://${host}`;
  const url = new URL(withScheme);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new RangeError(`expected an http:// or https:// host, got "${host}"`);
  return url.origin;
}

/** Reads the hosts of one backend out of a gateway `/stats.json` document. */
export function hostsFromGatewayStats(doc: unknown, backend?: string): DiscoveredHost[] {
  const root = doc as { backends?: unknown };
  const list = Array.isArray(root?.backends) ? root.backends : Object.entries((root?.backends ?? {}) as Record<string, object>).map(([name, b]) => ({ name, ...b }));
  const chosen = (list as { name?: string; servers?: unknown }[]).find((b) => backend === undefined || b.name === backend);
  if (!chosen) throw new RangeError(backend ? `gateway stats have no backend "${backend}"` : 'gateway stats list no backends');
  const servers = Array.isArray(chosen.servers) ? chosen.servers : Object.values((chosen.servers ?? {}) as Record<string, object>);
  return (servers as Record<string, unknown>[]).map((s) => {
    const address = String(s.url ?? s.address ?? s.addr ?? '');
    const state = String(s.state ?? '').toUpperCase(); // gateway: UP, UP (trial), DOWN, EJECTED, DRAIN, MAINT
    const adminField = String(s.admin ?? '').toLowerCase();
    const admin = ADMIN.has(adminField) ? (adminField as AdminState)
      : state.startsWith('MAINT') ? 'maint' : state.startsWith('DRAIN') ? 'drain' : undefined;
    const check = typeof s.check === 'object' && s.check !== null ? String((s.check as { status?: unknown }).status ?? '') : String(s.check ?? s.status ?? '');
    const healthy = typeof s.up === 'boolean' ? s.up
      : typeof s.healthy === 'boolean' ? s.healthy
        : /DOWN|EJECT/.test(state) ? false
          : /^UP/.test(state) ? true
            : check ? !/down|fail|eject/i.test(check) : undefined;
    return {
      id: normalizeOrigin(address),
      weight: typeof s.weight === 'number' ? s.weight : undefined,
      admin,
      healthy,
    };
  });
}

const ADMIN = new Set(['ready', 'drain', 'maint']);

function poll(every: number, lookupOnce: () => Promise<DiscoveredHost[]>, onHosts: (hosts: DiscoveredHost[]) => void, logger: Logger): Discovery {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let resolveReady!: () => void;
  let rejectReady!: (e: unknown) => void;
  const ready = new Promise<void>((resolve, reject) => { resolveReady = resolve; rejectReady = reject; });
  ready.catch(() => {});
  let first = true;
  const run = async () => {
    try {
      const hosts = await lookupOnce();
      if (stopped) return;
      onHosts(hosts);
      resolveReady();
    } catch (error) {
      logger.warn({ err: error }, 'host discovery failed; keeping the last known hosts');
      if (first) rejectReady(error);
    }
    first = false;
    if (!stopped) {
      timer = setTimeout(run, every);
      timer.unref();
    }
  };
  void run();
  return { ready, stop: () => { stopped = true; clearTimeout(timer); } };
}

export function startDiscovery(options: DiscoveryOptions, onHosts: (hosts: DiscoveredHost[]) => void, logger: Logger): Discovery {
  if ('static' in options) {
    onHosts(options.static.map((h) => ({ id: normalizeOrigin(h) })));
    return { ready: Promise.resolve(), stop: () => {} };
  }
  if ('dns' in options) {
    const { name, port, protocol = 'http' } = options.dns;
    return poll(parseDuration(options.dns.interval ?? '5s'), async () => {
      const addresses = await lookup(name, { all: true });
      return addresses.map((a) => ({ id: normalizeOrigin(`${protocol}://${a.family === 6 ? `[${a.address}]` : a.address}:${port}`) }));
    }, onHosts, logger);
  }
  const { url, backend, token } = options.gateway;
  return poll(parseDuration(options.gateway.interval ?? '2s'), async () => {
    const res = await request(url, { headers: token ? { authorization: `Bearer ${token}` } : {}, headersTimeout: 5_000, bodyTimeout: 5_000 });
    if (res.statusCode !== 200) {
      await res.body.dump();
      throw new Error(`gateway stats ${url} answered ${res.statusCode}`);
    }
    return hostsFromGatewayStats(await res.body.json(), backend);
  }, onHosts, logger);
}
