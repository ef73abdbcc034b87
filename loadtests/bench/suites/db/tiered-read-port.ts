// Child process of the db suite: Tiered's DB ports (the default config `tiered up` writes) in
// front of the suite's PostgreSQL, on the ports given. Runs until SIGTERM.
//   tsx tiered-read-port.ts <readPort> <writePort> <primary host:port> <replica host:port>
import { defaultDbPorts, startTcpGateway } from '../../../../gateway/tcp/index.js';

const [readPort, writePort, primary, replica] = process.argv.slice(2);
const gateway = await startTcpGateway(defaultDbPorts({
  primary,
  replicas: [replica],
  readListen: `127.0.0.1:${readPort}`,
  writeListen: `127.0.0.1:${writePort}`,
}));
const stop = () => {
  void gateway.stop(0).then(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
