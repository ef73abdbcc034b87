// The stats dashboard as a person sees it: Debian's Chromium (driven by playwright-core) loads
// /stats from a real gateway under traffic and finds a latency chart per frontend and server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { chromium } from 'playwright-core';
import { startGateway } from '../gateway.js';
import { HISTORY_SAMPLE_MS } from './server.js';

const CHROMIUM = '/usr/bin/chromium';

function backend(): Promise<Server> {
  return new Promise((resolve) => {
    const server = createServer((_req, res) => res.end('ok'));
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

test('the /stats page renders latency charts in a real browser', { skip: existsSync(CHROMIUM) ? false : `no ${CHROMIUM} (bash ops/install-deps --browser)` }, async () => {
  const servers = [await backend(), await backend()];
  const port = (s: Server) => (s.address() as { port: number }).port;
  const gateway = await startGateway({
    accessLog: false,
    admin: { listen: '127.0.0.1:0' },
    frontends: [{ name: 'web', listen: '127.0.0.1:0', mode: 'http', backend: 'app' }],
    backends: [{ name: 'app', servers: servers.map((s, i) => ({ name: `s${i}`, address: `127.0.0.1:${port(s)}` })) }],
  });
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    // Two history samples with traffic in between give every series a line.
    const deadline = Date.now() + HISTORY_SAMPLE_MS * 2 + 1500;
    while (Date.now() < deadline) {
      await Promise.all(Array.from({ length: 10 }, () => fetch(`http://127.0.0.1:${gateway.ports().web}/`).then((r) => r.text())));
    }
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${gateway.ports().admin}/stats`);
    const labels = await page.locator('svg[aria-label$="latency"]').evaluateAll((svgs) => svgs.map((s) => s.getAttribute('aria-label')));
    assert.deepEqual(labels, ['frontend web latency', 'backend app / s0 latency', 'backend app / s1 latency']);
    const lines = await page.locator('svg[aria-label="frontend web latency"] path[stroke="#d0442c"]').getAttribute('d');
    assert.match(lines ?? '', /^M[\d.]+,[\d.]+L/, 'the p99 line has at least two points');
    assert.match(await page.locator('body').innerText(), /backend app/);
  } finally {
    await browser.close();
    await gateway.stop();
    for (const s of servers) s.close();
  }
});
