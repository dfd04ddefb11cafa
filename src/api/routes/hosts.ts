import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { Host, HostCreate, HostPatch, maskHost, type Tenancy } from '../../tenancy/index.ts';
import { authOf } from '../auth.ts';
import { PublicError } from '../errors.ts';

export interface HostRouteDeps {
  readonly tenancy: Tenancy;
}

const HostParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 200 }) });
const HostList = Type.Object({ hosts: Type.Array(Host) });

function notFound(id: string): PublicError {
  return new PublicError('not_found', `host "${id}" not found`);
}

/**
 * Host CRUD in the caller's org: reads need `read`, changes need `admin`. Another org's host answers
 * 404 exactly like a missing one (the lookup never leaves the caller's org). Collector secrets are
 * masked in every answer; sending a mask back on PATCH keeps the stored secret. Needs `installAuth` first.
 */
export function hostRoutes(app: FastifyInstance, deps: HostRouteDeps): void {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const { tenancy } = deps;
  const tags = ['hosts'];

  api.get(
    '/api/v1/hosts',
    { config: { scope: 'read' }, schema: { summary: 'List hosts', tags, response: { 200: HostList } } },
    async (request) => {
      const hosts = await tenancy.listHosts(authOf(request).org);
      return { hosts: hosts.map(maskHost) };
    },
  );

  api.post(
    '/api/v1/hosts',
    {
      config: { scope: 'admin' },
      schema: { summary: 'Create a host', tags, body: HostCreate, response: { 201: Host } },
    },
    async (request, reply) => {
      const host = await tenancy.createHost(authOf(request).org, request.body);
      return reply.status(201).send(maskHost(host));
    },
  );

  api.get(
    '/api/v1/hosts/:id',
    {
      config: { scope: 'read' },
      schema: { summary: 'Get a host', tags, params: HostParams, response: { 200: Host } },
    },
    async (request) => {
      const host = await tenancy.getHost(authOf(request).org, request.params.id);
      if (!host) throw notFound(request.params.id);
      return maskHost(host);
    },
  );

  api.patch(
    '/api/v1/hosts/:id',
    {
      config: { scope: 'admin' },
      schema: {
        summary: 'Change a host',
        tags,
        params: HostParams,
        body: HostPatch,
        response: { 200: Host },
      },
    },
    async (request) => {
      const { org } = authOf(request);
      return maskHost(await tenancy.updateHost(org, request.params.id, request.body));
    },
  );

  api.delete(
    '/api/v1/hosts/:id',
    {
      config: { scope: 'admin' },
      schema: { summary: 'Delete a host', tags, params: HostParams, response: { 204: Type.Null() } },
    },
    async (request, reply) => {
      await tenancy.deleteHost(authOf(request).org, request.params.id);
      return reply.status(204).send(null);
    },
  );
}
