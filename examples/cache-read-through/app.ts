// Read-through caching with invalidation on write. GET /users/:id reads through the cache (the
// slow "database" is only asked on a miss, and once for many concurrent misses); PUT writes the
// database, then invalidates the key: delete, never update, so a racing reader cannot put the
// old value back for long. REDIS_URL switches the store from process memory to Redis.
import { createServer, type IncomingMessage } from 'node:http';
import { createCache } from 'tiered/cache';

interface User { id: string; name: string }

// Stands in for your database: a Map with 50 ms reads.
const db = new Map<string, User>([['1', { id: '1', name: 'Ada' }], ['2', { id: '2', name: 'Grace' }]]);
let dbReads = 0;
async function readUser(id: string): Promise<User | undefined> {
  dbReads++;
  await new Promise((resolve) => setTimeout(resolve, 50));
  return db.get(id);
}

const cache = createCache({
  store: process.env.REDIS_URL ? { redis: process.env.REDIS_URL } : 'memory',
  namespace: 'example',
  ttl: '5m',
  grace: '1h',       // serve a stale value while the store or the database is down
});

async function body(req: IncomingMessage): Promise<string> {
  let text = '';
  for await (const chunk of req) text += chunk;
  return text;
}

const port = Number(process.env.PORT ?? 3000);
const server = createServer(async (req, res) => {
  const match = /^\/users\/(\w+)$/.exec(req.url ?? '');
  const send = (status: number, value: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json', 'x-db-reads': String(dbReads) });
    res.end(JSON.stringify(value));
  };
  if (!match) return send(404, { error: 'not found' });
  const id = match[1];
  if (req.method === 'GET') {
    const user = await cache.getOrLoad(`user:${id}`, () => readUser(id));
    return user ? send(200, user) : send(404, { error: 'no such user' });
  }
  if (req.method === 'PUT') {
    const { name } = JSON.parse(await body(req)) as { name: string };
    db.set(id, { id, name });            // 1. write the database
    await cache.invalidate(`user:${id}`); // 2. then drop the cached copy
    return send(200, { id, name });
  }
  send(405, { error: 'method not allowed' });
});

server.listen(port, '127.0.0.1', () => console.log(`users app on http://127.0.0.1:${port} (${process.env.REDIS_URL ? 'redis' : 'memory'} cache)`));
process.on('SIGTERM', async () => {
  server.close();
  await cache.close();
});
