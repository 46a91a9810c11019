import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assertIdentifier, assertSingleSelect } from './sql-guard.js';

const refused = (sql: string) => expect(() => assertSingleSelect(sql), sql).toThrow(expect.objectContaining({ code: 'SQL_NOT_READ_ONLY' }));

describe('the read-only guard', () => {
  it('accepts single SELECTs, WITH … SELECT, joins, literals that look like SQL, and one trailing semicolon', () => {
    expect(assertSingleSelect('SELECT * FROM t_member')).toBe('SELECT * FROM t_member');
    expect(assertSingleSelect('  select a, b from t where x = 1;  ')).toBe('select a, b from t where x = 1');
    expect(assertSingleSelect('WITH s AS (SELECT * FROM t_sale_master) SELECT * FROM s')).toContain('WITH');
    expect(assertSingleSelect("SELECT 'DROP TABLE x; DELETE FROM y' AS note, \"update\" FROM t")).toContain('note');
    expect(assertSingleSelect('SELECT `insert` FROM `t` -- trailing comment')).toBe('SELECT `insert` FROM `t`');
    expect(assertSingleSelect('SELECT a FROM t; -- done')).toBe('SELECT a FROM t');
    expect(assertSingleSelect('SELECT REPLACE(name, \'a\', \'b\') FROM t /* plain comment */')).toContain('REPLACE');
    expect(assertSingleSelect('(SELECT 1) UNION ALL (SELECT 2)')).toContain('UNION');
    expect(assertSingleSelect("SELECT 'it''s' , 'back\\'slash' FROM t")).toContain('it');
  });

  it('refuses writes, DDL, several statements, locking, procedures and side-effect functions', () => {
    for (const sql of [
      '',
      'DELETE FROM t_member',
      'UPDATE t_member SET vip_name = 1',
      'INSERT INTO t VALUES (1)',
      'SELECT 1; DROP TABLE t_member',
      'SELECT 1;DELETE FROM t',
      'SELECT * INTO new_table FROM t_member',
      'SELECT * FROM t INTO OUTFILE \'/tmp/x\'',
      'SELECT * FROM t_member FOR UPDATE',
      'SELECT * FROM t_member FOR SHARE',
      'SELECT * FROM t LOCK IN SHARE MODE',
      'WITH d AS (DELETE FROM t_member RETURNING *) SELECT * FROM d',
      'WITH u AS (UPDATE t SET a = 1 RETURNING a) SELECT * FROM u',
      'SELECT 1 /*! ; DROP TABLE t */',
      'SELECT 1 /*!50000 UNION SELECT * FROM mysql.user */',
      'SELECT 1 # ; DROP TABLE t',
      'SELECT 1 /* unterminated',
      "SELECT 'unterminated",
      'CALL refresh_points()',
      'EXEC sp_who',
      'TRUNCATE t_member',
      'SET GLOBAL read_only = 0',
      'PRAGMA writable_schema = 1',
      'ATTACH DATABASE \'x\' AS y',
      'SELECT nextval(\'s\')',
      'SELECT pg_sleep(10)',
      'SELECT SLEEP(10)',
      'SELECT BENCHMARK(1000000, MD5(1))',
      'SELECT lo_import(\'/etc/passwd\')',
      'SELECT pg_terminate_backend(1)',
      'SELECT * FROM dblink(\'x\', \'DELETE FROM t\') AS t(a int)',
      'SELECT $$x$$; DELETE FROM t',
      'COPY t TO \'/tmp/x\'',
      'BEGIN; SELECT 1',
      'SELECT * FROM t; COMMIT',
      'GRANT ALL ON t TO public',
    ]) {
      refused(sql);
    }
  });

  it('never lets a statement with a writing keyword outside quotes through (property)', () => {
    const words = ['SELECT', 'a', 'FROM', 't', 'WHERE', '1', '=', ',', '(', ')', "'x'", '"c"', ';', '--', '/*', '*/', 'DELETE', 'UPDATE', 'INSERT', 'DROP', 'INTO', '\n'];
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...words), { minLength: 1, maxLength: 14 }), (tokens) => {
        const sql = tokens.join(' ');
        let accepted: string | undefined;
        try {
          accepted = assertSingleSelect(sql);
        } catch {
          return;
        }
        // What is sent on has no comment left to swallow the SQL wrapped around it…
        expect(accepted).not.toMatch(/--|\/\*/);
        // …and no ';' or writing keyword outside literals.
        const bare = accepted.replace(/'[^']*'/g, '').replace(/"[^"]*"/g, '').replace(/--[^\n]*/g, '').replace(/\/\*[\s\S]*?\*\//g, '');
        expect(bare).not.toMatch(/;|\bDELETE\b|\bUPDATE\b|\bINSERT\b|\bDROP\b|\bINTO\b/i);
      }),
      { numRuns: 3000 },
    );
  });

  it('checks table and column names given as text', () => {
    expect(assertIdentifier('t_member', 'table')).toBe('t_member');
    expect(assertIdentifier('dbo.t_member', 'table')).toBe('dbo.t_member');
    expect(assertIdentifier('会员表', 'table')).toBe('会员表');
    for (const bad of ['t; drop', 't--', 'a b', '"t"', 'a.b.c', '']) {
      expect(() => assertIdentifier(bad, 'table')).toThrow(expect.objectContaining({ code: 'MAPPING_INVALID' }));
    }
  });
});
