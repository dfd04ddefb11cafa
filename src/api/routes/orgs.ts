import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { ID_PATTERN } from '../../contract/index.ts';
import type { OrgAdmin } from '../../orgs/index.ts';
import { CreatedOrg, DeletedOrg, Org, OrgCreate } from '../../tenancy/index.ts';

export interface OrgRouteDeps {
  readonly orgs: OrgAdmin;
}

const tags = ['orgs'];
const OrgParams = Type.Object({ id: Type.String({ pattern: ID_PATTERN.source }) });
const OrgList = Type.Object({
  orgs: Type.Array(
    Type.Object({ ...Org.properties, hosts: Type.Integer({ description: 'hosts registered' }) }),
  ),
  deleting: Type.Array(DeletedOrg, {
    description: 'deleted orgs whose data removal did not finish: delete them again',
  }),
});

/**
 * Org management (`operator` scope, held by the default org's bootstrap admin token): create an org
 * with its first admin token (the secret answered once), list orgs, delete one with all its data.
 * `operator` reaches no org's data through these: they answer org records and counts only.
 */
export function orgRoutes(app: FastifyInstance, deps: OrgRouteDeps): void {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const { orgs } = deps;

  api.post(
    '/api/v1/orgs',
    {
      config: { scope: 'operator' },
      schema: {
        summary: 'Create an org and its first admin token (the secret is shown once)',
        tags,
        body: OrgCreate,
        response: { 201: CreatedOrg },
      },
    },
    async (request, reply) => {
      const created = await orgs.create(request.body);
      return reply.status(201).header('cache-control', 'no-store').send(created);
    },
  );

  api.get(
    '/api/v1/orgs',
    {
      config: { scope: 'operator' },
      schema: { summary: 'List orgs with their host counts', tags, response: { 200: OrgList } },
    },
    () => orgs.list(),
  );

  api.delete(
    '/api/v1/orgs/:id',
    {
      config: { scope: 'operator' },
      schema: {
        summary: 'Delete an org: its tokens, hosts and every stored sample, alert and event',
        tags,
        params: OrgParams,
        response: { 204: Type.Null() },
      },
    },
    async (request, reply) => {
      await orgs.delete(request.params.id);
      return reply.status(204).send(null);
    },
  );
}
