import { Type, type Static } from 'typebox';
import { MAIL_PURPOSES, MAIL_SECURITY, MAX_RECIPIENTS_PER_PURPOSE } from '../../mail/settings.js';
import { MAIL_STATUSES } from '../../mail/mail.js';
import { PageQuery } from './common.js';
import { literalUnion } from './lists.js';
import { ServerCertificateReportSchema, TrustedCertificateSchema } from './store.js';

export const MailPurposeSchema = literalUnion(MAIL_PURPOSES, 'complaints: new complaints; feedback-digest: the daily feedback digest; survey-reports; modem-alerts; reports; test');
export const MailSecuritySchema = literalUnion(MAIL_SECURITY, 'starttls: upgrade with STARTTLS (587/25); tls: TLS from the start (465); none: no encryption');
export const MailQueueStatusSchema = literalUnion(MAIL_STATUSES);

const Addresses = Type.Array(Type.String({ maxLength: 254 }), { maxItems: MAX_RECIPIENTS_PER_PURPOSE });
const Recipients = Type.Object(Object.fromEntries(MAIL_PURPOSES.map((p) => [p, Addresses])) as Record<(typeof MAIL_PURPOSES)[number], typeof Addresses>);

const TrustedView = Type.Object({
  kind: literalUnion(['server', 'ca'] as const),
  pem: Type.String(),
  fingerprint256: Type.String(),
  subject: Type.String(),
  validTo: Type.Number(),
});

export const MailSettingsSchema = Type.Object({
  enabled: Type.Boolean(),
  host: Type.String(),
  port: Type.Integer(),
  security: MailSecuritySchema,
  username: Type.String(),
  passwordSet: Type.Boolean({ description: 'A password is stored (sealed); it is never shown' }),
  allowPlainLogin: Type.Boolean({ description: 'Log in even without encryption (security none): the password crosses the network in clear' }),
  fromAddress: Type.String(),
  fromName: Type.String(),
  trusted: Type.Union([TrustedView, Type.Null()]),
  recipients: Recipients,
});
export type MailSettingsDto = Static<typeof MailSettingsSchema>;

export const UpdateMailSettingsBody = Type.Object(
  {
    enabled: Type.Optional(Type.Boolean()),
    host: Type.Optional(Type.String({ maxLength: 253 })),
    port: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535 })),
    security: Type.Optional(MailSecuritySchema),
    username: Type.Optional(Type.String({ maxLength: 254 })),
    password: Type.Optional(Type.String({ maxLength: 256, description: 'Omitted: keep the stored one; empty: remove it' })),
    allowPlainLogin: Type.Optional(Type.Boolean({ description: 'Required (true) to save a user name with security none' })),
    fromAddress: Type.Optional(Type.String({ maxLength: 254 })),
    fromName: Type.Optional(Type.String({ maxLength: 60 })),
    trusted: Type.Optional(Type.Union([Type.Null(), TrustedCertificateSchema])),
    recipients: Type.Optional(Type.Partial(Recipients)),
  },
  { additionalProperties: false },
);
export type UpdateMailSettingsDto = Static<typeof UpdateMailSettingsBody>;

export const MailStatusSchema = Type.Object({
  configured: Type.Boolean(),
  queued: Type.Integer(),
  failing: Type.Integer({ description: 'Queued mails that failed at least once and wait for their next attempt' }),
  failed: Type.Integer({ description: 'Mails given up on: shown until retried' }),
  lastError: Type.Union([Type.Object({ code: Type.String(), message: Type.String(), at: Type.Number(), mailId: Type.Integer() }), Type.Null()]),
  lastSentAt: Type.Union([Type.Number(), Type.Null()]),
});
export type MailStatusDto = Static<typeof MailStatusSchema>;

export const MailQueueEntrySchema = Type.Object({
  id: Type.Integer(),
  purpose: MailPurposeSchema,
  recipients: Type.Array(Type.String()),
  subject: Type.String(),
  status: MailQueueStatusSchema,
  attempts: Type.Integer(),
  nextAttemptAt: Type.Union([Type.Number(), Type.Null()]),
  lastAttemptAt: Type.Union([Type.Number(), Type.Null()]),
  lastErrorCode: Type.Union([Type.String(), Type.Null()]),
  lastError: Type.Union([Type.String(), Type.Null()]),
  attachments: Type.Integer(),
  createdAt: Type.Number(),
  sentAt: Type.Union([Type.Number(), Type.Null()]),
});
export type MailQueueEntryDto = Static<typeof MailQueueEntrySchema>;

export const MailQueueQuery = Type.Object({
  status: Type.Optional(MailQueueStatusSchema),
  purpose: Type.Optional(MailPurposeSchema),
  ...PageQuery,
});

export const MailQueuePage = Type.Object({ items: Type.Array(MailQueueEntrySchema), total: Type.Integer() });
export type MailQueuePageDto = Static<typeof MailQueuePage>;

export const MailDetailSchema = Type.Intersect([
  MailQueueEntrySchema,
  Type.Object({ html: Type.String(), text: Type.Union([Type.String(), Type.Null()]), attachmentNames: Type.Array(Type.String()) }),
]);

export const TestMailBody = Type.Object({ to: Type.Optional(Type.String({ maxLength: 254, description: 'Omitted: the test recipients, or the sender itself' })) });
export const TestMailResponse = Type.Object({ id: Type.Integer(), recipients: Type.Array(Type.String()), response: Type.String() });

export const CheckMailCertificateBody = Type.Object({
  host: Type.String({ minLength: 1, maxLength: 253 }),
  port: Type.Integer({ minimum: 1, maximum: 65535 }),
  security: MailSecuritySchema,
});
export { ServerCertificateReportSchema };
