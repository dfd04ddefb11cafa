// fast-check arbitraries for the API fuzzer: values from a route's own JSON schema (as OpenAPI shows
// it) with random deviations at every level, the two ingest formats built from their grammar with
// mutations, and hostile strings for paths, query parameters and headers.
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';

type Schema = Readonly<Record<string, unknown>>;

/** Host ids drawn most of the time, so the fuzz writes to and reads from a few hosts that exist. */
export const HOST_POOL = ['fz-0', 'fz-1', 'fz-2', 'fz-3', 'web-1'] as const;
/** Metric names drawn most of the time, so series stay few (the hot tier and Redis stay small). */
const NAME_POOL = ['cpu.usage', 'mem.used_pct', 'load.1', 'disk.used_pct', 'fz.value', 'net.rx_bps'];

/** Strings that break naive parsers: escapes, separators, encodings, control and astral characters. */
export const nasty: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '',
    ' ',
    '0',
    '-1',
    '1e309',
    '-0',
    'NaN',
    'Infinity',
    '+Inf',
    'null',
    'true',
    '[]',
    '{}',
    '__proto__',
    'constructor',
    'toString',
    'hasOwnProperty',
    '%',
    '%zz',
    '%00',
    '%2F..%2F',
    '../../etc/passwd',
    '\\',
    '"',
    "'",
    '{',
    '}',
    '{a="b"',
    'a{b=}',
    'a{="b"}',
    'a{b="c",b="d"}',
    '\u0000',
    '\uFEFF',
    '\uD800',
    '😀',
    'a'.repeat(300),
    '9'.repeat(40),
    '9007199254740993',
    '1.5',
    '0x10',
    ' 12 ',
  ),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme-ascii', maxLength: 40 }),
);

function num(schema: Schema, key: string): number | undefined {
  const v = schema[key];
  return typeof v === 'number' ? v : undefined;
}

/** Any JSON-ish value that is probably wrong where it lands. */
const wrong: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  nasty,
  fc.constantFrom(-1, 0, 1.5, -0, 2 ** 53 + 2, 1e308, -1e308, Number.MAX_SAFE_INTEGER, null, true, [], {}),
);

/**
 * Values for a JSON schema; with `mutation` > 0, any node may instead be a wrong value of any type, an
 * object may gain an unknown property or lose a required one. Depth and sizes are capped.
 */
export function fromSchema(schema: Schema, mutation = 0.1, depth = 0, name = ''): fc.Arbitrary<unknown> {
  const valid = validFor(schema, mutation, depth, name);
  if (mutation <= 0) return valid;
  const weight = Math.max(1, Math.round((1 - mutation) / mutation));
  return fc.oneof({ weight, arbitrary: valid }, { weight: 1, arbitrary: wrong });
}

function validFor(schema: Schema, mutation: number, depth: number, name: string): fc.Arbitrary<unknown> {
  if ('const' in schema) return fc.constant(schema.const);
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return fc.constantFrom(...schema.enum);
  for (const key of ['anyOf', 'oneOf'] as const) {
    const options = schema[key];
    if (Array.isArray(options) && options.length > 0)
      return fc.oneof(...options.map((o) => fromSchema(o as Schema, mutation, depth + 1, name)));
  }
  if (Array.isArray(schema.allOf) && schema.allOf.length > 0)
    return validFor(schema.allOf[0] as Schema, mutation, depth, name);
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  if (depth > 6) return fc.constant(null);
  switch (type) {
    case 'string':
      return stringFor(schema, name);
    case 'integer': {
      const min = num(schema, 'minimum') ?? -(2 ** 31);
      const max = num(schema, 'maximum') ?? 2 ** 40;
      return fc.oneof(fc.integer({ min, max: Math.min(max, 2 ** 31) }), fc.constantFrom(min, max));
    }
    case 'number': {
      const min = num(schema, 'minimum') ?? -1e12;
      const max = num(schema, 'maximum') ?? 1e12;
      return fc.double({ min, max, noNaN: true, noDefaultInfinity: true });
    }
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array': {
      const items = (schema.items ?? {}) as Schema | Schema[];
      if (Array.isArray(items)) return fc.tuple(...items.map((s) => fromSchema(s, mutation, depth + 1)));
      if (Array.isArray(schema.prefixItems))
        return fc.tuple(...(schema.prefixItems as Schema[]).map((s) => fromSchema(s, mutation, depth + 1)));
      const minLength = num(schema, 'minItems') ?? 0;
      const maxLength = Math.max(minLength, Math.min(num(schema, 'maxItems') ?? 4, 4));
      return fc.array(fromSchema(items, mutation, depth + 1, name), { minLength, maxLength });
    }
    case 'object':
      return objectFor(schema, mutation, depth);
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

function stringFor(schema: Schema, name: string): fc.Arbitrary<string> {
  const minLength = num(schema, 'minLength') ?? 0;
  const maxLength = Math.max(minLength, num(schema, 'maxLength') ?? 64);
  const choices: fc.Arbitrary<string>[] = [];
  if (name === 'id' || name === 'host') choices.push(fc.constantFrom(...HOST_POOL));
  if (typeof schema.pattern === 'string') {
    choices.push(
      fc
        .stringMatching(new RegExp(schema.pattern))
        .filter((s) => s.length >= minLength && s.length <= maxLength),
    );
  } else {
    choices.push(fc.string({ minLength, maxLength: Math.min(maxLength, 48), unit: 'grapheme' }));
  }
  return fc.oneof(...choices);
}

function objectFor(schema: Schema, mutation: number, depth: number): fc.Arbitrary<unknown> {
  const props = (schema.properties ?? {}) as Record<string, Schema>;
  const required = Array.isArray(schema.required) ? (schema.required as string[]) : [];
  const model: Record<string, fc.Arbitrary<unknown>> = {};
  for (const [key, sub] of Object.entries(props)) model[key] = fromSchema(sub, mutation, depth + 1, key);
  const base = fc.record(model, { requiredKeys: required.filter((k) => k in model) });
  const extraSchema =
    typeof schema.additionalProperties === 'object'
      ? (schema.additionalProperties as Schema)
      : schema.patternProperties && typeof schema.patternProperties === 'object'
        ? (Object.values(schema.patternProperties)[0] as Schema)
        : undefined;
  const extra = extraSchema
    ? fc.dictionary(
        fc.oneof(fc.string({ maxLength: 12 }), nasty),
        fromSchema(extraSchema, mutation, depth + 1),
        {
          maxKeys: 4,
        },
      )
    : fc.constant({});
  const stray =
    mutation > 0
      ? fc.oneof(
          { weight: 9, arbitrary: fc.constant({}) },
          { weight: 1, arbitrary: fc.dictionary(nasty, wrong, { maxKeys: 2 }) },
        )
      : fc.constant({});
  return fc.tuple(base, extra, stray).map(([b, e, s]) => ({ ...e, ...s, ...(b as object) }));
}

/** A timestamp in ms: mostly within the last week, sometimes at or past every limit. */
export function timestampMs(now: number): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 8, arbitrary: fc.integer({ min: now - 7 * 86_400_000, max: now }) },
    {
      weight: 2,
      arbitrary: fc.constantFrom(
        0,
        -1,
        now + 86_400_000,
        now - 40 * 86_400_000,
        Number.MAX_SAFE_INTEGER,
        2 ** 53,
        now + 0.5,
        1e21,
        -0,
      ),
    },
    { weight: 1, arbitrary: wrong },
  );
}

/**
 * The parts of a push. `clean` parts are all valid (so most requests store samples and reach the
 * writer); the others deviate now and then at every level, which mostly makes the request a 4xx.
 */
function parts(now: number, clean: boolean) {
  const dirty = <T>(
    valid: fc.Arbitrary<T>,
    weight: number,
    bad: fc.Arbitrary<unknown>,
  ): fc.Arbitrary<T | unknown> =>
    clean ? valid : fc.oneof({ weight, arbitrary: valid }, { weight: 1, arbitrary: bad });
  const value = dirty(
    fc.oneof(
      { weight: 6, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }) },
      { weight: 2, arbitrary: fc.integer() },
      { weight: 1, arbitrary: fc.constantFrom('NaN', '+Inf', '-Inf', -0, 5e-324, 1.7976931348623157e308) },
    ),
    9,
    wrong,
  );
  const timestamp = clean ? fc.integer({ min: now - 7 * 86_400_000, max: now }) : timestampMs(now);
  const labelName = dirty(
    fc.constantFrom('core', 'mount', 'iface', 'env', 'instance'),
    6,
    nasty,
  ) as fc.Arbitrary<string>;
  const labelValue = dirty(
    fc.constantFrom('0', '/', 'eth0', 'prod', 'a b', 'x"y', 'p\\q', 'l\nm', '😀', ''),
    4,
    nasty,
  ) as fc.Arbitrary<string>;
  const labels = fc.dictionary(labelName, labelValue, { maxKeys: 3 });
  const name = dirty(fc.constantFrom(...NAME_POOL), 8, nasty) as fc.Arbitrary<string>;
  const host = dirty(fc.constantFrom(...HOST_POOL), 8, nasty) as fc.Arbitrary<string>;
  const key = dirty(
    fc.oneof(
      { weight: 2, arbitrary: name },
      {
        weight: 1,
        arbitrary: fc.tuple(name, labels).map(
          ([n, l]) =>
            `${n}{${Object.entries(l)
              .map(([k, v]) => `${k}="${escapeLabel(v)}"`)
              .join(',')}}`,
        ),
      },
    ),
    9,
    nasty,
  ) as fc.Arbitrary<string>;
  return { value, timestamp, labelName, labelValue, labels, name, host, key };
}

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function pushBody(now: number, clean: boolean): fc.Arbitrary<unknown> {
  const p = parts(now, clean);
  const snapshot = fc.record(
    { timestamp: p.timestamp, metrics: fc.dictionary(p.key, p.value, { maxKeys: 6 }) },
    { requiredKeys: clean ? ['timestamp', 'metrics'] : [] },
  );
  const point = clean
    ? fc.tuple(p.timestamp, p.value)
    : fc.oneof({ weight: 9, arbitrary: fc.tuple(p.timestamp, p.value) }, { weight: 1, arbitrary: wrong });
  const series = fc.record(
    { name: p.name, labels: p.labels, points: fc.array(point, { maxLength: 6 }) },
    { requiredKeys: ['name', 'points'] },
  );
  const host = fc.record(
    {
      host: p.host,
      name: clean
        ? fc.string({ minLength: 1, maxLength: 20 })
        : fc.oneof(fc.string({ maxLength: 20 }), nasty),
      labels: p.labels,
      snapshots: fc.array(snapshot, { maxLength: 4 }),
      series: fc.array(series, { maxLength: 3 }),
    },
    { requiredKeys: ['host'] },
  );
  return fc.record({ hosts: fc.array(host, { minLength: clean ? 1 : 0, maxLength: 3 }) });
}

/** A `POST /api/v1/ingest` body: snapshots and series of a few hosts; 3 in 5 valid throughout. */
export function ingestJson(now: number): fc.Arbitrary<unknown> {
  const dirty = pushBody(now, false);
  return fc.oneof(
    { weight: 6, arbitrary: pushBody(now, true) },
    { weight: 3, arbitrary: dirty },
    {
      weight: 1,
      arbitrary: fc.oneof(
        fc
          .tuple(dirty, fc.dictionary(nasty, wrong, { maxKeys: 2 }))
          .map(([b, x]) => ({ ...x, ...(b as object) })),
        wrong,
      ),
    },
  );
}

function influxEscape(s: string, specials: RegExp): string {
  return s.replace(specials, (c) => `\\${c}`);
}

/** One line of Influx line protocol; `clean` lines are all valid, the others sometimes broken. */
export function influxLine(now: number, clean: boolean): fc.Arbitrary<string> {
  const p = parts(now, clean);
  const measurement = p.name.map((m) => influxEscape(m, /[ ,\\]/g));
  // A line protocol tag value cannot hold a newline nor be empty: clean lines leave those out.
  const tagValue = clean ? p.labelValue.filter((v) => v !== '' && !v.includes('\n')) : p.labelValue;
  const tag = fc
    .oneof(fc.tuple(p.labelName, tagValue), fc.tuple(fc.constant('host'), p.host))
    .map(([k, v]) => `${influxEscape(k, /[ ,=\\]/g)}=${influxEscape(v, /[ ,=\\]/g)}`);
  const unique = fc.uniqueArray(tag, { maxLength: 3, selector: (t) => t.split('=')[0] });
  const tags = clean
    ? unique
    : fc.oneof({ weight: 9, arbitrary: unique }, { weight: 1, arbitrary: fc.array(tag, { maxLength: 3 }) });
  const goodValue = fc.oneof(
    fc.double({ noNaN: true, noDefaultInfinity: true }).map(String),
    fc.integer().map((i) => `${i}i`),
    fc.nat().map((i) => `${i}u`),
  );
  const fieldValue = clean
    ? goodValue
    : fc.oneof(
        goodValue,
        fc.constantFrom(
          't',
          'f',
          'true',
          'FALSE',
          '"text"',
          '"esc\\"aped"',
          'NaN',
          'inf',
          '-Inf',
          '1e400',
          '',
          '1.2.3',
          '--1',
        ),
      );
  const fieldName = clean
    ? fc.constantFrom('value', 'a', 'b', 'usage')
    : fc.oneof(fc.constantFrom('value', 'a', 'b', 'usage'), nasty);
  const field = fc.tuple(fieldName, fieldValue).map(([k, v]) => `${influxEscape(k, /[ ,=\\]/g)}=${v}`);
  const ms = fc.integer({ min: now - 7 * 86_400_000, max: now });
  const stamp = clean
    ? fc.oneof(
        ms.map((t) => ` ${BigInt(t) * 1_000_000n}`),
        fc.constant(''),
      )
    : fc.oneof(
        ms.map((t) => ` ${t}`),
        ms.map((t) => ` ${BigInt(t) * 1_000_000n}`),
        fc.constantFrom('', ' 0', ' -1', ' 1.5', ` ${2n ** 70n}`, ' x', '  ', ` ${now}000000000`),
      );
  const line = fc
    .tuple(
      measurement,
      tags,
      fc.uniqueArray(field, { minLength: 1, maxLength: 3, selector: (f) => f.split('=')[0] }),
      stamp,
    )
    .map(([m, tags, fields, t]) => `${m}${tags.map((x) => `,${x}`).join('')} ${fields.join(',')}${t}`);
  if (clean) return line;
  return fc.oneof(
    { weight: 8, arbitrary: line },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        '',
        '# comment',
        '   ',
        'm',
        'm ',
        'm,',
        'm f',
        'm f=',
        ',t=1 f=1',
        'm,t f=1',
        '\r',
      ),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(line, nasty, fc.nat())
        .map(([l, junk, at]) => l.slice(0, at % (l.length + 1)) + junk),
    },
  );
}

/** A `POST /api/v1/write` body (send it with `?host=` for lines without a host tag); 3 in 5 valid. */
export function influxBody(now: number): fc.Arbitrary<string> {
  const lines = (clean: boolean) =>
    fc
      .tuple(
        fc.array(influxLine(now, clean), { minLength: clean ? 1 : 0, maxLength: 8 }),
        fc.constantFrom('\n', '\r\n'),
      )
      .map(([ls, nl]) => ls.join(nl));
  return fc.oneof(
    { weight: 6, arbitrary: lines(true) },
    { weight: 3, arbitrary: lines(false) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 200 }) },
  );
}

/** How a body is sent: as is, gzipped, gzipped garbage, or with an encoding nobody accepts. */
export type Encoding = 'identity' | 'gzip' | 'bad-gzip' | 'br' | 'none';

export const encoding: fc.Arbitrary<Encoding> = fc.oneof(
  { weight: 14, arbitrary: fc.constant<Encoding>('none') },
  { weight: 2, arbitrary: fc.constant<Encoding>('gzip') },
  { weight: 1, arbitrary: fc.constantFrom<Encoding>('identity', 'bad-gzip', 'br') },
);

export function encode(
  body: string | Buffer | undefined,
  how: Encoding,
): { payload?: Buffer | string; header?: string } {
  if (body === undefined) return how === 'none' ? {} : { header: how === 'bad-gzip' ? 'gzip' : how };
  switch (how) {
    case 'none':
      return { payload: body };
    case 'identity':
      return { payload: body, header: 'identity' };
    case 'gzip':
      return { payload: gzipSync(body), header: 'gzip' };
    case 'bad-gzip': {
      const zipped = gzipSync(body);
      return { payload: zipped.subarray(0, Math.max(1, zipped.length >> 1)), header: 'gzip' };
    }
    case 'br':
      return { payload: body, header: 'br' };
  }
}

/** A query string value: from the parameter's schema, or anything. */
export function queryValue(schema: Schema | undefined): fc.Arbitrary<string> {
  const fromIt = schema
    ? fromSchema(schema, 0).map((v) => (typeof v === 'string' ? v : (JSON.stringify(v) ?? '')))
    : fc.string({ maxLength: 12 });
  return fc.oneof(
    { weight: 6, arbitrary: fromIt },
    { weight: 2, arbitrary: nasty },
    { weight: 1, arbitrary: fc.integer().map(String) },
  );
}

/** Percent-encodes as a client would; a lone surrogate (which cannot be encoded) goes out as its UTF-8 bytes. */
export function encodeSegment(value: string): string {
  try {
    return encodeURIComponent(value);
  } catch {
    return [...Buffer.from(value, 'utf8')].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');
  }
}

/** A path segment: a valid id, one of the pool, or hostile (percent-encoded as a client would, or not). */
export function pathSegment(schema: Schema | undefined): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 5, arbitrary: fc.constantFrom(...HOST_POOL) },
    {
      weight: 2,
      arbitrary: (schema ? fromSchema(schema, 0) : fc.string({ maxLength: 20 })).map((v) =>
        encodeSegment(String(v)),
      ),
    },
    { weight: 2, arbitrary: nasty.map(encodeSegment) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        '%',
        '%zz',
        '%E0%A4%A',
        '..',
        '.',
        '%2e%2e',
        'a%2Fb',
        '%00',
        'x'.repeat(5000),
      ),
    },
  );
}
