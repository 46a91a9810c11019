import { Type } from 'typebox';
import type { FastifyError, FastifyPluginAsync } from 'fastify';
import { answer, RSPCODS, SUBMIT_ENDPOINTS, type SubmitEndpoint } from '../../mas/cloud/protocol.js';
import type { RoutePluginOptions } from '../server.js';

/** 5,000 numbers and a long text, Base64'd or percent-encoded GBK, fit with room to spare. */
export const CLOUD_MAS_BODY_LIMIT = 512 * 1024;

const SubmitAnswerSchema = Type.Object({
  msgGroup: Type.String({ description: 'The batch id: status reports carry it back. Empty when refused.' }),
  rspcod: Type.Union(RSPCODS.map((code) => Type.Literal(code)), { description: 'success, or why the submit was refused' }),
  success: Type.Boolean(),
});

const FIELDS =
  'Body: the Base64 of the UTF-8 JSON object (no content type, text/plain or application/json), or plain JSON, or form fields ' +
  '(application/x-www-form-urlencoded, UTF-8 or the charset the content type names, e.g. GBK). ' +
  'Fields: ecName, apId, secretKey (optional: the mac proves it), mobiles (comma-separated, at most 5,000), sign (a signature code ' +
  'configured for the account), addSerial, mac';

const DESCRIPTIONS: Record<SubmitEndpoint, { summary: string; description: string }> = {
  norsubmit: {
    summary: '云MAS: send a text to up to 5,000 numbers (free text)',
    description: `${FIELDS}, content. mac = lowercase hex MD5 of ecName+apId+secretKey+mobiles+content+sign+addSerial (UTF-8). The text goes through the outbox and its policy; a status report per recipient is pushed to the account's report URL.`,
  },
  submit: {
    summary: '云MAS: send a text (same as norsubmit; some clients use this path)',
    description: `${FIELDS}, content. mac = lowercase hex MD5 of ecName+apId+secretKey+mobiles+content+sign+addSerial (UTF-8).`,
  },
  tmpsubmit: {
    summary: '云MAS: send a template text, its {1}, {2} … filled from params',
    description: `${FIELDS}, templateId, params (a JSON-array string such as ["张三","5"]; ["" ] for no variables). mac = lowercase hex MD5 of ecName+apId+secretKey+templateId+mobiles+params+sign+addSerial (UTF-8).`,
  },
};

/**
 * The 云MAS HTTP interface for software written for China Mobile's MAS: /sms/norsubmit,
 * /sms/submit and /sms/tmpsubmit. Outside /api and its session gate, so every route here
 * is public to the gate and carries its own protection, checked inside the submit for the
 * matched route whatever the URL's spelling: the account (ecName + apId), its allowed
 * client addresses, the secret and the mac. The answer is always the 云MAS JSON; garbage
 * gets InvalidMessage, never a 500 or an HTML page.
 */
export const cloudMasHttpRoutes: FastifyPluginAsync<RoutePluginOptions> = async (app, { services }) => {
  // Every body is read raw here (any content type, or none) and decoded by the protocol module.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: CLOUD_MAS_BODY_LIMIT }, (_request, body, done) => done(null, body));

  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error.statusCode !== undefined && error.statusCode < 500) {
      // Too large, a broken content type, an aborted upload: the client's message is at fault.
      request.log.info({ err: error, url: request.url }, '云MAS request unreadable');
      void reply.status(200).send(answer('InvalidMessage'));
      return;
    }
    request.log.error({ err: error, url: request.url }, '云MAS submit failed inside StoreMAS');
    void reply.status(500).send({ msgGroup: '', rspcod: 'SystemError', success: false });
  });

  for (const endpoint of SUBMIT_ENDPOINTS) {
    app.post(
      `/${endpoint}`,
      {
        bodyLimit: CLOUD_MAS_BODY_LIMIT,
        config: { public: true, cloudMas: true },
        schema: {
          tags: ['云MAS'],
          ...DESCRIPTIONS[endpoint],
          security: [],
          response: { 200: SubmitAnswerSchema },
        },
      },
      async (request) => {
        const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
        return services.integrations.cloudMas.submits.submit({ endpoint, ip: request.ip, body, contentType: request.headers['content-type'] });
      },
    );
  }
};
