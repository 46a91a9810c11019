import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { SurveyError } from '../../surveys/errors.js';
import type { SurveyAudience } from '../../surveys/surveys.js';
import { IdParams, Ok, standardErrors } from '../schemas/common.js';
import {
  CrossTabQuery,
  CrossTabResponse,
  ExportQuery,
  IncentiveBody,
  InviteBody,
  InviteResponse,
  RespondentsQuery,
  RespondentsResponse,
  StatisticsQuery,
  StatisticsResponse,
  SurveyBody,
  SurveyListQuery,
  SurveyPage,
  SurveyPreviewResponse,
  SurveySchema,
  TextAnswersQuery,
  TextAnswersResponse,
} from '../schemas/surveys.js';
import { actorOf } from '../request-context.js';
import type { RoutePluginOptions } from '../server.js';

const err = { $ref: 'ErrorBody' } as const;
const tags = ['surveys'];

/** 问卷调查: surveys, their invitations, statistics, free-text answers, respondents and the XLSX export. */
export const surveyRoutes: FastifyPluginAsyncTypebox<RoutePluginOptions> = async (app, { services }) => {
  const { surveys } = services;

  app.get(
    '/',
    { config: { permission: 'surveys.read' }, schema: { tags, summary: 'Surveys, newest first, with their session counts', querystring: SurveyListQuery, response: { 200: SurveyPage, ...standardErrors } } },
    async (request) => {
      const { state, q, page = 1, pageSize = 50 } = request.query;
      return surveys.list({ state, q, page, pageSize });
    },
  );

  app.post(
    '/',
    { config: { permission: 'surveys.manage' }, schema: { tags, summary: 'Create a draft survey', body: SurveyBody, response: { 200: SurveySchema, ...standardErrors } } },
    async (request) => surveys.create(actorOf(request), request.body),
  );

  app.post(
    '/preview',
    {
      config: { permission: 'surveys.read' },
      schema: { tags, summary: 'The invitation and each question as the customer will read them', body: SurveyBody, response: { 200: SurveyPreviewResponse, ...standardErrors } },
    },
    async (request) => surveys.previewTexts(request.body),
  );

  app.get(
    '/:id',
    { config: { permission: 'surveys.read' }, schema: { tags, summary: 'One survey with its questions', params: IdParams, response: { 200: SurveySchema, 404: err, ...standardErrors } } },
    async (request) => surveys.get(request.params.id),
  );

  app.put(
    '/:id',
    {
      config: { permission: 'surveys.manage' },
      schema: { tags, summary: 'Change a survey (questions only while it is a draft)', params: IdParams, body: SurveyBody, response: { 200: SurveySchema, 404: err, 409: err, ...standardErrors } },
    },
    async (request) => surveys.update(actorOf(request), request.params.id, request.body),
  );

  app.delete(
    '/:id',
    {
      config: { permission: 'surveys.manage' },
      schema: { tags, summary: 'Delete a survey nobody answered yet', params: IdParams, response: { 200: Ok, 404: err, 409: err, ...standardErrors } },
    },
    async (request) => {
      await surveys.remove(actorOf(request), request.params.id);
      return { ok: true as const };
    },
  );

  app.post(
    '/:id/duplicate',
    { config: { permission: 'surveys.manage' }, schema: { tags, summary: 'Copy a survey as a new draft', params: IdParams, response: { 200: SurveySchema, 404: err, ...standardErrors } } },
    async (request) => surveys.duplicate(actorOf(request), request.params.id),
  );

  app.post(
    '/:id/close',
    {
      config: { permission: 'surveys.manage' },
      schema: { tags, summary: 'Close a survey: open sessions end, later answers are not recorded', params: IdParams, response: { 200: SurveySchema, 404: err, ...standardErrors } },
    },
    async (request) => surveys.close(actorOf(request), request.params.id),
  );

  app.post(
    '/:id/invite',
    {
      // Inviting texts customers: a commercial (care) send, so consent, opt-out and the blacklist apply.
      config: { permission: 'surveys.manage' },
      schema: {
        tags,
        summary: 'Invite an audience (member filter or chosen members); dryRun counts and shows samples',
        params: IdParams,
        body: InviteBody,
        response: { 200: InviteResponse, 404: err, 409: err, ...standardErrors },
      },
    },
    async (request) => {
      const { filter, memberIds, dryRun, notBefore } = request.body;
      if ((filter === undefined) === (memberIds === undefined)) {
        throw new SurveyError('SURVEY_NO_AUDIENCE', 'Choose who to invite: a member filter or a list of members (one of the two).', 400);
      }
      const audience: SurveyAudience = filter !== undefined ? { filter } : { memberIds: memberIds! };
      return surveys.inviteToSurvey(request.params.id, audience, actorOf(request), { dryRun: dryRun ?? false, notBefore: notBefore ?? null });
    },
  );

  app.get(
    '/:id/statistics',
    {
      config: { permission: 'surveys.read' },
      schema: { tags, summary: 'Response rate, completion, per-question distribution, mean rating and NPS', params: IdParams, querystring: StatisticsQuery, response: { 200: StatisticsResponse, 404: err, ...standardErrors } },
    },
    async (request) => {
      await surveys.get(request.params.id);
      return surveys.statistics(request.params.id, request.query);
    },
  );

  app.get(
    '/:id/cross-tab',
    {
      config: { permission: 'surveys.read' },
      schema: { tags, summary: 'The statistics per store, gender, age band or member level', params: IdParams, querystring: CrossTabQuery, response: { 200: CrossTabResponse, 404: err, ...standardErrors } },
    },
    async (request) => {
      await surveys.get(request.params.id);
      return surveys.crossTab(request.params.id, request.query.dimension, { storeCode: request.query.storeCode });
    },
  );

  app.get(
    '/:id/text-answers',
    {
      config: { permission: 'surveys.read' },
      schema: { tags, summary: 'Free-text answers, newest first, searchable', params: IdParams, querystring: TextAnswersQuery, response: { 200: TextAnswersResponse, 404: err, ...standardErrors } },
    },
    async (request) => {
      const { page = 1, pageSize = 20, ...rest } = request.query;
      await surveys.get(request.params.id);
      return surveys.textAnswers(request.params.id, { ...rest, page, pageSize });
    },
  );

  app.get(
    '/:id/respondents',
    {
      config: { permission: 'surveys.read' },
      schema: { tags, summary: 'Who was invited, how far they got, their answers and the incentive', params: IdParams, querystring: RespondentsQuery, response: { 200: RespondentsResponse, 404: err, ...standardErrors } },
    },
    async (request) => {
      const { page = 1, pageSize = 50, incentiveOnly, storeCode } = request.query;
      await surveys.get(request.params.id);
      return surveys.respondents(request.params.id, { incentiveOnly: incentiveOnly ?? false, storeCode, page, pageSize });
    },
  );

  app.post(
    '/:id/incentives',
    {
      config: { permission: 'surveys.manage' },
      schema: { tags, summary: 'Record that the promised incentive was given (at the till)', params: IdParams, body: IncentiveBody, response: { 200: Type.Object({ marked: Type.Integer() }), 404: err, ...standardErrors } },
    },
    async (request) => surveys.markIncentivesGiven(actorOf(request), request.params.id, request.body.sessionIds),
  );

  app.get(
    '/:id/export',
    {
      // The respondents' numbers and answers leave the appliance: audited, for those who manage surveys.
      config: { permission: 'surveys.manage' },
      schema: {
        tags,
        summary: 'The whole result as XLSX (overview, questions, cross-tabs, respondents, free text)',
        params: IdParams,
        querystring: ExportQuery,
        response: { 200: Type.Unsafe<Buffer>({ type: 'string', format: 'binary' }), 404: err, ...standardErrors },
      },
    },
    async (request, reply) => {
      const { survey, content } = await surveys.exportWorkbook(actorOf(request), request.params.id, { language: request.query.language ?? 'zh-CN', storeCode: request.query.storeCode });
      const name = `survey-${survey.id}.xlsx`;
      return reply
        .header('content-type', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
        .header('content-disposition', `attachment; filename="${name}"; filename*=UTF-8''${encodeURIComponent(`${survey.title}.xlsx`)}`)
        .send(content);
    },
  );
};
