import snappy from 'snappy';
import { decodeXorChunk, readFrames } from '../../src/api/prom-read/test-support.ts';
import {
  ChunkedReadResponseType,
  int64,
  type PromLabel,
  ReadRequestType,
  ReadResponseType,
} from '../../src/contract/prometheus-remote.ts';

export interface ReadQuerySpec {
  readonly start: number;
  readonly end: number;
  /** [type, name, value] */
  readonly matchers: ReadonlyArray<readonly [number, string, string]>;
}

/** A snappy-compressed `prometheus.ReadRequest`. */
export function readRequest(queries: readonly ReadQuerySpec[], acceptedResponseTypes: number[] = []): Buffer {
  const message = ReadRequestType.encode({
    queries: queries.map((q) => ({
      startTimestampMs: q.start,
      endTimestampMs: q.end,
      matchers: q.matchers.map(([type, name, value]) => ({ type, name, value })),
    })),
    acceptedResponseTypes,
  }).finish();
  return snappy.compressSync(Buffer.from(message)) as Buffer;
}

/** One series of an answer: its labels as an object, its samples (values as their bits too). */
export interface ReadSeries {
  readonly labels: Record<string, string>;
  readonly timestamps: number[];
  readonly values: number[];
}

const labelsOf = (labels: PromLabel[]) => Object.fromEntries(labels.map((l) => [l.name, l.value]));

/** The results of a SAMPLES answer (snappy-compressed ReadResponse), one list of series per query. */
export function decodeSamples(body: Buffer): ReadSeries[][] {
  const raw = snappy.uncompressSync(body) as Buffer;
  const response = ReadResponseType.toObject(ReadResponseType.decode(raw), { defaults: true }) as {
    results: { timeseries: { labels: PromLabel[]; samples: { value: number; timestamp: unknown }[] }[] }[];
  };
  return response.results.map((r) =>
    r.timeseries.map((ts) => ({
      labels: labelsOf(ts.labels),
      timestamps: ts.samples.map((s) => int64(s.timestamp as number)),
      values: ts.samples.map((s) => s.value),
    })),
  );
}

export interface ChunkInfo {
  readonly queryIndex: number;
  readonly labels: Record<string, string>;
  readonly minTimeMs: number;
  readonly maxTimeMs: number;
  readonly type: number;
  readonly data: Uint8Array;
}

/** The chunks of a STREAMED_XOR_CHUNKS answer, frame by frame (CRC checked). */
export function decodeChunks(body: Uint8Array): ChunkInfo[] {
  const out: ChunkInfo[] = [];
  for (const message of readFrames(body)) {
    const decoded = ChunkedReadResponseType.toObject(ChunkedReadResponseType.decode(message), {
      defaults: true,
    }) as {
      queryIndex: unknown;
      chunkedSeries: {
        labels: PromLabel[];
        chunks: { minTimeMs: unknown; maxTimeMs: unknown; type: number; data: Uint8Array }[];
      }[];
    };
    for (const s of decoded.chunkedSeries) {
      for (const c of s.chunks) {
        out.push({
          queryIndex: int64(decoded.queryIndex as number),
          labels: labelsOf(s.labels),
          minTimeMs: int64(c.minTimeMs as number),
          maxTimeMs: int64(c.maxTimeMs as number),
          type: c.type,
          data: c.data,
        });
      }
    }
  }
  return out;
}

/** A STREAMED_XOR_CHUNKS answer as series per query (chunks of a series joined, as SAMPLES gives them). */
export function decodeStreamed(body: Uint8Array, queries: number): ReadSeries[][] {
  const out: ReadSeries[][] = Array.from({ length: queries }, () => []);
  for (const c of decodeChunks(body)) {
    const list = out[c.queryIndex] as ReadSeries[];
    const decoded = decodeXorChunk(c.data);
    const last = list[list.length - 1];
    const same = last && JSON.stringify(last.labels) === JSON.stringify(c.labels);
    const series = same ? last : { labels: c.labels, timestamps: [], values: [] };
    if (!same) list.push(series);
    series.timestamps.push(...decoded.timestamps);
    series.values.push(...decoded.values);
  }
  return out;
}
