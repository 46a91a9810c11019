import { describe } from 'vitest';
import { startMariaDb } from '../../tests/support/dbservers.js';
import { defineServerSuite } from './server-suite.test-helper.js';

describe('store sync from MariaDB (a real server on 127.0.0.1)', () => {
  defineServerSuite('mysql', startMariaDb);
});
