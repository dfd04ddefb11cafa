import type { RedisHealthThresholds } from '../redis/health-types.ts';
import { dashboardPanels, type PanelSpec, type QuerySpec } from './grafana-panels.ts';

/** The datasource every panel and the variable use: Grafana asks for it on import (`__inputs`). */
// biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's own placeholder, filled in on import.
const DATASOURCE = { type: 'prometheus', uid: '${DS_PROMETHEUS}' } as const;
const GRID_WIDTH = 24;

/** The dashboard's stable uid: importing it again replaces the earlier copy instead of adding one. */
export const GRAFANA_DASHBOARD_UID = 'vitals-redis';

export interface GrafanaDashboardOptions {
  /** Shown in the dashboard's description. */
  readonly version?: string;
  /** Colours stat and chart levels; the health checks' defaults when absent. */
  readonly thresholds?: RedisHealthThresholds;
}

interface GridPos {
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
}

/** Left to right, then down: a panel that does not fit the row starts the next one. */
function layout(panels: readonly PanelSpec[]): GridPos[] {
  let x = 0;
  let y = 0;
  let rowHeight = 0;
  return panels.map((p) => {
    if (x + p.width > GRID_WIDTH) {
      x = 0;
      y += rowHeight;
      rowHeight = 0;
    }
    const pos = { x, y, w: p.width, h: p.height };
    x += p.width;
    rowHeight = Math.max(rowHeight, p.height);
    return pos;
  });
}

function target(query: QuerySpec, index: number, table: boolean) {
  return {
    refId: String.fromCharCode(65 + index),
    datasource: DATASOURCE,
    editorMode: 'code',
    expr: query.expr,
    legendFormat: query.legend ?? '__auto',
    range: !table,
    instant: table,
    ...(table && { format: 'table' }),
  };
}

function thresholds(spec: PanelSpec) {
  const { levels } = spec;
  if (!levels) return { mode: 'absolute', steps: [{ color: 'green', value: null }] };
  const order = levels.below ? ['red', 'orange', 'green'] : ['green', 'orange', 'red'];
  const bounds = levels.below ? [levels.fail, levels.warn] : [levels.warn, levels.fail];
  const steps: { color: string; value: number | null }[] = [{ color: order[0] ?? 'green', value: null }];
  bounds.forEach((value, i) => {
    if (value !== undefined) steps.push({ color: order[i + 1] ?? 'red', value });
  });
  return { mode: 'absolute', steps };
}

function mappings(spec: PanelSpec) {
  if (!spec.mappings) return [];
  const options = Object.fromEntries(
    spec.mappings.map((m, index) => [String(m.value), { text: m.text, color: m.color, index }]),
  );
  return [{ type: 'value', options }];
}

function options(spec: PanelSpec) {
  switch (spec.type) {
    case 'stat':
      return {
        reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false },
        colorMode: 'value',
        graphMode: spec.mappings ? 'none' : 'area',
        justifyMode: 'auto',
        orientation: 'auto',
        textMode: 'auto',
      };
    case 'timeseries':
      return {
        legend: { displayMode: 'list', placement: 'bottom', showLegend: true, calcs: [] },
        tooltip: { mode: 'multi', sort: 'desc' },
      };
    case 'table':
      return { showHeader: true, cellHeight: 'sm' };
  }
}

function fieldDefaults(spec: PanelSpec) {
  return {
    ...(spec.unit && { unit: spec.unit }),
    color: { mode: spec.type === 'timeseries' ? 'palette-classic' : 'thresholds' },
    thresholds: thresholds(spec),
    mappings: mappings(spec),
    ...(spec.type === 'timeseries' && {
      custom: { drawStyle: 'line', lineWidth: 1, fillOpacity: 10, showPoints: 'never', spanNulls: true },
    }),
  };
}

function panel(spec: PanelSpec, id: number, gridPos: GridPos) {
  const table = spec.type === 'table';
  return {
    id,
    type: spec.type,
    title: spec.title,
    ...(spec.description && { description: spec.description }),
    datasource: DATASOURCE,
    gridPos,
    fieldConfig: { defaults: fieldDefaults(spec), overrides: [] },
    options: options(spec),
    targets: spec.queries.map((q, i) => target(q, i, table)),
    ...(table && {
      transformations: [{ id: 'organize', options: { excludeByName: { Time: true, __name__: true } } }],
    }),
  };
}

const INSTANCE_QUERY = 'label_values(redis_up, instance)';

function instanceVariable() {
  return {
    name: 'instance',
    label: 'Redis',
    type: 'query',
    datasource: DATASOURCE,
    definition: INSTANCE_QUERY,
    query: { query: INSTANCE_QUERY, refId: 'PrometheusVariableQueryEditor-VariableQuery', qryType: 1 },
    refresh: 2,
    sort: 1,
    includeAll: false,
    multi: false,
    hide: 0,
    regex: '',
    current: {},
    options: [],
    skipUrlSync: false,
  };
}

const REQUIRES = [
  { type: 'grafana', id: 'grafana', name: 'Grafana', version: '10.4.0' },
  { type: 'datasource', id: 'prometheus', name: 'Prometheus', version: '1.0.0' },
  { type: 'panel', id: 'stat', name: 'Stat', version: '' },
  { type: 'panel', id: 'table', name: 'Table', version: '' },
  { type: 'panel', id: 'timeseries', name: 'Time series', version: '' },
];

/**
 * The Grafana dashboard of Vitals' own Redis, each monitored Redis (the `instance` variable) and the
 * Vitals processes, as JSON for Grafana's "Import dashboard": `__inputs` asks for the Prometheus
 * datasource that scrapes Vitals' `/metrics`, and every query reads the names `/metrics` exposes.
 */
export function grafanaDashboard(opts: GrafanaDashboardOptions = {}) {
  const panels = dashboardPanels(opts.thresholds);
  const positions = layout(panels);
  return {
    __inputs: [
      {
        name: 'DS_PROMETHEUS',
        label: 'Prometheus',
        description: "The Prometheus that scrapes Vitals' /metrics (with honor_labels: true)",
        type: 'datasource',
        pluginId: 'prometheus',
        pluginName: 'Prometheus',
      },
    ],
    __elements: {},
    __requires: REQUIRES,
    annotations: {
      list: [
        {
          builtIn: 1,
          datasource: { type: 'grafana', uid: '-- Grafana --' },
          enable: true,
          hide: true,
          iconColor: 'rgba(0, 211, 255, 1)',
          name: 'Annotations & Alerts',
          type: 'dashboard',
        },
      ],
    },
    description: `Redis and self-monitoring of Vitals${opts.version ? ` ${opts.version}` : ''}`,
    editable: true,
    fiscalYearStartMonth: 0,
    graphTooltip: 1,
    id: null,
    links: [],
    panels: panels.map((spec, i) => panel(spec, i + 1, positions[i] ?? { x: 0, y: 0, w: 24, h: 8 })),
    refresh: '30s',
    schemaVersion: 39,
    tags: ['vitals', 'redis'],
    templating: { list: [instanceVariable()] },
    time: { from: 'now-6h', to: 'now' },
    timepicker: {},
    timezone: 'browser',
    title: 'Vitals: Redis',
    uid: GRAFANA_DASHBOARD_UID,
    version: 1,
    weekStart: '',
  };
}

export type GrafanaDashboard = ReturnType<typeof grafanaDashboard>;
