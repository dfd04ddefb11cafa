// The OTLP metrics messages (opentelemetry-proto v1: collector/metrics/v1/metrics_service.proto,
// metrics/v1/metrics.proto, common/v1/common.proto, resource/v1/resource.proto) and google.rpc.Status,
// as protobufjs reflection built from a JSON descriptor: no .proto file to ship beside the build. Field
// numbers are the specification's. Fields Vitals does not read (exemplars, metadata, schema URLs) are
// left out: the decoder skips unknown fields by their wire type, so they are never misread. Field names
// are the OTLP/JSON names (lowerCamelCase), so a decoded message and a parsed JSON body have one shape.
import protobuf from 'protobufjs';

const point = (attributes: number) => ({
  attributes: { rule: 'repeated', type: 'KeyValue', id: attributes },
  startTimeUnixNano: { type: 'fixed64', id: 2 },
  timeUnixNano: { type: 'fixed64', id: 3 },
});

const root = protobuf.Root.fromJSON({
  nested: {
    otlp: {
      nested: {
        ExportMetricsServiceRequest: {
          fields: { resourceMetrics: { rule: 'repeated', type: 'ResourceMetrics', id: 1 } },
        },
        ExportMetricsServiceResponse: {
          fields: { partialSuccess: { type: 'ExportMetricsPartialSuccess', id: 1 } },
        },
        ExportMetricsPartialSuccess: {
          fields: {
            rejectedDataPoints: { type: 'int64', id: 1 },
            errorMessage: { type: 'string', id: 2 },
          },
        },
        ResourceMetrics: {
          fields: {
            resource: { type: 'Resource', id: 1 },
            scopeMetrics: { rule: 'repeated', type: 'ScopeMetrics', id: 2 },
          },
        },
        Resource: {
          fields: {
            attributes: { rule: 'repeated', type: 'KeyValue', id: 1 },
            droppedAttributesCount: { type: 'uint32', id: 2 },
          },
        },
        ScopeMetrics: {
          fields: {
            scope: { type: 'InstrumentationScope', id: 1 },
            metrics: { rule: 'repeated', type: 'Metric', id: 2 },
          },
        },
        InstrumentationScope: {
          fields: {
            name: { type: 'string', id: 1 },
            version: { type: 'string', id: 2 },
            attributes: { rule: 'repeated', type: 'KeyValue', id: 3 },
            droppedAttributesCount: { type: 'uint32', id: 4 },
          },
        },
        Metric: {
          oneofs: {
            data: { oneof: ['gauge', 'sum', 'histogram', 'exponentialHistogram', 'summary'] },
          },
          fields: {
            name: { type: 'string', id: 1 },
            description: { type: 'string', id: 2 },
            unit: { type: 'string', id: 3 },
            gauge: { type: 'Gauge', id: 5 },
            sum: { type: 'Sum', id: 7 },
            histogram: { type: 'Histogram', id: 9 },
            exponentialHistogram: { type: 'ExponentialHistogram', id: 10 },
            summary: { type: 'Summary', id: 11 },
          },
        },
        Gauge: {
          fields: { dataPoints: { rule: 'repeated', type: 'NumberDataPoint', id: 1 } },
        },
        Sum: {
          fields: {
            dataPoints: { rule: 'repeated', type: 'NumberDataPoint', id: 1 },
            aggregationTemporality: { type: 'AggregationTemporality', id: 2 },
            isMonotonic: { type: 'bool', id: 3 },
          },
        },
        Histogram: {
          fields: {
            dataPoints: { rule: 'repeated', type: 'HistogramDataPoint', id: 1 },
            aggregationTemporality: { type: 'AggregationTemporality', id: 2 },
          },
        },
        ExponentialHistogram: {
          fields: {
            dataPoints: { rule: 'repeated', type: 'ExponentialHistogramDataPoint', id: 1 },
            aggregationTemporality: { type: 'AggregationTemporality', id: 2 },
          },
        },
        Summary: {
          fields: { dataPoints: { rule: 'repeated', type: 'SummaryDataPoint', id: 1 } },
        },
        AggregationTemporality: {
          values: {
            AGGREGATION_TEMPORALITY_UNSPECIFIED: 0,
            AGGREGATION_TEMPORALITY_DELTA: 1,
            AGGREGATION_TEMPORALITY_CUMULATIVE: 2,
          },
        },
        NumberDataPoint: {
          oneofs: { value: { oneof: ['asDouble', 'asInt'] } },
          fields: {
            ...point(7),
            asDouble: { type: 'double', id: 4 },
            asInt: { type: 'sfixed64', id: 6 },
            flags: { type: 'uint32', id: 8 },
          },
        },
        HistogramDataPoint: {
          oneofs: {
            _sum: { oneof: ['sum'] },
            _min: { oneof: ['min'] },
            _max: { oneof: ['max'] },
          },
          fields: {
            ...point(9),
            count: { type: 'fixed64', id: 4 },
            sum: { type: 'double', id: 5 },
            bucketCounts: { rule: 'repeated', type: 'fixed64', id: 6 },
            explicitBounds: { rule: 'repeated', type: 'double', id: 7 },
            flags: { type: 'uint32', id: 10 },
            min: { type: 'double', id: 11 },
            max: { type: 'double', id: 12 },
          },
        },
        ExponentialHistogramDataPoint: {
          fields: {
            ...point(1),
            count: { type: 'fixed64', id: 4 },
            sum: { type: 'double', id: 5 },
            scale: { type: 'sint32', id: 6 },
            zeroCount: { type: 'fixed64', id: 7 },
            positive: { type: 'Buckets', id: 8 },
            negative: { type: 'Buckets', id: 9 },
            flags: { type: 'uint32', id: 10 },
          },
        },
        Buckets: {
          fields: {
            offset: { type: 'sint32', id: 1 },
            bucketCounts: { rule: 'repeated', type: 'uint64', id: 2 },
          },
        },
        SummaryDataPoint: {
          fields: {
            ...point(7),
            count: { type: 'fixed64', id: 4 },
            sum: { type: 'double', id: 5 },
            quantileValues: { rule: 'repeated', type: 'ValueAtQuantile', id: 6 },
            flags: { type: 'uint32', id: 8 },
          },
        },
        ValueAtQuantile: {
          fields: {
            quantile: { type: 'double', id: 1 },
            value: { type: 'double', id: 2 },
          },
        },
        KeyValue: {
          fields: {
            key: { type: 'string', id: 1 },
            value: { type: 'AnyValue', id: 2 },
          },
        },
        AnyValue: {
          oneofs: {
            value: {
              oneof: [
                'stringValue',
                'boolValue',
                'intValue',
                'doubleValue',
                'arrayValue',
                'kvlistValue',
                'bytesValue',
              ],
            },
          },
          fields: {
            stringValue: { type: 'string', id: 1 },
            boolValue: { type: 'bool', id: 2 },
            intValue: { type: 'int64', id: 3 },
            doubleValue: { type: 'double', id: 4 },
            arrayValue: { type: 'ArrayValue', id: 5 },
            kvlistValue: { type: 'KeyValueList', id: 6 },
            bytesValue: { type: 'bytes', id: 7 },
          },
        },
        ArrayValue: {
          fields: { values: { rule: 'repeated', type: 'AnyValue', id: 1 } },
        },
        KeyValueList: {
          fields: { values: { rule: 'repeated', type: 'KeyValue', id: 1 } },
        },
        /** google.rpc.Status, the body of every OTLP/HTTP error answer. */
        Status: {
          fields: {
            code: { type: 'int32', id: 1 },
            message: { type: 'string', id: 2 },
            details: { rule: 'repeated', type: 'Any', id: 3 },
          },
        },
        /** google.protobuf.Any. */
        Any: {
          fields: {
            typeUrl: { type: 'string', id: 1 },
            value: { type: 'bytes', id: 2 },
          },
        },
      },
    },
  },
});

const type = (name: string) => root.lookupType(`otlp.${name}`);

/** `opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest`: the body of `POST /v1/metrics`. */
export const ExportMetricsServiceRequestType = type('ExportMetricsServiceRequest');
/** Its answer: empty, or a `partialSuccess` counting the data points refused. */
export const ExportMetricsServiceResponseType = type('ExportMetricsServiceResponse');
/** `google.rpc.Status`: the body of an OTLP/HTTP error answer. */
export const RpcStatusType = type('Status');

/** `AggregationTemporality`. */
export const TEMPORALITY = { UNSPECIFIED: 0, DELTA: 1, CUMULATIVE: 2 } as const;
/** `DataPointFlags.DATA_POINT_FLAGS_NO_RECORDED_VALUE_MASK`: the point carries no value (a gap). */
export const FLAG_NO_RECORDED_VALUE = 1;

/** gRPC status codes used in `google.rpc.Status.code`. */
export const RPC_CODE = {
  INVALID_ARGUMENT: 3,
  NOT_FOUND: 5,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
} as const;
