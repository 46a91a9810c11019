import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { IdParams, standardErrors } from '../schemas/common.js';
import {
  CheckMailCertificateBody,
  MailDetailSchema,
  MailQueuePage,
  MailQueueQuery,
  MailSettingsSchema,
  MailStatusSchema,
  ServerCertificateReportSchema,
  TestMailBody,
  TestMailResponse,
  UpdateMailSettingsBody,
} from '../schemas/mail.js';
import { actorOf } from '../request-context.js';
import type { RoutePluginOptions } from '../server.js';

const notFound = { 404: Type.Ref('ErrorBody') };

/** E-mail (邮件): SMTP settings and recipients, the test mail, the queue with its failures. */
export const mailRoutes: FastifyPluginAsyncTypebox<RoutePluginOptions> = async (app, { services }) => {
  const { mail } = services;

  app.get(
    '/settings',
    {
      config: { permission: 'settings.read' },
      schema: { tags: ['mail'], summary: 'The SMTP server and the recipients per purpose (the password is never shown)', response: { 200: MailSettingsSchema, ...standardErrors } },
    },
    async () => mail.settingsView(),
  );

  app.put(
    '/settings',
    {
      config: { permission: 'mail.manage' },
      schema: {
        tags: ['mail'],
        summary: 'Change any part of the mail settings (the password is sealed; a new host forgets the trusted certificate)',
        body: UpdateMailSettingsBody,
        response: { 200: MailSettingsSchema, ...standardErrors },
      },
    },
    async (request) => mail.updateSettings(actorOf(request), request.body),
  );

  app.post(
    '/test',
    {
      config: { permission: 'mail.manage' },
      schema: {
        tags: ['mail'],
        summary: '发送测试邮件: one mail now through the saved settings; the error, if any, says what to fix',
        body: TestMailBody,
        response: { 200: TestMailResponse, 502: Type.Ref('ErrorBody'), ...standardErrors },
      },
    },
    async (request) => mail.sendTest(actorOf(request), request.body.to),
  );

  app.post(
    '/certificate',
    {
      config: { permission: 'mail.manage' },
      schema: {
        tags: ['mail'],
        summary: '检查证书: the certificate chain the mail server presents (nothing is sent but EHLO and STARTTLS)',
        body: CheckMailCertificateBody,
        response: { 200: ServerCertificateReportSchema, 502: Type.Ref('ErrorBody'), ...standardErrors },
      },
    },
    async (request) => mail.checkCertificate(request.body),
  );

  app.get(
    '/status',
    {
      config: { permission: 'dashboard.read' },
      schema: { tags: ['mail'], summary: 'Queued, failing and failed mails and the last error (the dashboard alert)', response: { 200: MailStatusSchema, ...standardErrors } },
    },
    async () => mail.status(),
  );

  app.get(
    '/queue',
    {
      config: { permission: 'settings.read' },
      schema: { tags: ['mail'], summary: 'Mails, newest first, with attempts and the last error', querystring: MailQueueQuery, response: { 200: MailQueuePage, ...standardErrors } },
    },
    async (request) => {
      const { page = 1, pageSize = 50, ...filters } = request.query;
      return mail.list({ ...filters, page, pageSize });
    },
  );

  app.get(
    '/queue/:id',
    {
      config: { permission: 'mail.manage' },
      schema: { tags: ['mail'], summary: 'One mail with its body', params: IdParams, response: { 200: MailDetailSchema, ...notFound, ...standardErrors } },
    },
    async (request) => mail.get(request.params.id),
  );

  app.post(
    '/queue/:id/retry',
    {
      config: { permission: 'mail.manage' },
      schema: { tags: ['mail'], summary: 'Send a failed mail again now', params: IdParams, response: { 200: Type.Object({ retried: Type.Integer() }), ...notFound, 409: Type.Ref('ErrorBody'), ...standardErrors } },
    },
    async (request) => mail.retryFailed(actorOf(request), request.params.id),
  );

  app.post(
    '/queue/retry-failed',
    {
      config: { permission: 'mail.manage' },
      schema: { tags: ['mail'], summary: 'Send every failed mail again now (after the server or the settings were fixed)', response: { 200: Type.Object({ retried: Type.Integer() }), ...standardErrors } },
    },
    async (request) => mail.retryFailed(actorOf(request), 'all'),
  );
};
