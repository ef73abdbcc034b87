// What the gateway's postgres checks have seen, across all backends: which address answered
// as primary last. A replica check measures its lag against that primary's WAL position.
import type { PostgresRole } from './postgres-verdict.js';

export class PostgresTopology {
  private readonly roles = new Map<string, PostgresRole | undefined>();

  record(address: string, role: PostgresRole | undefined): void {
    this.roles.set(address, role);
  }

  /** The one address seen as primary; undefined when none or several are. */
  primary(): string | undefined {
    const primaries = [...this.roles].filter(([, role]) => role === 'primary');
    return primaries.length === 1 ? primaries[0][0] : undefined;
  }
}
