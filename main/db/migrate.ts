import type { Knex } from 'knex';
import { migrations, type Migration } from '../../migrations/index.js';
import { StartupError } from '../errors.js';

const TABLE = 'knex_migrations';

/** knex reads migrations from this list, so they work the same from source and in the bundled app. */
class ListMigrationSource implements Knex.MigrationSource<Migration> {
  constructor(private readonly list: readonly Migration[]) {}
  getMigrations(): Promise<Migration[]> {
    return Promise.resolve([...this.list]);
  }
  getMigrationName(migration: Migration): string {
    return migration.name;
  }
  getMigration(migration: Migration): Promise<Knex.Migration> {
    return Promise.resolve({ up: migration.up, down: migration.down });
  }
}

export interface MigrationReport {
  applied: string[];
  current: string | undefined;
}

/** Refuses a database written by a newer StoreMAS: its migrations are unknown here. */
export async function assertSchemaNotNewer(db: Knex, known: readonly Migration[] = migrations): Promise<void> {
  if (!(await db.schema.hasTable(TABLE))) return;
  const rows: Array<{ name: string }> = await db(TABLE).select('name');
  const knownNames = new Set(known.map((m) => m.name));
  const unknown = rows.map((r) => r.name).filter((name) => !knownNames.has(name));
  if (unknown.length > 0) {
    throw new StartupError(
      'SCHEMA_TOO_NEW',
      `The database was upgraded by a newer StoreMAS (unknown migration ${unknown.join(', ')}). ` +
        'Install that version or newer, or restore a backup made with this version. Nothing was changed.',
    );
  }
}

export async function migrateToLatest(db: Knex, list: readonly Migration[] = migrations): Promise<MigrationReport> {
  await assertSchemaNotNewer(db, list);
  const [, applied] = (await db.migrate.latest({
    migrationSource: new ListMigrationSource(list),
    tableName: TABLE,
  })) as [number, string[]];
  return { applied, current: list.at(-1)?.name };
}

export async function pendingMigrations(db: Knex, list: readonly Migration[] = migrations): Promise<string[]> {
  await assertSchemaNotNewer(db, list);
  if (!(await db.schema.hasTable(TABLE))) return list.map((m) => m.name);
  const done = new Set((await db(TABLE).select('name')).map((r: { name: string }) => r.name));
  return list.map((m) => m.name).filter((name) => !done.has(name));
}
