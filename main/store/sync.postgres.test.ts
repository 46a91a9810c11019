import { describe } from 'vitest';
import { startPostgres } from '../../tests/support/dbservers.js';
import { defineServerSuite } from './server-suite.test-helper.js';

describe('store sync from PostgreSQL (a real server on 127.0.0.1)', () => {
  defineServerSuite('pg', startPostgres);
});
