import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { validatePolicySettings } from '../../messaging/policy/settings.js';
import { PolicyResponse, UpdatePolicyBody } from '../schemas/policy.js';
import { standardErrors } from '../schemas/common.js';
import { actorOf } from '../request-context.js';
import type { RoutePluginOptions } from '../server.js';

export const policyRoutes: FastifyPluginAsyncTypebox<RoutePluginOptions> = async (app, { services }) => {
  const describe = async () => {
    const values = await services.settings.all();
    return { policy: values.policy, smsSignature: values.smsSignature };
  };

  app.get(
    '/',
    {
      config: { permission: 'settings.read' },
      schema: { tags: ['policy'], summary: 'The sending policy and store signature', response: { 200: PolicyResponse, ...standardErrors } },
    },
    describe,
  );

  app.put(
    '/',
    {
      config: { permission: 'settings.manage' },
      schema: {
        tags: ['policy'],
        summary: 'Change any part of the sending policy and/or the signature (one audited change)',
        body: UpdatePolicyBody,
        response: { 200: PolicyResponse, ...standardErrors },
      },
    },
    async (request) => {
      const { policy, smsSignature } = request.body;
      const current = await services.settings.get('policy');
      await services.settings.update(actorOf(request), {
        ...(policy ? { policy: validatePolicySettings(policy, current) } : {}),
        ...(smsSignature !== undefined ? { smsSignature } : {}),
      });
      return describe();
    },
  );
};
