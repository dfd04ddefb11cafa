import type { FastifyInstance, FastifyRequest } from 'fastify';
import snappy from 'snappy';
import {
  CHUNK_ENCODING,
  ChunkedReadResponseType,
  int64,
  type PromReadRequest,
  RESPONSE_TYPE,
  ReadRequestType,
} from '../../contract/prometheus-remote.ts';
import { authOf } from '../auth.ts';
import { PublicError } from '../errors.ts';
import { frame } from '../prom-read/frame.ts';
import { compileMatchers, type Matcher } from '../prom-read/matchers.ts';
import {
  DEFAULT_PROM_READ_LIMITS,
  Deadline,
  OrgCatalog,
  type PromReadLimits,
  readSelected,
  SampleBudget,
} from '../prom-read/query.ts';
import { encodeTimeSeries, lengthDelimited } from '../prom-read/samples.ts';
import { xorChunks } from '../prom-read/xor-chunk.ts';
import type { ApiServices } from '../services.ts';
import { readBodiesAsBytes } from './ingest-common.ts';

export const PROM_READ_PATH = '/api/v1/prom/read';
const SAMPLES_TYPE = 'application/x-protobuf';
const STREAMED_TYPE = 'application/x-streamed-protobuf; proto=prometheus.ChunkedReadResponse';
/** Chunks of one series in one frame; a longer series continues in the next frames under its labels. */
const CHUNKS_PER_FRAME = 64;

/** The uncompressed length a snappy block announces (its leading uvarint), or undefined if unreadable. */
function snappyLength(body: Buffer): number | undefined {
  let value = 0;
  let scale = 1;
  for (let i = 0; i < Math.min(body.length, 5); i++) {
    const b = body[i] as number;
    value += (b & 0x7f) * scale;
    if (b < 0x80) return value;
    scale *= 0x80;
  }
  return undefined;
}

/** The request, uncompressed and decoded; a 400 naming the problem otherwise. */
export function decodeReadRequest(body: Buffer, limits: PromReadLimits): PromReadRequest {
  // An empty body is the empty message: no queries.
  if (body.length === 0) return { queries: [], acceptedResponseTypes: [] };
  const length = snappyLength(body);
  if (length === undefined)
    throw new PublicError('bad_request', 'the body is not snappy-compressed (block format)');
  if (length > limits.maxRequestBytes) {
    throw new PublicError(
      'payload_too_large',
      `the request uncompresses to ${length} bytes; the limit is ${limits.maxRequestBytes}`,
    );
  }
  let raw: Buffer;
  try {
    raw = snappy.uncompressSync(body) as Buffer;
  } catch (err: unknown) {
    throw new PublicError(
      'bad_request',
      `the body is not valid snappy (block format): ${(err as Error).message}`,
    );
  }
  let request: PromReadRequest;
  try {
    const message = ReadRequestType.decode(raw);
    request = ReadRequestType.toObject(message, { defaults: true }) as PromReadRequest;
  } catch (err: unknown) {
    throw new PublicError(
      'bad_request',
      `the body is not a prometheus.ReadRequest: ${(err as Error).message}`,
    );
  }
  if (request.queries.length > limits.maxQueries) {
    throw new PublicError(
      'bad_request',
      `the request holds ${request.queries.length} queries; the limit is ${limits.maxQueries}`,
    );
  }
  request.queries.forEach((q, i) => {
    if (q.matchers.length > limits.maxMatchers) {
      throw new PublicError(
        'bad_request',
        `query ${i} holds ${q.matchers.length} matchers; the limit is ${limits.maxMatchers}`,
      );
    }
  });
  return request;
}

/** STREAMED_XOR_CHUNKS when the client lists it first, else SAMPLES (also when it lists nothing). */
export function responseTypeOf(request: PromReadRequest): number {
  const first = request.acceptedResponseTypes[0];
  if (first === RESPONSE_TYPE.STREAMED_XOR_CHUNKS) return RESPONSE_TYPE.STREAMED_XOR_CHUNKS;
  if (first === undefined || first === RESPONSE_TYPE.SAMPLES) return RESPONSE_TYPE.SAMPLES;
  // A type Vitals does not know first: the first known one it accepts, else a 400.
  const known = request.acceptedResponseTypes.find(
    (t) => t === RESPONSE_TYPE.SAMPLES || t === RESPONSE_TYPE.STREAMED_XOR_CHUNKS,
  );
  if (known === undefined) {
    throw new PublicError(
      'bad_request',
      `none of the accepted response types (${request.acceptedResponseTypes.join(', ')}) is served: 0 (SAMPLES) or 1 (STREAMED_XOR_CHUNKS)`,
    );
  }
  return known;
}

interface ReadQuery {
  readonly start: number;
  readonly end: number;
  readonly matchers: Matcher[];
}

/** Samples encoded between two yields to the event loop (other requests run in between). */
const SAMPLES_PER_SLICE = 50_000;

/** `pace(n)` after encoding n samples: yields now and then, and stops the read past its deadline. */
function pacer(deadline: Deadline): (samples: number) => Promise<void> {
  let since = 0;
  return async (samples) => {
    since += samples;
    if (since < SAMPLES_PER_SLICE) return;
    since = 0;
    await new Promise((resolve) => setImmediate(resolve));
    deadline.check();
  };
}

/**
 * Prometheus remote read over the org of the token: `POST /api/v1/prom/read`, a snappy-compressed
 * `prometheus.ReadRequest`. Answers SAMPLES (a snappy-compressed `ReadResponse`) or, when the request
 * lists it first, STREAMED_XOR_CHUNKS (frames of `ChunkedReadResponse`). The answer is built whole
 * before it is sent (bounded by the series and sample limits), so a limit, a storage outage or the
 * deadline is a clean 4xx / 503, never a cut stream. Its own plugin scope: the body is read as bytes
 * whatever its Content-Type.
 */
export async function promRemoteReadRoutes(
  app: FastifyInstance,
  services: ApiServices,
  options: Partial<PromReadLimits> = {},
): Promise<void> {
  const limits: PromReadLimits = { ...DEFAULT_PROM_READ_LIMITS, ...options };
  readBodiesAsBytes(app);
  app.post(
    PROM_READ_PATH,
    {
      bodyLimit: limits.maxBodyBytes,
      config: { scope: 'read' },
      schema: {
        tags: ['metrics'],
        summary:
          'Prometheus remote read (snappy-compressed prometheus.ReadRequest; SAMPLES or STREAMED_XOR_CHUNKS)',
        consumes: [SAMPLES_TYPE],
      },
    },
    async (request: FastifyRequest<{ Body: Buffer | undefined }>, reply) => {
      const started = Date.now();
      // The response closes before it is sent only when the client went away: no reason to read on.
      let gone = false;
      reply.raw.once('close', () => {
        gone = true;
      });
      const deadline = new Deadline(started + limits.deadlineMs, limits.deadlineMs, () => gone);
      const org = authOf(request).org;
      const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      const read = decodeReadRequest(body, limits);
      const type = responseTypeOf(read);
      request.log.debug(
        { acceptedResponseTypes: read.acceptedResponseTypes, queries: read.queries.length, type },
        'prometheus remote read',
      );
      const queries: ReadQuery[] = read.queries.map((q) => {
        let matchers: Matcher[];
        try {
          matchers = compileMatchers(q.matchers);
        } catch (err: unknown) {
          if (err instanceof PublicError && read.queries.length > 1) {
            throw new PublicError('bad_request', `query ${read.queries.indexOf(q)}: ${err.message}`);
          }
          throw err;
        }
        return { start: int64(q.startTimestampMs), end: int64(q.endTimestampMs), matchers };
      });
      const catalog = new OrgCatalog(services, org);
      const budget = new SampleBudget(limits.maxSamples);
      let seriesLeft = limits.maxSeries;
      const parts: Uint8Array[] = [];
      const pace = pacer(deadline);
      for (const [index, q] of queries.entries()) {
        const selected = await catalog.select(q.matchers, seriesLeft, limits.maxSeries, deadline);
        seriesLeft -= selected.length;
        const points = await readSelected(services, org, selected, q.start, q.end, budget, deadline);
        const result: Uint8Array[] = [];
        for (const [i, s] of selected.entries()) {
          const p = points[i];
          if (!p || p.timestamps.length === 0) continue;
          if (type === RESPONSE_TYPE.SAMPLES) {
            result.push(lengthDelimited(1, encodeTimeSeries(s.labels, p.timestamps, p.values)));
          } else {
            const chunks = xorChunks(p.timestamps, p.values).map((c) => ({ ...c, type: CHUNK_ENCODING.XOR }));
            for (let at = 0; at < chunks.length; at += CHUNKS_PER_FRAME) {
              const message = ChunkedReadResponseType.encode({
                chunkedSeries: [{ labels: s.labels, chunks: chunks.slice(at, at + CHUNKS_PER_FRAME) }],
                queryIndex: index,
              }).finish();
              parts.push(frame(message));
            }
          }
          await pace(p.timestamps.length);
        }
        // SAMPLES: one QueryResult per query, even an empty one.
        if (type === RESPONSE_TYPE.SAMPLES) parts.push(lengthDelimited(1, Buffer.concat(result)));
      }
      deadline.check();
      if (type === RESPONSE_TYPE.SAMPLES) {
        const compressed = await snappy.compress(Buffer.concat(parts));
        return reply
          .header('content-type', SAMPLES_TYPE)
          .header('content-encoding', 'snappy')
          .send(compressed);
      }
      return reply.header('content-type', STREAMED_TYPE).send(Buffer.concat(parts));
    },
  );
}
