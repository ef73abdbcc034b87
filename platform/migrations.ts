// App migrations: run at start, in order, each once, under an advisory lock so that several
// instances starting together apply them once. Recorded in tiered_platform_migrations.
import type { DbClient } from '../sdk/db/client.js';
import { MigrationError } from './errors.js';

const LOCK = 7_342_001; // pg_advisory_xact_lock key of the platform's migrations

export async function migrate(db: DbClient, app: string, migrations: readonly { id: string; sql: string }[]): Promise<string[]> {
  if (migrations.length === 0) return [];
  try {
    return await db.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [LOCK]);
      await tx.query('CREATE TABLE IF NOT EXISTS tiered_platform_migrations (app text NOT NULL, id text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (app, id))');
      const { rows } = await tx.query<{ id: string }>('SELECT id FROM tiered_platform_migrations WHERE app = $1', [app]);
      const done = new Set(rows.map((r) => r.id));
      const applied: string[] = [];
      for (const m of migrations) {
        if (done.has(m.id)) continue;
        await tx.query(m.sql);
        await tx.query('INSERT INTO tiered_platform_migrations (app, id) VALUES ($1, $2)', [app, m.id]);
        applied.push(m.id);
      }
      return applied;
    });
  } catch (error) {
    throw new MigrationError(`migrations of "${app}" failed: ${(error as Error).message}`, { cause: error });
  }
}
