// Backends of the sdk suite, one process, several ports, each with its own latency profile:
//   node --import tsx backend.ts <port>:<delayMs>[:<tailShare>:<tailDelayMs>[-<tailMaxMs>]][,...]
// e.g. 4101:20:0.1:100 answers after 20 ms, and 10% of the time after 100 ms;
//      4102:1:0.01:50-100 answers after 1 ms, and 1% of the time after 50–100 ms (uniform).
import { createServer } from 'node:http';

const specs = (process.argv[2] ?? '').split(',').filter(Boolean).map((s) => {
  const [port, delay, tailShare, tail = ''] = s.split(':');
  const [tailMin, tailMax = tailMin] = tail.split('-').map(Number);
  return { port: Number(port), delay: Number(delay) || 0, tailShare: Number(tailShare) || 0, tailMin: tailMin || 0, tailMax: tailMax || 0 };
});
if (specs.length === 0 || specs.some((s) => !Number.isInteger(s.port) || !(s.tailMax >= s.tailMin))) {
  process.stderr.write('usage: backend.ts <port>:<delayMs>[:<tailShare>:<tailDelayMs>[-<tailMaxMs>]][,...]\n');
  process.exit(2);
}

const servers = specs.map((spec) => {
  const body = Buffer.from(`ok ${spec.port}\n`);
  const server = createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
    req.resume();
    const delay = spec.tailShare > 0 && Math.random() < spec.tailShare
      ? spec.tailMin + Math.random() * (spec.tailMax - spec.tailMin)
      : spec.delay;
    const send = () => {
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': body.length });
      res.end(body);
    };
    if (delay > 0) {
      const timer = setTimeout(send, delay);
      res.on('close', () => clearTimeout(timer));
    } else send();
  });
  server.listen({ port: spec.port, host: '127.0.0.1', backlog: 4096 });
  return server;
});

const shutdown = () => {
  for (const s of servers) s.close();
  setTimeout(() => process.exit(0), 200).unref();
};
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
