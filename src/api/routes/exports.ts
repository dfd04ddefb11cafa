import type { FastifyInstance, FastifyReply } from 'fastify';
import { Type } from 'typebox';
import { grafanaDashboard, prometheusRulesYaml, type RedisHealthThresholds } from '../../monitor/index.ts';

export interface ExportRouteDeps {
  /** Shown in the dashboard's description. */
  readonly version?: string;
  /** The Redis health checks' thresholds (VITALS_REDIS_*): alerts and panels judge by the same. */
  readonly redisThresholds?: RedisHealthThresholds;
}

const YAML_TYPE = 'text/yaml; charset=utf-8';
const NO_QUERY = Type.Object({}, { additionalProperties: false });
const Dashboard = Type.Object(
  {
    __inputs: Type.Array(Type.Object({ name: Type.String() }, { additionalProperties: true })),
    uid: Type.String(),
    title: Type.String(),
    schemaVersion: Type.Integer(),
  },
  { additionalProperties: true, description: 'Grafana dashboard JSON (Import dashboard)' },
);
const Rules = Type.String({ description: 'Prometheus rules file (YAML)' });
const Both = Type.Object({ grafana: Dashboard, prometheusRules: Rules });

function schemaOf(summary: string, response: unknown, produces?: string) {
  return {
    tags: ['monitoring'],
    summary,
    querystring: NO_QUERY,
    response: { 200: response },
    ...(produces && { produces: [produces] }),
  };
}

/**
 * Grafana dashboard and Prometheus rules exports (from the configured Redis thresholds), under `/api/v1/export/…` and the aliases
 * `/dashboard/grafana`, `/dashboard/prometheus-rules` and `/dashboard/export`. Both are generated
 * once (they depend on code only, never on Redis, so they answer during an outage too). The aliases
 * are exact routes, which the router prefers to the dashboard's `/*` page fallback.
 */
export function exportRoutes(app: FastifyInstance, deps: ExportRouteDeps = {}): void {
  const { version, redisThresholds: thresholds } = deps;
  const grafana = grafanaDashboard({
    ...(version !== undefined && { version }),
    ...(thresholds !== undefined && { thresholds }),
  });
  const rules = prometheusRulesYaml(thresholds);
  const sendGrafana = async () => grafana;
  const sendRules = async (_request: unknown, reply: FastifyReply) => reply.type(YAML_TYPE).send(rules);
  const grafanaSchema = schemaOf(
    'Grafana dashboard of Redis and Vitals (JSON for Import dashboard)',
    Dashboard,
  );
  const rulesSchema = schemaOf(
    'Prometheus alerting rules of the built-in alert defaults (YAML)',
    Rules,
    YAML_TYPE,
  );
  const config = { scope: 'read' as const };

  for (const url of ['/api/v1/export/grafana', '/dashboard/grafana']) {
    app.get(url, { config, schema: grafanaSchema }, sendGrafana);
  }
  for (const url of ['/api/v1/export/prometheus-rules', '/dashboard/prometheus-rules']) {
    app.get(url, { config, schema: rulesSchema }, sendRules);
  }
  app.get(
    '/dashboard/export',
    { config, schema: schemaOf('Both exports in one JSON document', Both) },
    async () => ({ grafana, prometheusRules: rules }),
  );
}
