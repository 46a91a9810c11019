import Fastify, { LogController, type FastifyBaseLogger } from 'fastify';
import { systemErrorCode } from '../errors.js';
import type { ApplianceServices } from '../services.js';
import { CLOUD_MAS_BODY_LIMIT, cloudMasHttpRoutes } from './routes/cloud-mas-http.js';

/**
 * The 云MAS HTTP interface on a port of its own when one is set (Integrations › 云MAS): a
 * second server with nothing but /sms/…, on the LAN if so set. A port that cannot be had
 * (in use, not allowed) does not stop the appliance: the status says why, the interface
 * still answers on the StoreMAS port. Returns the function that closes it.
 */
export async function listenCloudMas(services: ApplianceServices): Promise<() => Promise<void>> {
  const { port, lan } = await services.settings.get('cloudMasListener');
  const status = services.integrations.listener;
  if (port === null) {
    Object.assign(status, { state: 'off', host: null, port: null, error: null });
    return async () => undefined;
  }
  const host = lan ? '0.0.0.0' : '127.0.0.1';
  const server = Fastify({
    loggerInstance: services.logger.child({ component: 'cloud-mas-http' }) as FastifyBaseLogger,
    bodyLimit: CLOUD_MAS_BODY_LIMIT,
    logController: new LogController({ disableRequestLogging: true }),
    trustProxy: false,
  });
  await server.register(cloudMasHttpRoutes, { services, prefix: '/sms' });
  server.setNotFoundHandler((request, reply) => {
    void reply.status(404).send({ error: { code: 'NOT_FOUND', message: `This port serves only the 云MAS interface (/sms/norsubmit, /sms/submit, /sms/tmpsubmit), not ${request.method} ${request.url.split('?')[0]}.` } });
  });
  try {
    await server.listen({ host, port });
    Object.assign(status, { state: 'listening', host, port, error: null });
    services.logger.info({ host, port }, '云MAS interface listening on its own port');
  } catch (error) {
    const code = systemErrorCode(error);
    const why =
      code === 'EADDRINUSE'
        ? `Port ${port} is already in use by another program. Choose another port.`
        : code === 'EACCES'
          ? `Not allowed to listen on port ${port}. Choose a port above 1024.`
          : `Could not listen on port ${port}: ${(error as Error).message}`;
    Object.assign(status, { state: 'failed', host, port, error: why });
    services.logger.error({ err: error, host, port }, '云MAS port not opened; the interface still answers on the StoreMAS port');
    await server.close();
    return async () => undefined;
  }
  return () => server.close();
}
