import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { errorResponses } from '../../../contract/errors.js';
import {
  certificatePatchSchema,
  certificateRequestSchema,
  siteCertificateSchema,
} from '../../../contract/websites.js';
import { agentCredentialsOf } from '../../agent/credentials.js';
import type { Caller, CertificateService } from './certificate-service.js';

const idParams = z.object({ id: z.uuid() });
const failures = errorResponses(400, 403, 404, 409, 502, 503);
const withTask = z.object({ certificate: siteCertificateSchema.nullable(), taskId: z.string() });

const callerOf = (request: FastifyRequest): Caller => ({
  credentials: agentCredentialsOf(request),
  username: request.principal?.user.username ?? null,
});

/** A site's HTTPS: its certificate (Let's Encrypt or given), force HTTPS, HSTS, renewal. */
export function certificateRoutes(deps: { certificates: CertificateService }): FastifyPluginAsyncZod {
  const { certificates } = deps;
  return async (app) => {
    app.get(
      '/websites/:id/certificate',
      {
        schema: {
          tags: ['websites'],
          summary: "The site's certificate (issuer, names, expiry) and HTTPS switches; null without HTTPS",
          params: idParams,
          response: { 200: z.object({ certificate: siteCertificateSchema.nullable() }), ...failures },
        },
      },
      async (request) => ({ certificate: await certificates.get(request.params.id) }),
    );

    app.put(
      '/websites/:id/certificate',
      {
        config: { audit: 'website.certificate.set' },
        schema: {
          tags: ['websites'],
          summary:
            'Gives the site HTTPS: `letsencrypt` answers 202 with the task that orders the certificate (follow it on the live socket); `custom` checks the PEM chain and key (400 naming the field) and answers once nginx serves it',
          params: idParams,
          body: certificateRequestSchema,
          response: { 200: withTask, 202: withTask, ...failures },
        },
      },
      async (request, reply) => {
        const result = await certificates.put(request.params.id, request.body, callerOf(request));
        return reply.code(request.body.source === 'letsencrypt' ? 202 : 200).send(result);
      },
    );

    app.patch(
      '/websites/:id/certificate',
      {
        config: { audit: 'website.certificate.update' },
        schema: {
          tags: ['websites'],
          summary: 'Turns force HTTPS (301 from port 80) and HSTS on or off',
          params: idParams,
          body: certificatePatchSchema,
          response: { 200: withTask, ...failures },
        },
      },
      async (request) => certificates.patch(request.params.id, request.body, callerOf(request)),
    );

    app.delete(
      '/websites/:id/certificate',
      {
        config: { audit: 'website.certificate.remove' },
        schema: {
          tags: ['websites'],
          summary: 'Removes HTTPS: the certificate files go and the plain vhost comes back',
          params: idParams,
          response: { 200: z.object({ taskId: z.string() }), ...failures },
        },
      },
      async (request) => certificates.remove(request.params.id, callerOf(request)),
    );

    app.post(
      '/websites/:id/certificate/renew',
      {
        config: { audit: 'website.certificate.renew' },
        schema: {
          tags: ['websites'],
          summary: "Renews the site's Let's Encrypt certificate now; answers 202 with the task",
          params: idParams,
          response: { 202: z.object({ taskId: z.string() }), ...failures },
        },
      },
      async (request, reply) => {
        const { taskId } = await certificates.renew(request.params.id, callerOf(request));
        return reply.code(202).send({ taskId });
      },
    );
  };
}
