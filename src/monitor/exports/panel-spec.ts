/** One query of a panel: PromQL over the names of Vitals' `/metrics`. */
export interface QuerySpec {
  readonly expr: string;
  readonly legend?: string;
}

/** Value → text and colour for a stat panel (e.g. 1 → UP, green). */
export interface ValueText {
  readonly value: number;
  readonly text: string;
  readonly color: string;
}

/** One panel of the dashboard, before layout. */
export interface PanelSpec {
  readonly title: string;
  readonly type: 'stat' | 'timeseries' | 'table';
  readonly width: number;
  readonly height: number;
  readonly unit?: string;
  readonly description?: string;
  /** Warn (orange) and fail (red) levels; `below` when low values are the bad ones. */
  readonly levels?: { readonly warn: number; readonly fail?: number; readonly below?: true };
  readonly mappings?: readonly ValueText[];
  readonly queries: readonly QuerySpec[];
}

/** Grafana's rate window placeholder (at least four scrape intervals). */
export const RATE = '$__rate_interval';
