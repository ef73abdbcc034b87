// The edge suite's origin: every request costs 5 ms (a timer: the work an app does per page,
// without taking a core from the proxies under test) and answers a 2 KB page cacheable for an
// hour with a surrogate key, so a cache in front of it serves hits. Paths under /herd are
// cacheable for 1 s only (the thundering-herd scenario waits for them to expire).
// GET /__bench/count answers the requests served so far (not counted itself).
//   node --import tsx edge-origin.ts <port> [delayMs]
import { createServer } from 'node:http';

const port = Number(process.argv[2]);
const delayMs = Number(process.argv[3] ?? 5);
if (!Number.isInteger(port)) {
  process.stderr.write('usage: edge-origin.ts <port> [delayMs]\n');
  process.exit(2);
}
const body = Buffer.from(`<!doctype html><title>page</title>${'<p>cached content</p>'.repeat(100)}\n`);
let served = 0;
const server = createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
  req.resume();
  if (req.url === '/__bench/count') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ served }));
    return;
  }
  served++;
  setTimeout(() => {
    res.writeHead(200, { 'content-type': 'text/html', 'content-length': body.length, 'cache-control': req.url?.startsWith('/herd') ? 'public, max-age=1' : 'public, max-age=3600', 'surrogate-key': 'page', etag: '"p1"' });
    res.end(body);
  }, delayMs);
});
server.listen({ port, host: '127.0.0.1', backlog: 4096 });
const shutdown = () => {
  server.close();
  setTimeout(() => process.exit(0), 200).unref();
};
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
