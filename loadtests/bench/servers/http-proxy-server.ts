// The "bare http-proxy-3" peer: a node:http server that forwards each request round robin to
// the backends through http-proxy-3 with a keep-alive agent. No health checks, no retries, no
// metrics: the floor a Node proxy reaches, so Tiered's features can be priced against it.
//   node --import tsx http-proxy-server.ts <port> <backendUrl>[,<backendUrl>...]
import { Agent, createServer } from 'node:http';
import { createProxyServer } from 'http-proxy-3';

const [portArg, targetsArg] = process.argv.slice(2);
const targets = (targetsArg ?? '').split(',').filter(Boolean);
if (!portArg || targets.length === 0) {
  process.stderr.write('usage: http-proxy-server.ts <port> <url>[,<url>...]\n');
  process.exit(2);
}

const agent = new Agent({ keepAlive: true, maxSockets: 512, keepAliveMsecs: 30_000 });
const proxy = createProxyServer({ agent, xfwd: false });
let next = 0;

const server = createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
  const target = targets[next];
  next = (next + 1) % targets.length;
  proxy.web(req, res, { target }, (error) => {
    if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
    res.end(`bad gateway: ${error.message}\n`);
  });
});
server.listen({ port: Number(portArg), host: '127.0.0.1', backlog: 4096 });

const shutdown = () => {
  server.close();
  agent.destroy();
  setTimeout(() => process.exit(0), 200).unref();
};
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
