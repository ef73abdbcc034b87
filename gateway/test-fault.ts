// Test support (not a test), loaded with `node --import` into a gateway process: on SIGUSR2 a
// cluster worker throws an exception nobody catches, as an undiscovered bug would. Lets a test
// see the supervisor log the worker's stack and start another one.
import cluster from 'node:cluster';

if (cluster.isWorker) {
  process.on('SIGUSR2', () => {
    setImmediate(() => {
      throw new Error('injected fault (gateway/test-fault.ts)');
    });
  });
}
