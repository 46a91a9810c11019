import type { Knex } from 'knex';

/**
 * SMS surveys (问卷调查).
 *
 * surveys: an ordered list of questions, asked one at a time (`sequential`: the
 * next after a valid answer) or all in the invitation (`all-at-once`, short
 * surveys). draft → open (the first invitation locks the questions) → closed.
 *
 * survey_questions: one row per question, in `position` order; `kind` choice,
 * rating (scale 1-5 or 0-10), yes-no or text; `options` the choices' labels (JSON).
 *
 * survey_sessions: one per survey and number (unique): the respondent's place
 * in the survey, the question awaited, whether it was re-prompted, when the
 * session expires (each prompt restarts the window), how it ended (completed,
 * expired, opted-out, superseded by a newer survey, closed), and whether the
 * promised incentive was earned and given (the store honours it at the till;
 * StoreMAS never writes to the POS). The store is the member's at invitation.
 * The (number, state) index finds a number's open session on every inbound text.
 *
 * survey_answers: one per session and question; `value_number` (choice index,
 * rating, yes 1 / no 0), `value_text` (free text, the choice's label),
 * `raw_text` as typed. A question skipped after its re-prompt has `skipped`.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('surveys', (t) => {
    t.increments('id').primary();
    t.string('title', 100).notNullable();
    t.text('intro').notNullable();
    t.string('mode', 16).notNullable();
    t.integer('timeout_hours').notNullable();
    t.string('incentive', 100).notNullable().defaultTo('');
    t.string('thanks', 200).notNullable().defaultTo('');
    t.string('state', 12).notNullable();
    t.bigInteger('created_at').notNullable();
    t.string('created_by', 64).notNullable().defaultTo('');
    t.bigInteger('updated_at').notNullable();
    t.bigInteger('opened_at').nullable();
    t.bigInteger('closed_at').nullable();
    t.index(['state', 'updated_at'], 'surveys_state_index');
  });

  await knex.schema.createTable('survey_questions', (t) => {
    t.increments('id').primary();
    t.integer('survey_id').notNullable().references('id').inTable('surveys').onDelete('CASCADE');
    t.integer('position').notNullable();
    t.string('kind', 12).notNullable();
    t.string('text', 200).notNullable();
    t.text('options').nullable();
    t.string('scale', 8).nullable();
    t.unique(['survey_id', 'position'], { indexName: 'survey_questions_position_unique' });
  });

  await knex.schema.createTable('survey_sessions', (t) => {
    t.increments('id').primary();
    t.integer('survey_id').notNullable().references('id').inTable('surveys').onDelete('CASCADE');
    t.string('number', 24).notNullable();
    t.integer('member_id').nullable();
    t.string('store_code', 32).nullable();
    t.integer('invitation_message_id').nullable();
    t.string('batch_id', 64).nullable();
    t.string('state', 12).notNullable();
    t.integer('position').notNullable().defaultTo(0);
    t.boolean('reprompted').notNullable().defaultTo(false);
    t.bigInteger('invited_at').notNullable();
    t.bigInteger('started_at').nullable();
    t.bigInteger('last_activity_at').nullable();
    t.bigInteger('expires_at').notNullable();
    t.bigInteger('ended_at').nullable();
    t.integer('late_answers').notNullable().defaultTo(0);
    t.boolean('incentive_earned').notNullable().defaultTo(false);
    t.bigInteger('incentive_given_at').nullable();
    t.string('incentive_given_by', 64).nullable();
    t.unique(['survey_id', 'number'], { indexName: 'survey_sessions_survey_number_unique' });
    t.index(['number', 'state'], 'survey_sessions_number_index');
    t.index(['state', 'expires_at'], 'survey_sessions_expiry_index');
    t.index(['survey_id', 'state'], 'survey_sessions_survey_state_index');
  });

  await knex.schema.createTable('survey_answers', (t) => {
    t.increments('id').primary();
    t.integer('session_id').notNullable().references('id').inTable('survey_sessions').onDelete('CASCADE');
    t.integer('survey_id').notNullable();
    t.integer('question_id').notNullable();
    t.double('value_number').nullable();
    t.text('value_text').nullable();
    t.text('raw_text').nullable();
    t.boolean('skipped').notNullable().defaultTo(false);
    t.integer('inbox_id').nullable();
    t.bigInteger('answered_at').notNullable();
    t.unique(['session_id', 'question_id'], { indexName: 'survey_answers_session_question_unique' });
    t.index(['survey_id', 'question_id'], 'survey_answers_question_index');
    t.index(['survey_id', 'answered_at'], 'survey_answers_answered_index');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('survey_answers');
  await knex.schema.dropTable('survey_sessions');
  await knex.schema.dropTable('survey_questions');
  await knex.schema.dropTable('surveys');
}
