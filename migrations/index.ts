import type { Knex } from 'knex';
import * as foundation from './20261122_0100_foundation.js';
import * as modems from './20261122_0200_modems.js';
import * as members from './20261122_0300_members.js';
import * as storeMirror from './20261122_0310_store_mirror.js';
import * as listsTemplates from './20261122_0400_lists_templates.js';
import * as outboxInbox from './20261122_0410_outbox_inbox.js';
import * as memberSearchIndexes from './20261122_0420_member_search_indexes.js';
import * as integrations from './20261206_0900_integrations.js';

export interface Migration {
  name: string;
  up: (knex: Knex) => Promise<void>;
  down: (knex: Knex) => Promise<void>;
}

/**
 * Every migration, oldest first. Forward-only: once a migration has landed it is
 * never edited; a change is a new file appended here. Names sort by time.
 */
export const migrations: readonly Migration[] = [
  { name: '20261122_0100_foundation', ...foundation },
  { name: '20261122_0200_modems', ...modems },
  { name: '20261122_0300_members', ...members },
  { name: '20261122_0310_store_mirror', ...storeMirror },
  { name: '20261122_0400_lists_templates', ...listsTemplates },
  { name: '20261122_0410_outbox_inbox', ...outboxInbox },
  { name: '20261122_0420_member_search_indexes', ...memberSearchIndexes },
  { name: '20261206_0900_integrations', ...integrations },
];
