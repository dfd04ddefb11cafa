// The Prometheus remote storage messages (prompb: remote.proto and types.proto of Prometheus 2.x,
// remote-write 1.0 and remote-read), as protobufjs reflection built from a JSON descriptor: no .proto
// file to ship beside the build, and the same decoder and encoder on both sides of a test. Field numbers
// are the specification's; fields Vitals does not read (exemplars, histograms, metadata) are declared
// so that they are skipped by number, not misread.
import protobuf from 'protobufjs';

const root = protobuf.Root.fromJSON({
  nested: {
    prometheus: {
      nested: {
        WriteRequest: {
          fields: {
            timeseries: { rule: 'repeated', type: 'TimeSeries', id: 1 },
            metadata: { rule: 'repeated', type: 'MetricMetadata', id: 3 },
          },
        },
        MetricMetadata: {
          fields: {
            type: { type: 'int32', id: 1 },
            metricFamilyName: { type: 'string', id: 2 },
            help: { type: 'string', id: 4 },
            unit: { type: 'string', id: 5 },
          },
        },
        TimeSeries: {
          fields: {
            labels: { rule: 'repeated', type: 'Label', id: 1 },
            samples: { rule: 'repeated', type: 'Sample', id: 2 },
            exemplars: { rule: 'repeated', type: 'Exemplar', id: 3 },
            histograms: { rule: 'repeated', type: 'bytes', id: 4 },
          },
        },
        Label: {
          fields: {
            name: { type: 'string', id: 1 },
            value: { type: 'string', id: 2 },
          },
        },
        Sample: {
          fields: {
            value: { type: 'double', id: 1 },
            timestamp: { type: 'int64', id: 2 },
          },
        },
        Exemplar: {
          fields: {
            labels: { rule: 'repeated', type: 'Label', id: 1 },
            value: { type: 'double', id: 2 },
            timestamp: { type: 'int64', id: 3 },
          },
        },
        ReadRequest: {
          fields: {
            queries: { rule: 'repeated', type: 'Query', id: 1 },
            acceptedResponseTypes: { rule: 'repeated', type: 'int32', id: 2 },
          },
        },
        ReadResponse: {
          fields: {
            results: { rule: 'repeated', type: 'QueryResult', id: 1 },
          },
        },
        Query: {
          fields: {
            startTimestampMs: { type: 'int64', id: 1 },
            endTimestampMs: { type: 'int64', id: 2 },
            matchers: { rule: 'repeated', type: 'LabelMatcher', id: 3 },
            hints: { type: 'ReadHints', id: 4 },
          },
        },
        QueryResult: {
          fields: {
            timeseries: { rule: 'repeated', type: 'TimeSeries', id: 1 },
          },
        },
        ChunkedReadResponse: {
          fields: {
            chunkedSeries: { rule: 'repeated', type: 'ChunkedSeries', id: 1 },
            queryIndex: { type: 'int64', id: 2 },
          },
        },
        ChunkedSeries: {
          fields: {
            labels: { rule: 'repeated', type: 'Label', id: 1 },
            chunks: { rule: 'repeated', type: 'Chunk', id: 2 },
          },
        },
        Chunk: {
          fields: {
            minTimeMs: { type: 'int64', id: 1 },
            maxTimeMs: { type: 'int64', id: 2 },
            type: { type: 'int32', id: 3 },
            data: { type: 'bytes', id: 4 },
          },
        },
        LabelMatcher: {
          fields: {
            type: { type: 'int32', id: 1 },
            name: { type: 'string', id: 2 },
            value: { type: 'string', id: 3 },
          },
        },
        ReadHints: {
          fields: {
            stepMs: { type: 'int64', id: 1 },
            func: { type: 'string', id: 2 },
            startMs: { type: 'int64', id: 3 },
            endMs: { type: 'int64', id: 4 },
            grouping: { rule: 'repeated', type: 'string', id: 5 },
            by: { type: 'bool', id: 6 },
            rangeMs: { type: 'int64', id: 7 },
          },
        },
      },
    },
  },
});

const type = (name: string) => root.lookupType(`prometheus.${name}`);

/** `prometheus.WriteRequest` (remote-write 1.0), sent snappy-compressed (block format). */
export const WriteRequestType = type('WriteRequest');
/** `prometheus.ReadRequest`, sent snappy-compressed. */
export const ReadRequestType = type('ReadRequest');
/** The SAMPLES answer to a read, snappy-compressed. */
export const ReadResponseType = type('ReadResponse');
/** One frame of the STREAMED_XOR_CHUNKS answer (uvarint length, CRC32-C, message; not compressed). */
export const ChunkedReadResponseType = type('ChunkedReadResponse');

/** `LabelMatcher.type`. */
export const MATCH = { EQ: 0, NEQ: 1, RE: 2, NRE: 3 } as const;
/** `ReadRequest.ResponseType`. */
export const RESPONSE_TYPE = { SAMPLES: 0, STREAMED_XOR_CHUNKS: 1 } as const;
/** `Chunk.Encoding`: XOR is Prometheus' float chunk (tsdb/chunkenc). */
export const CHUNK_ENCODING = { UNKNOWN: 0, XOR: 1 } as const;

export interface PromLabel {
  name: string;
  value: string;
}
export interface PromSample {
  value: number;
  /** int64 ms; protobufjs gives a Long or a number depending on size and options. */
  timestamp: number | { toNumber(): number };
}
export interface PromTimeSeries {
  labels: PromLabel[];
  samples: PromSample[];
}
export interface PromWriteRequest {
  timeseries: PromTimeSeries[];
}
export interface PromLabelMatcher {
  type: number;
  name: string;
  value: string;
}
export interface PromQuery {
  startTimestampMs: number | { toNumber(): number };
  endTimestampMs: number | { toNumber(): number };
  matchers: PromLabelMatcher[];
  hints?: { stepMs?: unknown; func?: string; startMs?: unknown; endMs?: unknown };
}
export interface PromReadRequest {
  queries: PromQuery[];
  acceptedResponseTypes: number[];
}

/** An int64 field as a number (ms timestamps fit in 2^53). */
export function int64(value: number | { toNumber(): number } | null | undefined): number {
  if (value === null || value === undefined) return 0;
  return typeof value === 'number' ? value : value.toNumber();
}

/** `prometheus.TimeSeries`, for answers written one series at a time. */
export const TimeSeriesType = type('TimeSeries');
