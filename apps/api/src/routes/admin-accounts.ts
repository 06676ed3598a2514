import {
  type ClientAccount,
  clientAccountListSchema,
  clientAccountParamsSchema,
  clientAccountSchema,
  clientNameParamsSchema,
  NotFoundError,
  registerAccountBodySchema,
} from '@pt/core';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { clientOf, requireApiKey } from '../plugins/auth.js';
import { bearerSecurity, problems } from './schema-helpers.js';

const toAccountResponse = (account: ClientAccount) => ({
  account: account.account,
  client: account.clientName,
  created_at: account.createdAt.toISOString(),
  created_by: account.createdBy,
});

/**
 * /admin/clients/{name}/accounts: the sender accounts each client may send payments from. An
 * account has one owner; POST /payments from any other answers 403. Admin keys only.
 */
export const adminAccountsRoutes: FastifyPluginAsyncZod = async (app) => {
  const { clientAccounts } = app.deps;
  requireApiKey(app, { admin: true });

  app.post(
    '/admin/clients/:name/accounts',
    {
      schema: {
        operationId: 'registerClientAccount',
        tags: ['admin'],
        summary: 'Register a sender account to a client',
        description:
          'From now on the client may send payments from this account. 201 when registered, 200 when it already was this client’s; 409 when another client owns it (an account has one owner).',
        security: bearerSecurity,
        params: clientNameParamsSchema,
        body: registerAccountBodySchema,
        response: { 200: clientAccountSchema, 201: clientAccountSchema, ...problems(400, 401, 403, 404, 409, 415, 422, 503) },
      },
    },
    async (request, reply) => {
      const actor = clientOf(request).keyId;
      const { account, created } = await clientAccounts.register(request.params.name, request.body.account, actor);
      if (created) request.log.warn({ client: request.params.name, actor }, 'operator registered a sender account');
      return reply.code(created ? 201 : 200).send(toAccountResponse(account));
    },
  );

  app.get(
    '/admin/clients/:name/accounts',
    {
      schema: {
        operationId: 'listClientAccounts',
        tags: ['admin'],
        summary: 'The sender accounts a client may send payments from',
        security: bearerSecurity,
        params: clientNameParamsSchema,
        response: { 200: clientAccountListSchema, ...problems(401, 403, 404, 422, 503) },
      },
    },
    async (request) => ({ items: (await clientAccounts.listForClient(request.params.name)).map(toAccountResponse) }),
  );

  app.delete(
    '/admin/clients/:name/accounts/:account',
    {
      schema: {
        operationId: 'removeClientAccount',
        tags: ['admin'],
        summary: 'Take a sender account away from a client',
        description:
          'Payments already made from it stay; new ones are refused (403) from the moment this answers, on every API process.',
        security: bearerSecurity,
        params: clientAccountParamsSchema,
        response: { 204: z.null().meta({ description: 'Removed.' }), ...problems(401, 403, 404, 422, 503) },
      },
    },
    async (request, reply) => {
      const { name, account } = request.params;
      if (!(await clientAccounts.remove(name, account))) throw new NotFoundError('This client has no such account.');
      request.log.warn({ client: name, actor: clientOf(request).keyId }, 'operator removed a sender account');
      return reply.code(204).send(null);
    },
  );
};
