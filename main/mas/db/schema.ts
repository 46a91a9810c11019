/**
 * The MAS tables in the MySQL/MariaDB database, as the public MAS clients
 * use them. Every api_mt column but MOBILES and CONTENT has a default,
 * because real clients insert only (MOBILES, CONTENT), (mobiles, content,
 * is_wap), (SM_ID, SRC_ID, MOBILES, CONTENT) or all fifteen. CONTENT is TEXT:
 * the stock client sends up to 2,000 Chinese characters as 4,000 latin1
 * characters. MO_TIME and RPT_TIME are 'yyyy-MM-dd HH:mm:ss' strings in the
 * store's time zone, exactly what clients' getString expects. Tables are
 * utf8mb4 (see encoding.ts for how each client's text is read and written).
 *
 * storemas_written is StoreMAS's own: the api_mo/api_rpt rows it wrote, in the
 * same transaction as each row, so a write repeated after a crash is skipped.
 */

/** An interface code (接口编码) as clients put it in table names: letters, digits, underscore. */
export const CODE_PATTERN = /^[A-Za-z0-9_]{1,20}$/;
/** A MySQL database name StoreMAS accepts (it is quoted, but kept plain for integrators). */
export const DATABASE_PATTERN = /^[A-Za-z0-9_$]{1,64}$/;

export const mtTable = (code: string) => `api_mt_${code}`;
export const moTable = (code: string) => `api_mo_${code}`;
export const rptTable = (code: string) => `api_rpt_${code}`;
/** The per-code login StoreMAS creates for the integrator's software. */
export const loginUser = (code: string) => `mas_${code}`;

export const quote = (identifier: string) => `\`${identifier.replace(/`/g, '``')}\``;

const OPTIONS = 'ENGINE=InnoDB DEFAULT CHARSET=utf8mb4';

/** CREATE TABLE IF NOT EXISTS for one code's three tables. */
export function codeTablesDdl(code: string): string[] {
  return [
    `CREATE TABLE IF NOT EXISTS ${quote(mtTable(code))} (
  AUTO_SN BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  SM_ID BIGINT NOT NULL DEFAULT 0,
  SRC_ID BIGINT NOT NULL DEFAULT 0,
  MOBILES MEDIUMTEXT NOT NULL,
  CONTENT TEXT NOT NULL,
  IS_WAP TINYINT NOT NULL DEFAULT 0,
  URL VARCHAR(255) NOT NULL DEFAULT '',
  SEND_TIME DATETIME NULL DEFAULT NULL,
  SM_TYPE TINYINT NOT NULL DEFAULT 0,
  MSG_FMT INT NOT NULL DEFAULT 0,
  TP_PID INT NOT NULL DEFAULT 0,
  TP_UDHI INT NOT NULL DEFAULT 0,
  FEE_TERMINAL_ID VARCHAR(32) NOT NULL DEFAULT '',
  FEE_TYPE VARCHAR(10) NOT NULL DEFAULT '',
  FEE_CODE VARCHAR(10) NOT NULL DEFAULT '',
  FEE_USER_TYPE INT NOT NULL DEFAULT 0,
  PRIMARY KEY (AUTO_SN)
) ${OPTIONS} COMMENT='StoreMAS: send queue (MAS database interface)'`,
    `CREATE TABLE IF NOT EXISTS ${quote(moTable(code))} (
  AUTO_SN BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  SM_ID BIGINT NOT NULL DEFAULT 0,
  MOBILE VARCHAR(32) NOT NULL,
  CONTENT TEXT NOT NULL,
  MO_TIME VARCHAR(19) NOT NULL,
  MSG_FMT INT NOT NULL DEFAULT 0,
  PRIMARY KEY (AUTO_SN),
  KEY SM_ID (SM_ID)
) ${OPTIONS} COMMENT='StoreMAS: replies (MAS database interface)'`,
    `CREATE TABLE IF NOT EXISTS ${quote(rptTable(code))} (
  AUTO_SN BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  SM_ID BIGINT NOT NULL DEFAULT 0,
  MOBILE VARCHAR(32) NOT NULL,
  RPT_CODE INT NOT NULL,
  RPT_DESC VARCHAR(100) NOT NULL DEFAULT '',
  RPT_TIME VARCHAR(19) NOT NULL,
  PRIMARY KEY (AUTO_SN),
  KEY SM_ID (SM_ID)
) ${OPTIONS} COMMENT='StoreMAS: status reports (MAS database interface)'`,
  ];
}

/** Tables shared by every code. */
export const SHARED_TABLES_DDL: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS tbl_api_info (
  if_code VARCHAR(20) NOT NULL,
  if_name VARCHAR(100) NOT NULL DEFAULT '',
  if_status INT NOT NULL DEFAULT 1,
  conn_succ_status INT NOT NULL DEFAULT 0,
  updated_at DATETIME NULL,
  PRIMARY KEY (if_code)
) ${OPTIONS} COMMENT='StoreMAS: interface status (1 running, 2 paused; conn_succ_status 1 while a modem is ready)'`,
  `CREATE TABLE IF NOT EXISTS storemas_written (
  kind VARCHAR(8) NOT NULL,
  ref BIGINT NOT NULL,
  code VARCHAR(20) NOT NULL,
  written_at BIGINT NOT NULL,
  PRIMARY KEY (kind, ref),
  KEY written_at (written_at)
) ${OPTIONS} COMMENT='StoreMAS: api_mo/api_rpt rows already written (never twice after a crash)'`,
];

/** The grants of a code's login: send, read and delete its replies and reports, read the status. */
export function loginGrants(database: string, code: string, user: string): string[] {
  const who = `'${user.replace(/'/g, "''")}'@'%'`;
  const db = quote(database);
  return [
    `GRANT SELECT, INSERT, UPDATE, DELETE ON ${db}.${quote(mtTable(code))} TO ${who}`,
    `GRANT SELECT, INSERT, UPDATE, DELETE ON ${db}.${quote(moTable(code))} TO ${who}`,
    `GRANT SELECT, INSERT, UPDATE, DELETE ON ${db}.${quote(rptTable(code))} TO ${who}`,
    `GRANT SELECT ON ${db}.tbl_api_info TO ${who}`,
  ];
}

/**
 * Everything a database administrator runs by hand when StoreMAS's own user
 * may not create tables or users: the database, the tables, the code's row in
 * tbl_api_info and its login (the password left for them to choose).
 */
export function setupSql(database: string, code: string): string {
  const user = loginUser(code);
  return [
    `CREATE DATABASE IF NOT EXISTS ${quote(database)} CHARACTER SET utf8mb4`,
    `USE ${quote(database)}`,
    ...SHARED_TABLES_DDL,
    ...codeTablesDdl(code),
    `INSERT IGNORE INTO tbl_api_info (if_code, if_status, conn_succ_status) VALUES ('${code}', 1, 0)`,
    `CREATE USER IF NOT EXISTS '${user}'@'%' IDENTIFIED BY '<choose a password>'`,
    ...loginGrants(database, code, user),
  ]
    .map((statement) => `${statement};`)
    .join('\n\n');
}
