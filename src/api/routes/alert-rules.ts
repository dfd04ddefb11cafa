import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import {
  type AlertRule,
  Preview,
  previewRule,
  RuleCreate,
  type RuleEvaluator,
  RuleList,
  RulePatch,
  type RuleStore,
  StoredRule,
} from '../../alerts/index.ts';
import { authOf } from '../auth.ts';
import { PublicError } from '../errors.ts';

/** What the rule routes serve: the org's rules and the evaluator behind previews. */
export interface AlertRuleServices {
  readonly store: RuleStore;
  readonly evaluator: RuleEvaluator;
}

const RuleParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 200 }) });

function notFound(id: string): PublicError {
  return new PublicError('not_found', `alert rule "${id}" not found`);
}

/**
 * Alert rules of the caller's org: reads need `read`, changes `admin`. Built-in defaults are listed
 * with the org's own rules; they can be changed or disabled, not deleted (409). Previews show what a
 * stored rule, or an unsaved one sent in the body, matches now and whether it would breach.
 */
export function alertRuleRoutes(app: FastifyInstance, deps: { alertRules: AlertRuleServices }): void {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const { store, evaluator } = deps.alertRules;
  const tags = ['alerts'];

  api.get(
    '/api/v1/alerts/rules',
    {
      config: { scope: 'read' },
      schema: { summary: 'List alert rules (built-in defaults included)', tags, response: { 200: RuleList } },
    },
    async (request) => ({ rules: (await store.list(authOf(request).org)) as StoredRule[] }),
  );

  api.post(
    '/api/v1/alerts/rules',
    {
      config: { scope: 'admin' },
      schema: { summary: 'Create an alert rule', tags, body: RuleCreate, response: { 201: StoredRule } },
    },
    async (request, reply) => {
      const rule = await store.create(authOf(request).org, request.body);
      return reply.status(201).send(rule as StoredRule);
    },
  );

  api.post(
    '/api/v1/alerts/rules/preview',
    {
      config: { scope: 'read' },
      schema: {
        summary: 'Preview an unsaved rule: the series it matches and whether each breaches now',
        tags,
        body: RuleCreate,
        response: { 200: Preview },
      },
    },
    async (request) => {
      const rule = store.build(authOf(request).org, request.body);
      return answer(await previewRule(evaluator, rule, Date.now()));
    },
  );

  api.get(
    '/api/v1/alerts/rules/:id',
    {
      config: { scope: 'read' },
      schema: { summary: 'Get an alert rule', tags, params: RuleParams, response: { 200: StoredRule } },
    },
    async (request) => {
      const rule = await store.get(authOf(request).org, request.params.id);
      if (!rule) throw notFound(request.params.id);
      return rule as StoredRule;
    },
  );

  api.get(
    '/api/v1/alerts/rules/:id/preview',
    {
      config: { scope: 'read' },
      schema: {
        summary: 'Preview a rule: the series it matches and whether each breaches now',
        tags,
        params: RuleParams,
        response: { 200: Preview },
      },
    },
    async (request) => {
      const rule = await store.get(authOf(request).org, request.params.id);
      if (!rule) throw notFound(request.params.id);
      return answer(await previewRule(evaluator, rule, Date.now()));
    },
  );

  api.patch(
    '/api/v1/alerts/rules/:id',
    {
      config: { scope: 'admin' },
      schema: {
        summary: 'Change (or disable) an alert rule',
        tags,
        params: RuleParams,
        body: RulePatch,
        response: { 200: StoredRule },
      },
    },
    async (request) =>
      (await store.update(authOf(request).org, request.params.id, request.body)) as StoredRule,
  );

  api.delete(
    '/api/v1/alerts/rules/:id',
    {
      config: { scope: 'admin' },
      schema: {
        summary: 'Delete an alert rule (built-in defaults: 409, disable them instead)',
        tags,
        params: RuleParams,
        response: { 204: Type.Null() },
      },
    },
    async (request, reply) => {
      await store.delete(authOf(request).org, request.params.id);
      return reply.status(204).send(null);
    },
  );
}

function answer(preview: {
  rule: AlertRule;
  wouldFire: boolean;
  matches: readonly unknown[];
  truncated: boolean;
}) {
  return preview as unknown as Preview;
}
