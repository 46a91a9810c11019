import type { Knex } from 'knex';

/**
 * Campaigns (活动) and saved audiences (分群).
 *
 * segments: a MemberFilter saved under a name; its count is always computed live.
 *
 * campaigns: what a manager set up — audience (segment, ad-hoc filter,
 * uploaded list or tag), text, category, modem, schedule (now, at, or a
 * cron rule read in the policy time zone), send window, hold-out share — and
 * its state (draft → pending approval → scheduled → running ⇄ paused →
 * completed / cancelled). `next_run_at` is what the scheduler looks for.
 *
 * campaign_runs: one occurrence (a one-off campaign has one, a recurring one a
 * run per occurrence), each exactly one outbox batch. `cursor` is the last
 * member id (or list row) whose message is committed: a restarted appliance
 * goes on from there, and the idempotency key per (campaign, run, member)
 * makes the overlap harmless.
 *
 * campaign_holdouts: the members of a run's control group (they get nothing),
 * with the rule the policy would have blocked them by (consent, opt-out …):
 * the report compares the target members a message reached with the
 * hold-out members it could have reached. The target side is the outbox rows
 * of the run's batch (member id, sent time), not a second million-row table.
 *
 * campaign_list_numbers: an uploaded list, in upload order.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('segments', (t) => {
    t.increments('id').primary();
    t.string('name', 64).notNullable().unique('segments_name_unique');
    t.string('description', 200).notNullable().defaultTo('');
    t.text('filter').notNullable();
    t.bigInteger('created_at').notNullable();
    t.string('created_by', 64).notNullable().defaultTo('');
    t.bigInteger('updated_at').notNullable();
    t.string('updated_by', 64).notNullable().defaultTo('');
  });

  await knex.schema.createTable('campaigns', (t) => {
    t.increments('id').primary();
    t.string('name', 100).notNullable();
    t.string('state', 20).notNullable();
    t.string('audience_kind', 16).notNullable(); // segment | filter | list | tag
    t.integer('segment_id').nullable().references('id').inTable('segments');
    t.text('audience_filter').nullable();
    t.string('audience_tag', 32).nullable();
    t.integer('list_size').notNullable().defaultTo(0);
    t.integer('template_id').nullable();
    t.text('text').notNullable();
    t.string('category', 16).notNullable();
    t.string('modem_id', 64).nullable();
    t.string('schedule_kind', 12).notNullable(); // now | at | recurring
    t.bigInteger('schedule_at').nullable();
    t.string('schedule_rule', 100).nullable();
    t.bigInteger('schedule_until').nullable();
    t.string('window_start', 5).nullable();
    t.string('window_end', 5).nullable();
    t.integer('holdout_percent').notNullable().defaultTo(0);
    t.integer('effect_days').notNullable().defaultTo(7);
    t.bigInteger('next_run_at').nullable();
    t.integer('run_count').notNullable().defaultTo(0);
    t.string('created_by_role', 16).notNullable().defaultTo('');
    t.string('approved_by', 64).nullable();
    t.bigInteger('approved_at').nullable();
    t.string('state_reason', 200).nullable();
    t.bigInteger('state_changed_at').nullable();
    t.string('state_changed_by', 64).nullable();
    t.bigInteger('created_at').notNullable();
    t.string('created_by', 64).notNullable().defaultTo('');
    t.bigInteger('updated_at').notNullable();
    t.string('updated_by', 64).notNullable().defaultTo('');
    t.index(['state', 'next_run_at'], 'campaigns_due_index');
  });

  await knex.schema.createTable('campaign_runs', (t) => {
    t.increments('id').primary();
    t.integer('campaign_id').notNullable().references('id').inTable('campaigns');
    t.integer('run_number').notNullable();
    t.string('batch_id', 64).notNullable();
    // enqueuing: the audience is being queued; queued: every message is in the outbox; cancelled; failed
    t.string('state', 16).notNullable();
    t.bigInteger('scheduled_for').notNullable();
    t.bigInteger('started_at').notNullable();
    t.bigInteger('queued_at').nullable();
    t.bigInteger('finished_at').nullable();
    t.bigInteger('cursor').notNullable().defaultTo(0);
    t.integer('audience').notNullable().defaultTo(0);
    t.integer('holdout').notNullable().defaultTo(0);
    t.string('error_code', 40).nullable();
    t.text('error_message').nullable();
    t.unique(['campaign_id', 'run_number'], { indexName: 'campaign_runs_number_unique' });
    t.index(['state'], 'campaign_runs_state_index');
  });

  await knex.schema.createTable('campaign_holdouts', (t) => {
    t.integer('run_id').notNullable().references('id').inTable('campaign_runs');
    t.string('number', 24).notNullable();
    t.integer('member_id').nullable();
    t.string('blocked_rule', 24).nullable();
    t.bigInteger('created_at').notNullable();
    t.primary(['run_id', 'number']);
  });

  await knex.schema.createTable('campaign_list_numbers', (t) => {
    t.integer('campaign_id').notNullable().references('id').inTable('campaigns');
    t.integer('seq').notNullable();
    t.string('number', 24).notNullable();
    t.primary(['campaign_id', 'seq']);
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['campaign_list_numbers', 'campaign_holdouts', 'campaign_runs', 'campaigns', 'segments']) {
    await knex.schema.dropTableIfExists(table);
  }
}
