export { type AlertGroup, type AlertRule, type AlertSeverity, alertGroups } from './alert-rules.ts';
export {
  GRAFANA_DASHBOARD_UID,
  type GrafanaDashboard,
  type GrafanaDashboardOptions,
  grafanaDashboard,
} from './grafana.ts';
export { dashboardPanels, type PanelSpec, type QuerySpec } from './grafana-panels.ts';
export { prometheusRulesDocument, prometheusRulesYaml } from './prometheus-rules.ts';
