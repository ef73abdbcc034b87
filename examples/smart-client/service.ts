// A service that calls two hosts of another service with the smart client: balancing (p2c over
// peak EWMA latency), retries within a budget, outlier ejection and active health checks,
// inside the process, no proxy in between. GET /quote asks a price of one of the hosts.
import { createServer } from 'node:http';
import { createHttpClient, NoHostAvailableError } from 'tiered/sdk';

const port = Number(process.env.PORT ?? 4000);
const hosts = (process.env.PRICES ?? 'http://127.0.0.1:4001,http://127.0.0.1:4002').split(',');

const prices = createHttpClient({
  name: 'prices',
  hosts,
  timeout: '2s',                                   // whole budget, retries included
  retry: { attempts: 3 },                          // idempotent GETs go to another host on failure
  health: { path: '/healthz', interval: '1s' },    // a down host leaves the pool
  outlier: { consecutiveFailures: 3 },             // so does one that keeps failing
});

const server = createServer(async (req, res) => {
  if (req.url !== '/quote') return void res.writeHead(404).end();
  try {
    const answer = await prices.get('/price');
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ price: await answer.json(), from: answer.host, attempts: answer.attempts }));
  } catch (error) {
    res.writeHead(error instanceof NoHostAvailableError ? 503 : 502).end(String(error));
  }
});

server.listen(port, '127.0.0.1', () => console.log(`quote service on http://127.0.0.1:${port}, prices from ${hosts.join(' ')}`));
process.on('SIGTERM', async () => {
  server.close();
  await prices.close();
});
