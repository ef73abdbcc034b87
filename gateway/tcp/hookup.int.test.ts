// TCP mode inside the whole gateway (gateway/gateway.ts): a `mode: tcp` frontend from the
// composed gateway config serves, and its backends appear in stats and /metrics and take
// runtime-API changes through the admin port.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, createServer } from 'node:net';
import { once } from 'node:events';
import { startGateway, type Gateway } from '../gateway.js';

let gateway: Gateway | undefined;
const echo = createServer((socket) => {
  socket.on('error', () => {});
  socket.pipe(socket);
});

after(async () => {
  await gateway?.stop(0);
  await new Promise((resolve) => echo.close(resolve));
});

test('a tcp frontend of the gateway config relays, shows in stats and obeys the runtime API', async () => {
  echo.listen(0, '127.0.0.1');
  await once(echo, 'listening');
  const address = `127.0.0.1:${(echo.address() as { port: number }).port}`;
  gateway = await startGateway({
    frontends: [{ name: 'db', listen: '127.0.0.1:0', mode: 'tcp', backend: 'be' }],
    backends: [{ name: 'be', check: { type: 'tcp', interval: '1s' }, servers: [{ name: 'a', address, maxconn: 5 }] }],
    admin: { listen: '127.0.0.1:0', token: 'test-token' },
  }, { accessLog: false });
  const admin = `http://127.0.0.1:${gateway.ports().admin}`;
  const auth = { authorization: 'Bearer test-token' };
  const client = connect(gateway.ports().db, '127.0.0.1');
  await once(client, 'connect');
  client.write('ping');
  const [reply] = await once(client, 'data');
  assert.equal(reply.toString(), 'ping');

  const server = () => gateway!.stats().backends[0].servers[0];
  assert.equal(server().state, 'UP');
  assert.equal(server().inFlight, 1);
  assert.equal(server().bytesIn, 4, 'bytes of an open session count live');
  const metrics = await (await fetch(`${admin}/metrics`, { headers: auth })).text();
  assert.match(metrics, /tiered_server_requests_total\{backend="be",server="a"\} 1/);
  const put = await fetch(`${admin}/backends/be/servers/a`, { method: 'PUT', headers: { ...auth, 'content-type': 'application/json' }, body: '{"state":"drain"}' });
  assert.equal(put.status, 200);
  assert.equal(((await put.json()) as { state: string }).state, 'DRAIN');
  assert.equal(server().state, 'DRAIN');
  const refused = connect(gateway.ports().db, '127.0.0.1');
  refused.on('error', () => {});
  await once(refused, 'close');
  client.destroy();
});

test('the gateway reload applies TCP changes: a new tcp frontend and backend serve', async () => {
  const address = `127.0.0.1:${(echo.address() as { port: number }).port}`;
  await gateway!.reload({
    frontends: [
      { name: 'db', listen: '127.0.0.1:0', mode: 'tcp', backend: 'be' },
      { name: 'db2', listen: '127.0.0.1:0', mode: 'tcp', backend: 'be2' },
    ],
    backends: [
      { name: 'be', check: { type: 'tcp', interval: '1s' }, servers: [{ name: 'a', address, maxconn: 5 }] },
      { name: 'be2', servers: [{ name: 'x', address }] },
    ],
    admin: { listen: '127.0.0.1:0', token: 'test-token' },
  });
  const client = connect(gateway!.ports().db2, '127.0.0.1');
  await once(client, 'connect');
  client.write('after reload');
  const [reply] = await once(client, 'data');
  assert.equal(reply.toString(), 'after reload');
  assert.ok(gateway!.stats().backends.some((b) => b.name === 'be2'));
  client.destroy();
});
