import type { SourceClient } from './connectors.js';

/**
 * The SQL an installer runs on the POS database server to create the user
 * StoreMAS signs in with: it may read (SELECT) and nothing else. StoreMAS also
 * refuses anything but a single SELECT itself and opens read-only sessions,
 * but the database user is the guarantee the POS vendor can check.
 * Shown in the 门店数据 page and in main/store/README.md.
 */
export function readOnlyUserSql(client: SourceClient, database = 'pos', user = 'storemas_reader'): string {
  switch (client) {
    case 'mysql':
      return [
        `-- MySQL / MariaDB: run as an administrator, then give StoreMAS this user and password.`,
        `CREATE USER '${user}'@'%' IDENTIFIED BY '<a long random password>';`,
        `GRANT SELECT ON \`${database}\`.* TO '${user}'@'%';`,
        `-- Nothing else: no INSERT, UPDATE, DELETE, no FILE, no PROCESS, no SUPER.`,
      ].join('\n');
    case 'pg':
      return [
        `-- PostgreSQL: run as an administrator in the POS database "${database}".`,
        `CREATE ROLE ${user} LOGIN PASSWORD '<a long random password>';`,
        `ALTER ROLE ${user} SET default_transaction_read_only = on;`,
        `GRANT CONNECT ON DATABASE "${database}" TO ${user};`,
        `GRANT USAGE ON SCHEMA public TO ${user};`,
        `GRANT SELECT ON ALL TABLES IN SCHEMA public TO ${user};`,
        `ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO ${user};`,
      ].join('\n');
    case 'mssql':
      return [
        `-- SQL Server: run as an administrator. db_datareader may only read.`,
        `CREATE LOGIN ${user} WITH PASSWORD = '<a long random password>', CHECK_POLICY = ON;`,
        `USE [${database}];`,
        `CREATE USER ${user} FOR LOGIN ${user};`,
        `ALTER ROLE db_datareader ADD MEMBER ${user};`,
        `DENY INSERT, UPDATE, DELETE, EXECUTE, ALTER TO ${user};`,
      ].join('\n');
    case 'sqlite':
      return [
        `-- SQLite has no users. StoreMAS opens the file read-only (SQLITE_OPEN_READONLY, query_only).`,
        `-- Give the account StoreMAS runs as read permission on the file and its folder only, e.g.:`,
        `--   chmod 640 pos.db && chgrp storemas pos.db`,
      ].join('\n');
  }
}
