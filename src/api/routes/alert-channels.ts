import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import {
  Channel,
  ChannelCreate,
  ChannelPatch,
  DELIVERY_STATUSES,
  maskChannel,
  type Notifier,
} from '../../alerts/index.ts';
import { authOf } from '../auth.ts';

/** What the channel routes serve. */
export type AlertChannelServices = Pick<Notifier, 'channels' | 'deliveries' | 'test'>;

const ChannelParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
const ChannelList = Type.Object({ channels: Type.Array(Channel) });
const TestResult = Type.Object({ delivered: Type.Boolean(), reason: Type.Optional(Type.String()) });
const DeliveryQuery = Type.Object(
  {
    status: Type.Optional(Type.Union(DELIVERY_STATUSES.map((s) => Type.Literal(s)))),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
  },
  { additionalProperties: false },
);
const Delivery = Type.Object({
  key: Type.String(),
  alertId: Type.String(),
  seq: Type.Number(),
  action: Type.String(),
  severity: Type.String(),
  channelId: Type.String(),
  kind: Type.String(),
  status: Type.String(),
  attempts: Type.Number(),
  reason: Type.Optional(Type.String()),
  queuedAt: Type.Number(),
  notBefore: Type.Optional(Type.Number()),
  deliveredAt: Type.Optional(Type.Number()),
  updatedAt: Type.Number(),
});
const DeliveryList = Type.Object({ deliveries: Type.Array(Delivery) });

/**
 * Notification channels of the caller's org (admin only: their settings lead to secrets) and the
 * recent deliveries (read). Secrets are masked in every answer; a mask sent back on PATCH keeps the
 * stored secret. Needs `installAuth` first.
 */
export function alertChannelRoutes(
  app: FastifyInstance,
  deps: { alertChannels: AlertChannelServices },
): void {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const { channels, deliveries } = deps.alertChannels;
  const tags = ['alerts'];

  api.get(
    '/api/v1/alerts/channels',
    {
      config: { scope: 'admin' },
      schema: { summary: 'List notification channels', tags, response: { 200: ChannelList } },
    },
    async (request) => ({ channels: (await channels.list(authOf(request).org)).map(maskChannel) }),
  );

  api.post(
    '/api/v1/alerts/channels',
    {
      config: { scope: 'admin' },
      schema: {
        summary: 'Create a notification channel',
        tags,
        body: ChannelCreate,
        response: { 201: Channel },
      },
    },
    async (request, reply) => {
      const channel = await channels.create(authOf(request).org, request.body);
      return reply.status(201).send(maskChannel(channel));
    },
  );

  api.get(
    '/api/v1/alerts/channels/:id',
    {
      config: { scope: 'admin' },
      schema: {
        summary: 'Get a notification channel',
        tags,
        params: ChannelParams,
        response: { 200: Channel },
      },
    },
    async (request) => maskChannel(await channels.require(authOf(request).org, request.params.id)),
  );

  api.patch(
    '/api/v1/alerts/channels/:id',
    {
      config: { scope: 'admin' },
      schema: {
        summary: 'Change a notification channel',
        tags,
        params: ChannelParams,
        body: ChannelPatch,
        response: { 200: Channel },
      },
    },
    async (request) =>
      maskChannel(await channels.update(authOf(request).org, request.params.id, request.body)),
  );

  api.delete(
    '/api/v1/alerts/channels/:id',
    {
      config: { scope: 'admin' },
      schema: {
        summary: 'Delete a notification channel',
        tags,
        params: ChannelParams,
        response: { 204: Type.Null() },
      },
    },
    async (request, reply) => {
      await channels.delete(authOf(request).org, request.params.id);
      return reply.status(204).send(null);
    },
  );

  api.post(
    '/api/v1/alerts/channels/:id/test',
    {
      config: { scope: 'admin' },
      schema: {
        summary: 'Send a test notification to a channel now',
        tags,
        params: ChannelParams,
        response: { 200: TestResult },
      },
    },
    async (request) => deps.alertChannels.test(authOf(request).org, request.params.id),
  );

  api.get(
    '/api/v1/alerts/deliveries',
    {
      config: { scope: 'read' },
      schema: {
        summary: 'Recent notification deliveries, newest first',
        tags,
        querystring: DeliveryQuery,
        response: { 200: DeliveryList },
      },
    },
    async (request) => ({
      deliveries: await deliveries.list(
        authOf(request).org,
        request.query.status,
        request.query.limit ?? 100,
      ),
    }),
  );
}
