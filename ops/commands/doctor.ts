// `tiered doctor`: what is installed, versions, and which default ports are busy.
import type { Command } from 'commander';
import { checkBinaries, checkPorts, nodeReport } from '../doctor.js';
import { installDepsCommand } from '../package-root.js';

export function registerDoctorCommand(program: Command): void {
  program
    .command('doctor')
    .description('report installed servers and versions, the Node version, and busy default ports')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      const [binaries, ports] = await Promise.all([checkBinaries(), checkPorts()]);
      const node = nodeReport();
      if (opts.json) {
        process.stdout.write(`${JSON.stringify({ node, binaries, ports }, null, 2)}\n`);
      } else {
        const out = (s: string) => process.stdout.write(`${s}\n`);
        out(`node ${node.version} ${node.ok ? 'ok' : 'TOO OLD: Tiered needs Node >= 22 (npm install brings node@24; run through npm/npx)'}`);
        out('');
        for (const b of binaries) {
          out(`${b.path ? 'ok     ' : 'MISSING'} ${b.binary.padEnd(14)} ${(b.version ?? `apt-get install ${b.debianPackage}`).padEnd(28)} ${b.neededFor}`);
        }
        out('');
        for (const p of ports) out(`${p.busy ? 'busy' : 'free'}  ${String(p.port).padEnd(6)} ${p.use}`);
        const missing = binaries.filter((b) => !b.path).map((b) => b.debianPackage);
        if (missing.length) out(`\ninstall what is missing: ${installDepsCommand('--bench')}   (or: sudo apt-get install -y ${[...new Set(missing)].join(' ')})`);
      }
      const core = binaries.filter((b) => ['redis-server', 'memcached', 'postgres', 'pg_basebackup'].includes(b.binary));
      if (!node.ok || core.some((b) => !b.path)) process.exitCode = 1;
    });
}
