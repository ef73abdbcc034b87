// Quick mode: the gateway config that `tiered gateway --listen … --backend …` means, built from
// flags (no tiered.yaml). One HTTP frontend, one backend of the given servers.
import { BALANCE_ALGORITHMS, type GatewayInput } from './config.js';
import { GatewayConfigError } from './errors.js';

export interface QuickOptions {
  listen: string;
  backends: string[];
  health?: string;
  balance?: string;
  admin?: string;
  workers?: number;
  accessLog?: boolean;
}

/** `http://127.0.0.1:3001` or `127.0.0.1:3001` → `127.0.0.1:3001`. */
export function backendAddress(text: string): string {
  let url: URL;
  try {
    url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `http://${text}`);
  } catch {
    throw new GatewayConfigError(`--backend: expected a URL like http://127.0.0.1:3001, got "${text}"`);
  }
  if (url.protocol !== 'http:') throw new GatewayConfigError(`--backend: only http:// backends are supported, got "${text}"`);
  if (url.pathname !== '/' || url.search) throw new GatewayConfigError(`--backend: expected no path, got "${text}"`);
  return `${url.hostname}:${url.port || '80'}`;
}

export function quickConfig(options: QuickOptions): GatewayInput {
  if (options.backends.length === 0) throw new GatewayConfigError('give at least one --backend URL (or -c tiered.yaml)');
  if (options.balance && !(BALANCE_ALGORITHMS as readonly string[]).includes(options.balance)) {
    throw new GatewayConfigError(`--balance: expected one of ${BALANCE_ALGORITHMS.join(', ')}, got "${options.balance}"`);
  }
  return {
    frontends: [{ name: 'http', listen: options.listen, mode: 'http', backend: 'app' }],
    backends: [{
      name: 'app',
      balance: options.balance as (typeof BALANCE_ALGORITHMS)[number] | undefined,
      check: options.health ? { type: 'http', path: options.health } : undefined,
      servers: options.backends.map((b, i) => ({ name: `s${i + 1}`, address: backendAddress(b) })),
    }],
    admin: options.admin ? { listen: options.admin } : undefined,
    workers: options.workers ?? 1,
    accessLog: options.accessLog ?? true,
  };
}
