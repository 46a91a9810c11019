import { StoreError } from './errors.js';

/**
 * The read-only guard: StoreMAS sends a POS database nothing but one SELECT.
 * Every query text that reaches a store connection — the built-in presets and
 * mappings a person typed — passes through `assertSingleSelect` first.
 *
 * It is deliberately strict: literals and quoted identifiers are blanked out,
 * comments removed (MySQL's executable `/*! … *\/` comments are refused, as the
 * server would run them), and what remains must be one statement starting with
 * SELECT or WITH, containing no keyword that writes, locks, changes session
 * state or calls a procedure, and no function known to have side effects.
 * A refused query is refused before any connection is opened.
 */

const FORBIDDEN_KEYWORDS = [
  'INSERT', 'UPDATE', 'DELETE', 'MERGE', 'UPSERT', 'REPLACE INTO', 'INTO', 'CREATE', 'ALTER', 'DROP', 'TRUNCATE',
  'RENAME', 'GRANT', 'REVOKE', 'EXEC', 'EXECUTE', 'CALL', 'DO', 'SET', 'LOCK', 'UNLOCK', 'COPY', 'LOAD', 'HANDLER',
  'ATTACH', 'DETACH', 'PRAGMA', 'VACUUM', 'REINDEX', 'ANALYZE', 'OPTIMIZE', 'COMMIT', 'ROLLBACK', 'BEGIN', 'START',
  'SAVEPOINT', 'RELEASE', 'DECLARE', 'PREPARE', 'DEALLOCATE', 'LISTEN', 'NOTIFY', 'SHARE', 'NOWAIT', 'OUTFILE',
  'DUMPFILE', 'BULK', 'OPENROWSET', 'OPENQUERY', 'OPENDATASOURCE', 'SHUTDOWN', 'KILL', 'BACKUP', 'RESTORE', 'DBCC',
  'WAITFOR', 'USE', 'GO',
];

/** Functions that write, wait, read server files or reach other servers. */
const FORBIDDEN_FUNCTIONS = [
  'NEXTVAL', 'SETVAL', 'PG_SLEEP', 'PG_SLEEP_FOR', 'PG_SLEEP_UNTIL', 'SLEEP', 'BENCHMARK', 'LO_IMPORT', 'LO_EXPORT',
  'LO_UNLINK', 'PG_READ_FILE', 'PG_READ_BINARY_FILE', 'PG_LS_DIR', 'PG_TERMINATE_BACKEND', 'PG_CANCEL_BACKEND',
  'PG_RELOAD_CONF', 'PG_ADVISORY_LOCK', 'PG_ADVISORY_XACT_LOCK', 'GET_LOCK', 'RELEASE_LOCK', 'LOAD_FILE', 'DBLINK',
  'DBLINK_EXEC', 'XP_CMDSHELL', 'SP_EXECUTESQL', 'SET_CONFIG', 'TXID_CURRENT', 'LOAD_EXTENSION', 'WRITEFILE',
  'READFILE', 'EDIT',
];

const keywordPattern = new RegExp(`\\b(?:${FORBIDDEN_KEYWORDS.map((k) => k.replace(' ', '\\s+')).join('|')})\\b`, 'i');
const functionPattern = new RegExp(`\\b(${FORBIDDEN_FUNCTIONS.join('|')})\\s*\\(`, 'i');

function refuse(reason: string): never {
  throw new StoreError(
    'SQL_NOT_READ_ONLY',
    `StoreMAS only reads from the store database, so this query was refused before it reached the database: ${reason}. ` +
      'Write a single SELECT (a WITH … SELECT is fine) without semicolons, comments that hide code, or statements that change data.',
    400,
  );
}

/**
 * Blanks string literals and quoted identifiers (so keywords inside them are
 * harmless) and removes comments: `skeleton` is what the checks read. `text`
 * is the statement without its comments (literals kept) — what is sent, so a
 * trailing comment cannot swallow the SQL StoreMAS wraps around it.
 */
export function sqlSkeleton(sql: string): { skeleton: string; text: string } {
  let out = '';
  let text = '';
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const c = sql[i]!;
    const next = sql[i + 1];
    if (c === '-' && next === '-') {
      const end = sql.indexOf('\n', i);
      i = end === -1 ? n : end;
      out += ' ';
      text += ' ';
      continue;
    }
    if (c === '#') refuse('“#” comments are not accepted (MySQL treats the rest of the line as a comment)');
    if (c === '/' && next === '*') {
      if (sql[i + 2] === '!' || (sql[i + 2] === 'M' && sql[i + 3] === '!') || sql[i + 2] === '+') {
        refuse('executable /*! … */ comments and optimizer hints are not accepted');
      }
      const end = sql.indexOf('*/', i + 2);
      if (end === -1) refuse('a /* comment is never closed');
      i = end + 2;
      out += ' ';
      text += ' ';
      continue;
    }
    if (c === "'" || c === '"' || c === '`' || c === '[') {
      const close = c === '[' ? ']' : c;
      let j = i + 1;
      for (;;) {
        if (j >= n) refuse(`a ${c} quote is never closed`);
        const d = sql[j]!;
        // MySQL lets a backslash escape the quote inside '…' and "…".
        if (d === '\\' && c !== '`' && c !== '[') {
          j += 2;
          continue;
        }
        if (d === close) {
          if (sql[j + 1] === close) {
            j += 2;
            continue;
          }
          break;
        }
        j++;
      }
      out += c === "'" ? "''" : '"x"';
      text += sql.slice(i, j + 1);
      i = j + 1;
      continue;
    }
    if (c === '$') {
      // PostgreSQL dollar quoting: $tag$ … $tag$
      const tag = /^\$[A-Za-z_]*\$/.exec(sql.slice(i));
      if (tag) {
        const end = sql.indexOf(tag[0], i + tag[0].length);
        if (end === -1) refuse('a $$ quoted string is never closed');
        out += "''";
        text += sql.slice(i, end + tag[0].length);
        i = end + tag[0].length;
        continue;
      }
    }
    out += c;
    text += c;
    i++;
  }
  return { skeleton: out, text };
}

/** Returns the query without a trailing semicolon when it is one read-only SELECT; throws SQL_NOT_READ_ONLY otherwise. */
export function assertSingleSelect(sql: string): string {
  if (typeof sql !== 'string' || sql.trim() === '') refuse('the query is empty');
  const parts = sqlSkeleton(sql);
  let text = parts.text.trim();
  let body = parts.skeleton.trim();
  if (body.endsWith(';')) {
    body = body.slice(0, -1).trimEnd();
    text = text.replace(/;\s*$/, '').trimEnd();
  }
  if (body.includes(';')) refuse('it contains more than one statement (a “;” in the middle)');
  if (!/^(?:\(\s*)*(SELECT|WITH)\b/i.test(body)) refuse('it does not start with SELECT or WITH');
  const keyword = keywordPattern.exec(body);
  if (keyword) refuse(`it contains “${keyword[0].toUpperCase()}”, which is not allowed in a read-only query`);
  if (/\bFOR\s+(?:NO\s+KEY\s+)?(?:UPDATE|SHARE|KEY\s+SHARE)\b/i.test(body)) refuse('it locks rows (FOR UPDATE / FOR SHARE)');
  const fn = functionPattern.exec(body);
  if (fn) refuse(`it calls ${fn[1]!.toUpperCase()}(), which has side effects`);
  return text;
}

/** A table or column name given as text (table + columns mappings): letters, digits, _ and one optional schema dot. */
export function assertIdentifier(name: string, what: string): string {
  if (typeof name !== 'string' || !/^[\p{L}_][\p{L}\p{N}_$]*(?:\.[\p{L}_][\p{L}\p{N}_$]*)?$/u.test(name) || name.length > 128) {
    throw new StoreError(
      'MAPPING_INVALID',
      `The ${what} “${String(name)}” is not a plain name. Use letters, digits and _ (schema.table is fine), or write a SELECT instead.`,
      400,
    );
  }
  return name;
}
