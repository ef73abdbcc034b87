// A small web app, the kind you already run: two routes and a health check on plain node:http.
// Start it twice (two ports) and put `tiered gateway` in front (see README.md).
import { createServer } from 'node:http';

const port = Number(process.argv[2] ?? process.env.PORT ?? 3001);
const name = process.env.NAME ?? `app:${port}`;

const server = createServer((req, res) => {
  const send = (status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  if (req.url === '/healthz') return send(200, { ok: true });
  if (req.method === 'GET' && req.url === '/') return send(200, { hello: 'world', servedBy: name });
  if (req.method === 'GET' && req.url?.startsWith('/users/')) return send(200, { id: req.url.slice('/users/'.length), servedBy: name });
  send(404, { error: 'not found' });
});

server.listen(port, '127.0.0.1', () => console.log(`${name} listening on http://127.0.0.1:${port}`));
process.on('SIGTERM', () => server.close());
