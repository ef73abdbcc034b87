// The SDK start-up wires @opentelemetry/api instruments (used by every component) to a real
// Prometheus endpoint.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { metrics } from '@opentelemetry/api';
import { startTelemetry } from './telemetry.js';
import { freePort } from './stack/net.js';

test('a counter recorded through @opentelemetry/api is scraped from the Prometheus endpoint', async () => {
  const port = await freePort();
  const telemetry = await startTelemetry({ enabled: true, exporter: 'prometheus', prometheus: { listen: `127.0.0.1:${port}` }, traces: false }, {});
  try {
    const counter = metrics.getMeter('tiered.test').createCounter('tiered_test_requests', { description: 'test counter' });
    counter.add(3, { route: '/x' });
    const body = await (await fetch(telemetry.prometheusUrl!)).text();
    assert.match(body, /tiered_test_requests(_total)?\{[^}]*route="\/x"[^}]*\} 3/);
  } finally {
    await telemetry.shutdown();
  }
});

test('disabled telemetry starts nothing', async () => {
  const telemetry = await startTelemetry({ enabled: false }, {});
  assert.equal(telemetry.prometheusUrl, undefined);
  await telemetry.shutdown();
});
