import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { NotFoundError } from '../../errors.js';
import { readMemberPointsExpiry } from '../../members/points-expiry.js';
import { localDate, startOfLocalDate } from '../../messaging/policy/local-time.js';
import { SAMPLE_MEMBER, preview, renderOptionsFrom, type RenderMember } from '../../messaging/render/render.js';
import type { ApplianceServices } from '../../services.js';
import {
  CreateTemplateBody,
  PreviewBody,
  PreviewResponse,
  type SampleMemberDto,
  TemplatePage,
  TemplateQuerySchema,
  TemplateSchema,
  UpdateTemplateBody,
} from '../schemas/templates.js';
import { IdParams, standardErrors } from '../schemas/common.js';
import { actorOf } from '../request-context.js';
import type { RoutePluginOptions } from '../server.js';

const err = { $ref: 'ErrorBody' } as const;

/** A member as the preview shows them: name, gender, points, their store's name, card, birthday. */
async function memberForPreview(services: ApplianceServices, id: number): Promise<RenderMember> {
  const row: { name: string; gender: string; points: number; card_no: string | null; birthday: string | null; store_name: string | null } | undefined =
    await services.db('members')
      .leftJoin('stores', 'stores.code', 'members.store_code')
      .where('members.id', id)
      .whereNull('members.deleted_at')
      .first('members.name', 'members.gender', 'members.points', 'members.card_no', 'members.birthday', { store_name: 'stores.name' });
  if (!row) throw new NotFoundError(`Member ${id}`);
  const { timeZone } = await services.settings.get('policy');
  const expiry = await readMemberPointsExpiry(services.db, await services.settings.get('pointsExpiry'), id, localDate(timeZone, services.clock.now()), (day) => startOfLocalDate(timeZone, day));
  return {
    name: row.name,
    gender: row.gender,
    points: Number(row.points),
    cardNo: row.card_no,
    birthday: row.birthday,
    storeName: row.store_name,
    expiringPoints: expiry?.points ?? null,
    pointsExpireOn: expiry?.date ?? null,
  };
}

export const templateRoutes: FastifyPluginAsyncTypebox<RoutePluginOptions> = async (app, { services }) => {
  const { templates } = services;

  // Reading is open to every signed-in user: operators pick templates on the Send page.
  app.get(
    '/',
    {
      schema: {
        tags: ['templates'],
        summary: 'Search the template library (营销库)',
        querystring: TemplateQuerySchema,
        response: { 200: TemplatePage, ...standardErrors },
      },
    },
    async (request) => {
      const { q, category, archived, page = 1, pageSize = 50 } = request.query;
      return templates.search({ q, category, archived, page, pageSize });
    },
  );

  app.get(
    '/:id',
    {
      schema: { tags: ['templates'], summary: 'One template', params: IdParams, response: { 200: TemplateSchema, 404: err, ...standardErrors } },
    },
    async (request) => templates.get(request.params.id),
  );

  app.post(
    '/',
    {
      config: { permission: 'templates.manage' },
      schema: {
        tags: ['templates'],
        summary: 'Create a template (unknown placeholders are refused)',
        body: CreateTemplateBody,
        response: { 201: TemplateSchema, ...standardErrors },
      },
    },
    async (request, reply) => reply.status(201).send(await templates.create(actorOf(request), request.body)),
  );

  app.patch(
    '/:id',
    {
      config: { permission: 'templates.manage' },
      schema: {
        tags: ['templates'],
        summary: 'Edit, archive (archived: true) or restore a template',
        params: IdParams,
        body: UpdateTemplateBody,
        response: { 200: TemplateSchema, 404: err, ...standardErrors },
      },
    },
    async (request) => templates.update(actorOf(request), request.params.id, request.body),
  );

  app.post(
    '/preview',
    {
      config: { permission: 'messages.send' },
      schema: {
        tags: ['templates'],
        summary: 'The exact text, characters and SMS parts for a sample member (or a real one)',
        body: PreviewBody,
        response: { 200: PreviewResponse, 404: err, ...standardErrors },
      },
    },
    async (request) => {
      const { body, messageCategory, memberId, sample } = request.body;
      const member: RenderMember = memberId ? await memberForPreview(services, memberId) : { ...SAMPLE_MEMBER, ...sample };
      const settings = await services.settings.all();
      const result = preview(body, member, renderOptionsFrom(settings, settings.policy, messageCategory));
      // Gender is checked by the renderer; the sample echoes what the preview used.
      return { ...result, sample: member as SampleMemberDto };
    },
  );
};
