// Request smuggling and desync: the classic vectors (CL.TE, TE.CL, TE.TE with obfuscated
// Transfer-Encoding, conflicting or malformed Content-Length, bare LF, obs-fold, bad chunk
// framing, TE in HTTP/1.0, NUL and bare CR in fields) sent as exact bytes to every kind of
// frontend of one `tiered gateway` process (native listener + native engine, native listener +
// undici, node:http + http-proxy-3). Each must be refused with a 400 and the connection closed;
// the backend must never see the smuggled request, and a victim's request on another connection
// afterwards must get its own answer (no poisoned upstream connection).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Agent } from 'node:http';
import { httpRequest, rawExchange, startTestBackend, type TestBackend } from '../test-backends.js';
import { configFolder, startGatewayCli, type GatewayProcess } from '../test-process.js';

const FRONTENDS = ['native', 'undici', 'node'] as const;
const SMUGGLED = 'GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n';

/** [label, bytes]: every one is ambiguous or malformed framing and must get a 400. */
const VECTORS: [string, string][] = [
  ['CL.TE', `POST / HTTP/1.1\r\nHost: x\r\nContent-Length: ${5 + SMUGGLED.length}\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n${SMUGGLED}`],
  ['TE.CL', `POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n${(SMUGGLED.length).toString(16)}\r\n${SMUGGLED}\r\n0\r\n\r\n`],
  ['TE.TE: xchunked', `POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: xchunked\r\nContent-Length: 4\r\n\r\n1\r\nZ\r\n${SMUGGLED}`],
  ['TE.TE: chunked then a second TE line', `POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: x\r\n\r\n0\r\n\r\n${SMUGGLED}`],
  ['TE.TE: space before the colon', `POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding : chunked\r\nContent-Length: 4\r\n\r\n0\r\n\r\n${SMUGGLED}`],
  ['TE.TE: obs-fold', `POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding:\r\n chunked\r\nContent-Length: 4\r\n\r\n0\r\n\r\n${SMUGGLED}`],
  ['TE.TE: chunked, identity', `POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n${SMUGGLED}`],
  ['TE.TE: gzip, chunked', `POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n${SMUGGLED}`],
  ['TE.TE: vertical tab', `POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding:\u000bchunked\r\n\r\n0\r\n\r\n${SMUGGLED}`],
  ['bare LF between fields', `POST / HTTP/1.1\r\nHost: x\nTransfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n0\r\n\r\n${SMUGGLED}`],
  ['two different Content-Lengths', `POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nContent-Length: ${SMUGGLED.length}\r\n\r\n${SMUGGLED}`],
  ['Content-Length list', `POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0, ${SMUGGLED.length}\r\n\r\n${SMUGGLED}`],
  ['Content-Length with a sign', `POST / HTTP/1.1\r\nHost: x\r\nContent-Length: +${SMUGGLED.length}\r\n\r\n${SMUGGLED}`],
  ['Content-Length in hex', `POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0x${SMUGGLED.length.toString(16)}\r\n\r\n${SMUGGLED}`],
  ['Content-Length overflow', `POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 18446744073709551617\r\n\r\n${SMUGGLED}`],
  ['chunk size with a bare LF', `POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\nabc\r\n0\r\n\r\n${SMUGGLED}`],
  ['chunk longer than its size', `POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcdef\r\n0\r\n\r\n${SMUGGLED}`],
  ['chunk size with a leading space', `POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n 3\r\nabc\r\n0\r\n\r\n${SMUGGLED}`],
  ['chunk extension with a bare LF', `POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3;x\nabc\r\n0\r\n\r\n${SMUGGLED}`],
  ['NUL in a header value', `GET / HTTP/1.1\r\nHost: x\r\nX-A: a\u0000b\r\n\r\n${SMUGGLED}`],
  ['bare CR in a header value', `GET / HTTP/1.1\r\nHost: x\r\nX-A: a\rb\r\n\r\n${SMUGGLED}`],
  ['space in the header name', `GET / HTTP/1.1\r\nHost: x\r\nX A: b\r\n\r\n${SMUGGLED}`],
  ['two Host headers', `GET / HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n${SMUGGLED}`],
  ['request line with a bare LF', `GET /a HTTP/1.1\nHost: x\r\n\r\n${SMUGGLED}`],
];

describe('request smuggling: every vector refused, no desync', () => {
  let app: TestBackend;
  let gw: GatewayProcess;
  const seen: string[] = [];
  const folder = configFolder();

  before(async () => {
    app = await startTestBackend('app');
    app.handler = (req) => {
      seen.push(req.url ?? '');
      return false;
    };
    const file = folder.write('smuggling.yaml', [
      'gateway:',
      '  accessLog: false',
      '  frontends:',
      ...FRONTENDS.map((f) => `    - { name: ${f}, listen: "127.0.0.1:0", backend: ${f} }`),
      '  backends:',
      `    - { name: native, engine: native, servers: [{ name: app, address: "${app.address}" }] }`,
      `    - { name: undici, engine: undici, servers: [{ name: app, address: "${app.address}" }] }`,
      `    - { name: node, engine: http-proxy-3, servers: [{ name: app, address: "${app.address}" }] }`,
      '',
    ].join('\n'));
    gw = await startGatewayCli(['-c', file], [...FRONTENDS]);
  });

  after(async () => {
    await gw?.stop();
    await app?.stop();
    folder.remove();
  });

  for (const [label, bytes] of VECTORS) {
    test(label, async () => {
      for (const name of FRONTENDS) {
        seen.length = 0;
        const answer = await rawExchange(gw.ports[name], bytes);
        const statuses = [...answer.matchAll(/HTTP\/1\.[01] (\d{3}) /g)].map((m) => m[1]);
        assert.deepEqual(statuses, ['400'], `${name}: one 400 and the connection closed, got ${JSON.stringify(answer.slice(0, 300))}`);
        // A victim on another (keep-alive) connection gets its own answer.
        const agent = new Agent({ keepAlive: true, maxSockets: 1 });
        for (let i = 0; i < 3; i++) {
          const victim = await httpRequest(gw.ports[name], { path: `/victim-${i}`, agent });
          assert.equal(victim.status, 200);
          assert.equal(victim.body, `app GET /victim-${i}`, `${name}: the victim's own answer`);
        }
        agent.destroy();
        assert.ok(!seen.includes('/smuggled'), `${name}: the backend saw the smuggled request: ${JSON.stringify(seen)}`);
      }
      assert.ok(gw.alive());
    });
  }
});
