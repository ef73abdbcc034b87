// A small, fast HTTP backend for the benchmarks: answers every request with 200 and a short body
// after an optional fixed delay. One process can listen on several ports, each with its own
// delay (so the slow-backend scenario runs 1 ms and 20 ms backends in one process), and on a
// shared SO_REUSEPORT port where the kernel spreads connections over every process listening
// (so "direct" reaches the same backend processes a proxy would, without a proxy).
//   node --import tsx backend-server.ts <id> <port>:<delayMs>[,<port>:<delayMs>...] [reusePort]
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

const [id, listenSpec, reusePortArg] = process.argv.slice(2);
const listeners = (listenSpec ?? '').split(',').filter(Boolean).map((s) => {
  const [port, delay] = s.split(':').map(Number);
  return { port, delayMs: delay || 0 };
});
if (!id || listeners.length === 0 || listeners.some((l) => !Number.isInteger(l.port))) {
  process.stderr.write('usage: backend-server.ts <id> <port>:<delayMs>[,...] [reusePort]\n');
  process.exit(2);
}

/** Requests answered per listener: the slow-backend scenario reads the slow server's share from them. */
const counts: Record<string, number> = {};
/** Not a request of the load: answers the counts at once (and is not counted). */
const COUNT_PATH = '/__bench/count';

function handler(name: string, delayMs: number) {
  const body = Buffer.from(`hello from ${name}\n`);
  counts[name] = 0;
  return (req: IncomingMessage, res: ServerResponse) => {
    if (req.url === COUNT_PATH) {
      req.resume();
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(counts));
      return;
    }
    counts[name]++;
    const send = () => {
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': body.length, 'x-backend': name });
      res.end(body);
    };
    req.resume();
    if (delayMs > 0) setTimeout(send, delayMs);
    else send();
  };
}

const servers = listeners.map(({ port, delayMs }) => {
  const server = createServer({ keepAliveTimeout: 60_000 }, handler(`${id}:${port}`, delayMs));
  server.listen({ port, host: '127.0.0.1', backlog: 4096 });
  return server;
});
if (reusePortArg) {
  // Same behaviour (the first listener's delay) on the port shared with the other backend processes.
  const server = createServer({ keepAliveTimeout: 60_000 }, handler(`${id}:shared`, listeners[0].delayMs));
  server.listen({ port: Number(reusePortArg), host: '127.0.0.1', backlog: 4096, reusePort: true });
  servers.push(server);
}

const shutdown = () => {
  for (const s of servers) s.close();
  setTimeout(() => process.exit(0), 200).unref();
};
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
