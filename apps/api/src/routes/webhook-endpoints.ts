import {
  createdWebhookEndpointSchema,
  createWebhookEndpointSchema,
  deliveriesQuerySchema,
  eventIdParamsSchema,
  NotFoundError,
  newSigningSecret,
  redeliveredSchema,
  redeliverSinceSchema,
  refuseTarget,
  rotatedSecretSchema,
  rotateSecretSchema,
  updateWebhookEndpointSchema,
  ValidationError,
  type WebhookEndpoint,
  type WebhookEndpointResponse,
  webhookAttemptListSchema,
  webhookEndpointIdParamsSchema,
  webhookEndpointListSchema,
  webhookEndpointSchema,
  webhookIdOf,
} from '@pt/core';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { clientOf, requireApiKey } from '../plugins/auth.js';
import { bearerSecurity, problems } from './schema-helpers.js';

const tags = ['webhooks'];
const notFound = () => new NotFoundError('No webhook endpoint with this id.');

/** /webhook-endpoints and /events/{id}/redeliver: a client's own endpoints and events only. */
export const webhookEndpointsRoutes: FastifyPluginAsyncZod = async (app) => {
  const { webhookEndpoints: endpoints, webhookDeliveries: deliveries, targetPolicy, secretBox, config } = app.deps;
  requireApiKey(app);

  /** The URL must be a permitted target now (the syncer checks again at each connection). */
  async function checkUrl(url: string | undefined): Promise<void> {
    if (url === undefined) return;
    const refused = await refuseTarget(new URL(url), targetPolicy);
    if (refused) throw new ValidationError([{ field: 'body.url', message: refused }]);
  }

  app.post(
    '/webhook-endpoints',
    {
      schema: {
        operationId: 'createWebhookEndpoint',
        tags,
        summary: 'Register a webhook endpoint; its signing secret is shown only in this answer',
        security: bearerSecurity,
        body: createWebhookEndpointSchema,
        response: { 201: createdWebhookEndpointSchema, ...problems(400, 401, 413, 415, 422, 429, 503) },
      },
    },
    async (request, reply) => {
      await checkUrl(request.body.url);
      const { url, event_types: eventTypes, enabled, description } = request.body;
      const secret = newSigningSecret();
      const created = await endpoints.create({
        clientId: clientOf(request).id,
        url,
        eventTypes,
        enabled,
        description: description ?? null,
        secret: secretBox.seal(secret),
      });
      reply.header('location', `/webhook-endpoints/${created.id}`);
      return reply.code(201).send({ ...toEndpointResponse(created), secret });
    },
  );

  app.get(
    '/webhook-endpoints',
    {
      schema: {
        operationId: 'listWebhookEndpoints',
        tags,
        summary: 'Your webhook endpoints',
        security: bearerSecurity,
        response: { 200: webhookEndpointListSchema, ...problems(401, 429, 503) },
      },
    },
    async (request) => ({ items: (await endpoints.listForClient(clientOf(request).id)).map(toEndpointResponse) }),
  );

  app.get(
    '/webhook-endpoints/:id',
    {
      schema: {
        operationId: 'getWebhookEndpoint',
        tags,
        summary: 'One webhook endpoint',
        security: bearerSecurity,
        params: webhookEndpointIdParamsSchema,
        response: { 200: webhookEndpointSchema, ...problems(401, 404, 422, 429, 503) },
      },
    },
    async (request) => {
      const endpoint = await endpoints.findForClient(clientOf(request).id, request.params.id);
      if (!endpoint) throw notFound();
      return toEndpointResponse(endpoint);
    },
  );

  app.patch(
    '/webhook-endpoints/:id',
    {
      schema: {
        operationId: 'updateWebhookEndpoint',
        tags,
        summary: 'Change an endpoint; enabling it again clears why it was disabled',
        security: bearerSecurity,
        params: webhookEndpointIdParamsSchema,
        body: updateWebhookEndpointSchema,
        response: { 200: webhookEndpointSchema, ...problems(400, 401, 404, 413, 415, 422, 429, 503) },
      },
    },
    async (request) => {
      await checkUrl(request.body.url);
      const { url, event_types: eventTypes, enabled, description } = request.body;
      const updated = await endpoints.update(clientOf(request).id, request.params.id, { url, eventTypes, enabled, description });
      if (!updated) throw notFound();
      return toEndpointResponse(updated);
    },
  );

  app.delete(
    '/webhook-endpoints/:id',
    {
      schema: {
        operationId: 'deleteWebhookEndpoint',
        tags,
        summary: 'Delete an endpoint and its delivery log',
        security: bearerSecurity,
        params: webhookEndpointIdParamsSchema,
        response: { 204: z.null(), ...problems(401, 404, 422, 429, 503) },
      },
    },
    async (request, reply) => {
      if (!(await endpoints.delete(clientOf(request).id, request.params.id))) throw notFound();
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/webhook-endpoints/:id/rotate-secret',
    {
      schema: {
        operationId: 'rotateWebhookSecret',
        tags,
        summary: 'A new signing secret (shown only now); the previous one also signs until the overlap ends',
        security: bearerSecurity,
        params: webhookEndpointIdParamsSchema,
        body: rotateSecretSchema,
        response: { 200: rotatedSecretSchema, ...problems(400, 401, 404, 413, 415, 422, 429, 503) },
      },
    },
    async (request) => {
      const secret = newSigningSecret();
      const overlapMs = request.body.overlap_seconds * 1000;
      const rotated = await endpoints.rotateSecret(clientOf(request).id, request.params.id, secretBox.seal(secret), overlapMs);
      if (!rotated?.previousSecretUntil) throw notFound();
      return { secret, previous_secret_expires_at: rotated.previousSecretUntil.toISOString() };
    },
  );

  app.get(
    '/webhook-endpoints/:id/deliveries',
    {
      schema: {
        operationId: 'listWebhookDeliveries',
        tags,
        summary: "The endpoint's delivery attempts, newest first",
        security: bearerSecurity,
        params: webhookEndpointIdParamsSchema,
        querystring: deliveriesQuerySchema,
        response: { 200: webhookAttemptListSchema, ...problems(401, 404, 422, 429, 503) },
      },
    },
    async (request) => {
      const endpoint = await endpoints.findForClient(clientOf(request).id, request.params.id);
      if (!endpoint) throw notFound();
      const attempts = await deliveries.listAttempts(endpoint.id, request.query.limit);
      return {
        items: attempts.map((a) => ({
          event_id: webhookIdOf(a.eventId),
          attempt: a.attempt,
          at: a.startedAt.toISOString(),
          http_status: a.httpStatus,
          duration_ms: a.durationMs,
          response_excerpt: a.responseExcerpt,
          error: a.error,
        })),
      };
    },
  );

  app.post(
    '/webhook-endpoints/:id/redeliver',
    {
      schema: {
        operationId: 'redeliverWebhooksSince',
        tags,
        summary: 'Send again every subscribed event since a time (after an outage)',
        security: bearerSecurity,
        params: webhookEndpointIdParamsSchema,
        body: redeliverSinceSchema,
        response: { 202: redeliveredSchema, ...problems(400, 401, 404, 413, 415, 422, 429, 503) },
      },
    },
    async (request, reply) => {
      const client = clientOf(request);
      const endpoint = await endpoints.findForClient(client.id, request.params.id);
      if (!endpoint) throw notFound();
      const since = new Date(request.body.since);
      const queued = await deliveries.redeliverSince(client.id, endpoint.id, since, config.WEBHOOK_RETRY_FOR_MS);
      return reply.code(202).send({ queued });
    },
  );

  app.post(
    '/events/:id/redeliver',
    {
      schema: {
        operationId: 'redeliverEvent',
        tags,
        summary: 'Send one event again to each subscribed, enabled endpoint',
        security: bearerSecurity,
        params: eventIdParamsSchema,
        response: { 202: redeliveredSchema, ...problems(401, 404, 422, 429, 503) },
      },
    },
    async (request, reply) => {
      const queued = await deliveries.redeliverEvent(clientOf(request).id, request.params.id, config.WEBHOOK_RETRY_FOR_MS);
      if (queued === null) throw new NotFoundError('No event with this id.');
      return reply.code(202).send({ queued });
    },
  );
};

function toEndpointResponse(endpoint: WebhookEndpoint): WebhookEndpointResponse {
  const overlap = endpoint.previousSecretUntil && endpoint.previousSecretUntil > new Date() ? endpoint.previousSecretUntil : null;
  return {
    id: endpoint.id,
    url: endpoint.url,
    event_types: endpoint.eventTypes,
    enabled: endpoint.enabled,
    description: endpoint.description,
    disabled_reason: endpoint.disabledReason,
    previous_secret_expires_at: overlap ? overlap.toISOString() : null,
    created_at: endpoint.createdAt.toISOString(),
    updated_at: endpoint.updatedAt.toISOString(),
  };
}
