// What `tiered up` runs for the timeline demo (platform/demo), after the stack, each as a
// supervised child (ops/children.ts): the gateway's layout (`:8080` web, `:9000` platform,
// `:9001`/`:9002` DB, `:8404` admin), migrations + a small seed through the write port, the
// outbox relay, the platform instances, one worker, the cron scheduler and the web instances
// (or the user's own apps behind :8080, `tiered up --app URL`).
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { stringify } from 'yaml';
import { defaultDbPorts } from '../gateway/tcp/defaults.js';
import type { TieredConfig } from './config/schema.js';
import type { StackSummary } from './stack/stack.js';
import { superviseChild } from './children.js';
import { packageRoot } from './package-root.js';
import { upConfigSchema, type UpConfig } from './up-config.js';
import type { ServiceStarter } from './up.js';

export const NAME_WIDTH = 12;

export interface DemoLayout {
  up: UpConfig;
  webPorts: number[];
  platformPorts: number[];
  /** User apps behind :8080 instead of the demo web tier. */
  apps: string[];
  dbUrl: { read: string; write: string };
}

const hostOf = (listen: string) => listen.slice(0, listen.lastIndexOf(':'));
const portOf = (listen: string) => Number(listen.slice(listen.lastIndexOf(':') + 1));
const loopback = (listen: string) => (['0.0.0.0', '::', ''].includes(hostOf(listen)) ? '127.0.0.1' : hostOf(listen).replace(/^\[|\]$/g, ''));

/** The demo's layout, or undefined when `tiered up` runs no demo (up.demo false, no PostgreSQL, or an own gateway: section). */
export function demoLayout(config: TieredConfig, stack: StackSummary, appsFlag: string[] = []): DemoLayout | undefined {
  const up = config.up ?? upConfigSchema.parse({});
  if (!up.demo || !stack.postgres || config.gateway) return undefined;
  const range = (first: number, n: number) => Array.from({ length: n }, (_, i) => first + i);
  const db = (listen: string) => `postgres://postgres@${loopback(listen)}:${portOf(listen)}/postgres`;
  return {
    up,
    webPorts: range(up.ports.web, up.instances.web),
    platformPorts: range(up.ports.platform, up.instances.platform),
    apps: appsFlag.length ? appsFlag : up.apps,
    dbUrl: { read: db(up.listen.dbRead), write: db(up.listen.dbWrite) },
  };
}

/** The gateway section for the demo layout. */
export function demoGatewayConfig(stack: StackSummary, layout: DemoLayout): Record<string, unknown> {
  const pg = stack.postgres!;
  const db = defaultDbPorts({
    primary: `${pg.primary.host}:${pg.primary.port}`,
    replicas: pg.replica ? [`${pg.replica.host}:${pg.replica.port}`] : [],
    readListen: layout.up.listen.dbRead,
    writeListen: layout.up.listen.dbWrite,
  });
  const httpCheck = { type: 'http', path: '/healthz', interval: '1s', rise: 1, fall: 2, timeout: '1s' };
  const webServers = layout.apps.length
    ? layout.apps.map((app, i) => ({ name: `app${i + 1}`, address: new URL(app).host }))
    : layout.webPorts.map((port, i) => ({ name: `web${i + 1}`, address: `127.0.0.1:${port}` }));
  return {
    accessLog: false,
    admin: { listen: layout.up.listen.admin },
    frontends: [
      { name: 'web', listen: layout.up.listen.web, backend: 'web' },
      { name: 'platform', listen: layout.up.listen.platform, backend: 'platform' },
      ...db.frontends,
    ],
    backends: [
      { name: 'web', servers: webServers, check: layout.apps.length ? { type: 'tcp', interval: '1s', rise: 1, fall: 2 } : httpCheck },
      { name: 'platform', servers: layout.platformPorts.map((port, i) => ({ name: `platform${i + 1}`, address: `127.0.0.1:${port}` })), check: httpCheck },
      ...db.backends,
    ],
  };
}

/** Where the demo's modules are: the TypeScript sources in a clone, the compiled ones in the package. */
function demoRoot(): string {
  const root = packageRoot();
  return existsSync(join(root, 'platform', 'demo', 'app.ts')) ? root : join(root, 'dist');
}

/** The tiered.yaml the demo's children run with (platform, cache with outbox, queue). */
function writeChildConfig(stack: StackSummary, layout: DemoLayout): string {
  const root = demoRoot();
  const file = join(stack.dir, 'up-demo.yaml');
  writeFileSync(file, stringify({
    platform: {
      app: join(root, 'platform', 'demo', existsSync(join(root, 'platform', 'demo', 'app.ts')) ? 'app.ts' : 'app.js'),
      db: layout.dbUrl,
      options: layout.up.options,
    },
    cache: {
      namespace: 'tiered',
      store: { memcached: stack.memcached.map((m) => m.address) },
      bus: { redis: stack.redis!.url },
      outbox: { db: layout.dbUrl.write, pollInterval: '5s' },
    },
    queue: { redis: stack.redis!.url, jobs: [join(root, 'platform', 'demo', existsSync(join(root, 'platform', 'demo', 'jobs.ts')) ? 'jobs.ts' : 'jobs.js')] },
  }));
  return file;
}

function demoEnv(stack: StackSummary, layout: DemoLayout): Record<string, string> {
  return {
    TIERED_DEMO_DB: layout.dbUrl.write,
    TIERED_DEMO_REDIS: stack.redis!.url,
    TIERED_DEMO_OPTIONS: JSON.stringify(layout.up.options),
    TIERED_DEMO_QUEUE_PREFIX: 'tiered',
    TIERED_DEMO_CACHE_NAMESPACE: 'tiered',
    // the fan-out job warms each post's cache entry through the platform
    TIERED_DEMO_PLATFORM: `http://${loopback(layout.up.listen.platform)}:${portOf(layout.up.listen.platform)}`,
  };
}

/** Migrations and, into an empty database, a small seed: through the gateway's write port. */
export function demoDataStarter(out: (line: string) => void, layoutOf: () => DemoLayout | undefined): ServiceStarter {
  return async () => {
    const layout = layoutOf();
    if (!layout) return undefined;
    const pg = (await import('pg')).default;
    const { createDbClient } = await import('../sdk/db/client.js');
    const { migrate } = await import('../platform/migrations.js');
    const { migrations } = await import('../platform/demo/schema.js');
    const { seed, progressBar } = await import('../platform/demo/seed.js');
    const { ensureOutboxTable } = await import('../cache/outbox/schema.js');
    // The write port opens once its health check has seen the primary (about 2 s).
    const pool = new pg.Pool({ connectionString: layout.dbUrl.write, max: 1, connectionTimeoutMillis: 2000 });
    pool.on('error', () => {});
    try {
      for (let i = 0; ; i++) {
        try {
          await pool.query('SELECT 1');
          break;
        } catch (error) {
          if (i > 60) throw new Error(`the DB write port ${layout.up.listen.dbWrite} did not answer: ${(error as Error).message}`);
          await sleep(250);
        }
      }
      const db = createDbClient({ read: layout.dbUrl.write, write: layout.dbUrl.write, max: 1 });
      await ensureOutboxTable({ query: (sql: string, params?: unknown[]) => db.write(sql, params) });
      const applied = await migrate(db, 'timeline', migrations).finally(() => db.close());
      out(`${'demo data'.padEnd(NAME_WIDTH)} | migrations: ${applied.length ? applied.join(', ') : 'up to date'}`);
      const empty = Number((await pool.query<{ n: string }>('SELECT count(*)::text AS n FROM demo_users')).rows[0].n) === 0;
      let seeded = 'kept the existing data';
      if (empty && layout.up.seed) {
        const report = await seed(pool, { ...layout.up.seed, onProgress: progressBar((t) => out(`${'demo data'.padEnd(NAME_WIDTH)} | ${t.replace(/\n$/, '')}`), false) });
        seeded = `seeded ${report.users} users, ${report.follows} follows, ${report.posts} posts in ${(report.ms / 1000).toFixed(1)} s`;
      }
      out(`${'demo data'.padEnd(NAME_WIDTH)} | ${seeded}`);
      return { name: 'demo data', describe: () => [`demo data          ${seeded} (sign in as user1 … user${layout.up.seed ? layout.up.seed.users : 'N'})`], stop: async () => {} };
    } finally {
      await pool.end().catch(() => {});
    }
  };
}

/**
 * The demo's processes, all started at once (each is a Node process loading TypeScript: started
 * one after the other they took most of the start-up time): the outbox relay, the platform
 * instances, the worker, the cron scheduler and the web instances. Stopped in reverse order:
 * web, cron and worker, platform, relay.
 */
export function demoProcessesStarter(out: (line: string) => void, layoutOf: () => DemoLayout | undefined): ServiceStarter {
  const start = (spec: Parameters<typeof superviseChild>[0]) => superviseChild(spec, out, NAME_WIDTH);
  return async (_config, stack) => {
    const layout = layoutOf();
    if (!layout) return undefined;
    const file = writeChildConfig(stack, layout);
    const env = demoEnv(stack, layout);
    const platformUrl = `http://${loopback(layout.up.listen.platform)}:${portOf(layout.up.listen.platform)}`;
    const relay = [start({ name: 'cache relay', args: ['cache', 'relay', '-c', file], ready: (line) => line.includes('outbox relay running') })];
    const platforms = layout.platformPorts.map((port, i) => start({ name: `platform ${i + 1}`, args: ['platform', '-c', file, '--port', String(port)], ready: (line) => line.includes('platform listening') }));
    const workers = [
      start({ name: 'worker', args: ['worker', '-c', file, '--jobs', 'timeline.fanout,trending.map,trending.reduce'], env, ready: (line) => line.includes(' ready: ') }),
      start({ name: 'cron', args: ['worker', '-c', file, '--jobs', 'trending.start', '--cron'], env, ready: (line) => line.includes(' ready: ') }),
    ];
    const webs = layout.apps.length ? [] : layout.webPorts.map((port, i) => start({ name: `web ${i + 1}`, args: ['demo', 'web', '--port', String(port), '--platform', platformUrl], ready: (line) => line.includes('web listening') }));
    const groups = [relay, platforms, workers, webs];
    const stop = async () => {
      for (const group of [...groups].reverse()) await Promise.all(group.map((c) => c.stop()));
    };
    try {
      await Promise.all(groups.flat().map((c) => c.started));
    } catch (error) {
      await stop();
      throw error;
    }
    return {
      name: 'demo',
      describe: () => [
        'cache relay        outbox → memcached deletes, tag bumps, L1 bus',
        ...layout.platformPorts.map((port, i) => `platform ${i + 1}         http://127.0.0.1:${port}`),
        'worker             timeline.fanout, trending.map, trending.reduce',
        'cron               trending hashtags every minute (map-reduce)',
        ...(layout.apps.length ? [] : layout.webPorts.map((port, i) => `web ${i + 1}              http://127.0.0.1:${port}`)),
      ],
      stop,
    };
  };
}

/** The banner's URL lines for the demo layout. */
export function demoBanner(layout: DemoLayout): string[] {
  const u = (listen: string) => `${loopback(listen)}:${portOf(listen)}`;
  return [
    `open the demo      http://${u(layout.up.listen.web)}/${layout.apps.length ? '  (your apps: ' + layout.apps.join(', ') + ')' : ''}`,
    `JSON API           http://${u(layout.up.listen.web)}/api/users/1 · /api/users/1/home · /api/trending`,
    `platform           http://${u(layout.up.listen.platform)}/healthz (resources and commands: docs/guide.md)`,
    `admin              http://${u(layout.up.listen.admin)}/stats · /queues`,
    `DB read / write    ${layout.dbUrl.read} · ${layout.dbUrl.write}`,
  ];
}
