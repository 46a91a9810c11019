import type { Knex } from 'knex';

/**
 * POS connections' encryption becomes one explicit setting, tls: { mode }
 * (main/store/tls.ts), replacing `ssl` and SQL Server's
 * `trustServerCertificate`. A connection that encrypted before now verifies
 * the server's certificate: PostgreSQL ones used to accept any certificate,
 * and "trust the server certificate" is no longer offered — such a server
 * is refused with SOURCE_TLS_UNTRUSTED until an administrator checks its
 * certificate and trusts it in the connection dialog. One that did not
 * encrypt keeps working unencrypted (mode off), as it did.
 * SQL Server encrypted unless told not to; MySQL and PostgreSQL only when told to.
 */
interface Row {
  id: number;
  client: string;
  settings: string;
}

export async function up(knex: Knex): Promise<void> {
  const rows = (await knex('store_connections').whereIn('client', ['mysql', 'pg', 'mssql']).select('id', 'client', 'settings')) as Row[];
  for (const row of rows) {
    const { ssl, trustServerCertificate: _dropped, ...rest } = JSON.parse(row.settings) as Record<string, unknown>;
    const encrypted = row.client === 'mssql' ? ssl !== false : ssl === true;
    await knex('store_connections')
      .where('id', row.id)
      .update({ settings: JSON.stringify({ ...rest, tls: { mode: encrypted ? 'verify' : 'off' } }) });
  }
}

export async function down(knex: Knex): Promise<void> {
  const rows = (await knex('store_connections').whereIn('client', ['mysql', 'pg', 'mssql']).select('id', 'client', 'settings')) as Row[];
  for (const row of rows) {
    const { tls, ...rest } = JSON.parse(row.settings) as { tls?: { mode?: string } } & Record<string, unknown>;
    await knex('store_connections')
      .where('id', row.id)
      .update({ settings: JSON.stringify({ ...rest, ssl: tls?.mode !== 'off' }) });
  }
}
