/**
 * The synthetic fleet as OTLP/HTTP protobuf bodies (`POST /v1/metrics`, `Content-Type:
 * application/x-protobuf`): one `ExportMetricsServiceRequest` of gauges per body, the host as the
 * resource's `host.name`. Empty label values are left out, as the remote_write and Graphite bodies
 * leave them out. Loaded by `load.ts` only when the OTLP format is measured.
 */
import { encodeOtlpGauges } from '../../src/ingest/push-otlp.ts';
import type { EncodedBody, SeriesBody } from './protocol-payloads.ts';

export function otlpBody(body: SeriesBody): EncodedBody {
  const series = body.series.map((s) => ({
    ...s,
    labels: Object.fromEntries(Object.entries(s.labels).filter(([, v]) => v !== '')),
  }));
  return { data: encodeOtlpGauges([{ host: body.host, series }]), samples: body.samples };
}
