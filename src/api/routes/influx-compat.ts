import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type TSchema, Type } from 'typebox';
import type { InfluxPrecision } from '../../contract/index.ts';
import { authOf } from '../auth.ts';
import type { ErrorBody } from '../errors.ts';
import { gunzipBody } from '../gzip.ts';
import type { ApiServices } from '../services.ts';
import { ACK_PARAM, INGEST_HEADERS } from './ingest-common.ts';

const ignored = (what: string) => Type.Optional(Type.String({ description: `${what}; accepted, ignored` }));
const literals = <T extends string>(values: readonly T[], description: string) =>
  Type.Optional(
    Type.Union(
      values.map((v) => Type.Literal(v)),
      { description },
    ),
  );

/** What every line-protocol path takes beside the lines. */
const COMMON = {
  host: Type.Optional(Type.String({ description: 'host of lines without a host tag' })),
  ack: ACK_PARAM,
};
/** InfluxDB 1.x `/write`, as Telegraf's `outputs.influxdb` and curl send it. `n` and `u` are 1.x spellings. */
const V1_PARAMS = {
  ...COMMON,
  precision: literals(['ns', 'n', 'us', 'u', 'ms', 's'], 'timestamp unit; default ns'),
  db: ignored('InfluxDB 1.x database (the token decides the org)'),
  rp: ignored('InfluxDB 1.x retention policy'),
  consistency: ignored('InfluxDB 1.x write consistency'),
};
const V1_QUERY = Type.Object(V1_PARAMS);
/** `/write` also takes InfluxDB 1.x credentials in the query (the token as password). */
const V1_QUERY_CREDENTIALS = Type.Object({
  ...V1_PARAMS,
  u: ignored('InfluxDB 1.x user name'),
  p: Type.Optional(Type.String({ description: 'InfluxDB 1.x password: the Vitals token' })),
});
/** InfluxDB 2.x `/api/v2/write`, as Telegraf's `outputs.influxdb_v2` sends it. */
const V2_QUERY = Type.Object({
  ...COMMON,
  precision: literals(['ns', 'us', 'ms', 's'], 'timestamp unit; default ns'),
  org: ignored('InfluxDB 2.x organisation (the token decides the org)'),
  orgID: ignored('InfluxDB 2.x organisation id'),
  bucket: ignored('InfluxDB 2.x bucket'),
});

interface WriteQuery {
  precision?: InfluxPrecision | 'n' | 'u';
  host?: string;
  ack?: 'durable' | 'buffered';
}
type WriteRequest = FastifyRequest<{
  Body: string;
  Querystring: WriteQuery;
  Headers: { 'idempotency-key'?: string };
}>;

const PRECISION: Readonly<Record<string, InfluxPrecision>> = { n: 'ns', u: 'us' };

/** Which error body a path answers with: Vitals' own, InfluxDB 1.x's or InfluxDB 2.x's. */
type Dialect = 'vitals' | 'influx1' | 'influx2';

/**
 * Vitals' error body in the shape Influx clients read. Telegraf's `outputs.influxdb` drops a batch
 * (instead of retrying it for ever) only when the text says `unable to parse` or `partial write`, and
 * it reads the text from `{"error": "..."}` only: so a batch that can never be stored says so. InfluxDB
 * 1.x answers limit refusals with 400 too. `outputs.influxdb_v2` reads `{code, message}` and drops on
 * 400 and 422 alike: those two are added beside Vitals' own `error` object, which stays as on every
 * other `/api/` route.
 */
function influxError(
  dialect: Dialect,
  status: number,
  error: ErrorBody['error'],
): { status: number; body: object } {
  const refused = status === 400 || status === 422;
  if (dialect === 'influx2') {
    return { status, body: { code: refused ? 'invalid' : error.code, message: error.message, error } };
  }
  const message = refused
    ? `unable to parse the batch, nothing of it was written: ${error.message}`
    : error.message;
  return { status: refused ? 400 : status, body: { error: message, requestId: error.requestId } };
}

function reshapeErrors(dialect: Dialect) {
  return async (_request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
    if (dialect === 'vitals' || reply.statusCode < 400 || typeof payload !== 'string') return payload;
    let parsed: Partial<ErrorBody>;
    try {
      parsed = JSON.parse(payload) as Partial<ErrorBody>;
    } catch {
      return payload;
    }
    if (typeof parsed.error?.message !== 'string') return payload;
    const { status, body } = influxError(dialect, reply.statusCode, parsed.error);
    reply.status(status);
    return JSON.stringify(body);
  };
}

interface Path {
  readonly url: string;
  readonly dialect: Dialect;
  readonly summary: string;
  readonly querystring: TSchema;
}

const PATHS: readonly Path[] = [
  {
    url: '/api/v1/write',
    dialect: 'vitals',
    summary: 'Push samples (Influx line protocol)',
    querystring: V1_QUERY,
  },
  {
    url: '/write',
    dialect: 'influx1',
    summary: "Push samples as InfluxDB 1.x's /write takes them (Telegraf outputs.influxdb)",
    querystring: V1_QUERY_CREDENTIALS,
  },
  {
    url: '/api/v2/write',
    dialect: 'influx2',
    summary: "Push samples as InfluxDB 2.x's /api/v2/write takes them (Telegraf outputs.influxdb_v2)",
    querystring: V2_QUERY,
  },
];

/**
 * Influx line protocol on the paths Influx clients use, all over the one ingest service: the host of a
 * line is its `host` tag, the org is the token's; `db`, `bucket` and `org` are accepted and ignored.
 * Any Content-Type is read as line protocol (curl's `--data-binary` sends form-urlencoded; InfluxDB and
 * VictoriaMetrics take anything), so the paths live in their own plugin scope with one catch-all
 * parser. `/write` also takes the token as HTTP Basic password or `?p=` (InfluxDB 1.x credentials).
 * All or nothing, unlike InfluxDB 1.x: a bad line refuses the whole batch. 204 on success.
 */
export async function influxWriteRoutes(app: FastifyInstance, services: ApiServices): Promise<void> {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body));
  for (const path of PATHS) {
    app.post(
      path.url,
      {
        preParsing: gunzipBody,
        onSend: reshapeErrors(path.dialect),
        config: { scope: 'ingest', credentials: path.dialect === 'influx1' ? 'influx' : undefined },
        schema: {
          tags: ['ingest'],
          summary: path.summary,
          consumes: ['text/plain', '*/*'],
          querystring: path.querystring,
          headers: INGEST_HEADERS,
        },
      },
      async (request: WriteRequest, reply) => {
        const { precision = 'ns', host, ack } = request.query;
        await services.ingest.pushInflux(
          authOf(request).org,
          String(request.body ?? ''),
          PRECISION[precision] ?? (precision as InfluxPrecision),
          host,
          { idempotencyKey: request.headers['idempotency-key'], ack },
        );
        // Influx clients (Telegraf) expect 204 No Content on success.
        return reply.status(204).send();
      },
    );
  }
}
