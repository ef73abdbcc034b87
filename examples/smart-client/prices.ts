// The called service: GET /price and /healthz. Run it twice, on two ports.
import { createServer } from 'node:http';

const port = Number(process.argv[2] ?? 4001);
createServer((req, res) => {
  if (req.url === '/healthz') return void res.end('ok');
  if (req.url === '/price') return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ amount: 42, host: port }));
  res.writeHead(404).end();
}).listen(port, '127.0.0.1', () => console.log(`prices on http://127.0.0.1:${port}`));
