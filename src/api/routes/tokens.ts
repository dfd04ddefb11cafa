import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { CreatedToken, Scopes, type Tenancy, TokenCreate, TokenInfo } from '../../tenancy/index.ts';
import { authOf } from '../auth.ts';
import { PublicError } from '../errors.ts';

export interface TokenRouteDeps {
  readonly tenancy: Tenancy;
}

const TokenParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 200 }) });
const TokenList = Type.Object({ tokens: Type.Array(TokenInfo) });
const Me = Type.Object({
  org: Type.String(),
  tokenId: Type.String(),
  scopes: Scopes,
});

/**
 * Token management for the caller's org (admin scope): create (the secret is answered once), list
 * (never a secret), revoke; and `me`, who the calling token is (read scope; the dashboard shows the
 * pages its scopes allow). A token with `operator` only comes from a token holding it. Needs
 * `installAuth` first.
 */
export function tokenRoutes(app: FastifyInstance, deps: TokenRouteDeps): void {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const { tenancy } = deps;

  api.post(
    '/api/v1/tokens',
    {
      config: { scope: 'admin' },
      schema: {
        summary: 'Create a token (its secret is shown once)',
        tags: ['tokens'],
        body: TokenCreate,
        response: { 201: CreatedToken },
      },
    },
    async (request, reply) => {
      const auth = authOf(request);
      if (request.body.scopes.includes('operator') && !auth.scopes.includes('operator'))
        throw new PublicError('forbidden', 'only a token with the "operator" scope can grant it');
      const created = await tenancy.createToken(auth.org, request.body);
      return reply.status(201).header('cache-control', 'no-store').send(created);
    },
  );

  api.get(
    '/api/v1/tokens',
    {
      config: { scope: 'admin' },
      schema: {
        summary: "List the org's tokens (no secrets)",
        tags: ['tokens'],
        response: { 200: TokenList },
      },
    },
    async (request) => ({ tokens: await tenancy.listTokens(authOf(request).org) }),
  );

  api.delete(
    '/api/v1/tokens/:id',
    {
      config: { scope: 'admin' },
      schema: {
        summary: 'Revoke a token',
        tags: ['tokens'],
        params: TokenParams,
        response: { 204: Type.Null() },
      },
    },
    async (request, reply) => {
      await tenancy.revokeToken(authOf(request).org, request.params.id);
      return reply.status(204).send(null);
    },
  );

  api.get(
    '/api/v1/me',
    {
      config: { scope: 'read' },
      schema: {
        summary: 'Who the calling token is: its org, id and scopes',
        tags: ['tokens'],
        response: { 200: Me },
      },
    },
    async (request) => {
      const { org, tokenId, scopes } = authOf(request);
      return { org, tokenId, scopes: [...scopes] };
    },
  );
}
