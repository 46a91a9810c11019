import { type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ValidationError } from '../../errors.js';
import { IdParams, standardErrors } from '../schemas/common.js';
import { CreateStaffBody, ImportStaffBody, StaffImportReportSchema, StaffPage, StaffQuery, StaffSchema, UpdateStaffBody } from '../schemas/staff.js';
import { actorOf } from '../request-context.js';
import type { RoutePluginOptions } from '../server.js';

const err = { $ref: 'ErrorBody' } as const;
const tags = ['staff'];

/** 员工: the staff directory the staff SMS services check (separate from the UI's users). */
export const staffRoutes: FastifyPluginAsyncTypebox<RoutePluginOptions> = async (app, { services }) => {
  const { staff } = services;

  app.get(
    '/',
    { config: { permission: 'services.read' }, schema: { tags, summary: 'Search the staff directory (active first)', querystring: StaffQuery, response: { 200: StaffPage, ...standardErrors } } },
    async (request) => {
      const { q, active, page = 1, pageSize = 50 } = request.query;
      return staff.list({ q, active, page, pageSize });
    },
  );

  app.post(
    '/',
    { config: { permission: 'staff.manage' }, schema: { tags, summary: 'Add a staff member', body: CreateStaffBody, response: { 201: StaffSchema, 409: err, ...standardErrors } } },
    async (request, reply) => reply.status(201).send(await staff.create(actorOf(request), request.body)),
  );

  app.patch(
    '/:id',
    { config: { permission: 'staff.manage' }, schema: { tags, summary: 'Change a staff member (a PIN of "" removes it)', params: IdParams, body: UpdateStaffBody, response: { 200: StaffSchema, 404: err, 409: err, ...standardErrors } } },
    async (request) => staff.update(actorOf(request), request.params.id, request.body),
  );

  app.post(
    '/:id/deactivate',
    { config: { permission: 'staff.manage' }, schema: { tags, summary: 'Deactivate (a lost phone, someone who left): effective at the next text', params: IdParams, response: { 200: StaffSchema, 404: err, ...standardErrors } } },
    async (request) => staff.setActive(actorOf(request), request.params.id, false),
  );

  app.post(
    '/:id/activate',
    { config: { permission: 'staff.manage' }, schema: { tags, summary: 'Activate again', params: IdParams, response: { 200: StaffSchema, 404: err, ...standardErrors } } },
    async (request) => staff.setActive(actorOf(request), request.params.id, true),
  );

  app.post(
    '/import',
    {
      config: { permission: 'staff.manage' },
      bodyLimit: 16 * 1024 * 1024,
      schema: { tags, summary: 'Import staff from XLSX/CSV: check it (dryRun), then keep the good rows or import nothing', body: ImportStaffBody, response: { 200: StaffImportReportSchema, ...standardErrors } },
    },
    async (request) => {
      const { fileName, contentBase64, mode, dryRun } = request.body;
      const content = Buffer.from(contentBase64, 'base64');
      if (content.length === 0) throw new ValidationError('The file is empty. Choose an XLSX or CSV file with the staff list.');
      return staff.importFile(actorOf(request), { name: fileName, content }, { mode, dryRun });
    },
  );
};
