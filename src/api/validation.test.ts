import fc from 'fast-check';
import Fastify, { type FastifyInstance, type FastifySchemaCompiler } from 'fastify';
import { type TSchema, Type } from 'typebox';
import { Compile } from 'typebox/compile';
import { Value } from 'typebox/value';
import { afterEach, describe, expect, it } from 'vitest';
import { installErrorHandling } from './error-handler.ts';
import { closed, installValidation, strictValidator } from './validation.ts';

const Query = Type.Object({ count: Type.Optional(Type.Integer({ minimum: 1 })) });
const Body = Type.Object({
  name: Type.String(),
  limits: Type.Optional(Type.Object({ cpu: Type.Number() })),
  labels: Type.Optional(Type.Record(Type.String(), Type.String())),
  extra: Type.Optional(Type.Object({}, { additionalProperties: true })),
});
const Headers = Type.Object({ 'x-key': Type.Optional(Type.String()) });

async function appWithRoutes(): Promise<FastifyInstance> {
  const app = Fastify();
  installErrorHandling(app);
  installValidation(app);
  app.post(
    '/api/things',
    { schema: { querystring: Query, body: Body, headers: Headers } },
    async (request) => ({ query: request.query, body: request.body }),
  );
  app.get('/api/plain', async () => ({ ok: true }));
  app.get('/outside', async (request) => ({ query: request.query }));
  await app.ready();
  return app;
}

describe('installValidation', () => {
  let app: FastifyInstance | undefined;
  afterEach(async () => app?.close());

  const post = (url: string, payload: unknown, headers: Record<string, string> = {}) =>
    app?.inject({ method: 'POST', url, payload: payload as object, headers });
  const message = (res: Awaited<ReturnType<typeof post>>) => res?.json().error.message;

  it('does convert query strings and take the body as sent when both are valid', async () => {
    app = await appWithRoutes();
    const res = await post('/api/things?count=3', { name: 'a', labels: { env: 'x' }, extra: { any: 1 } });
    expect(res?.statusCode).toBe(200);
    expect(res?.json()).toEqual({
      query: { count: 3 },
      body: { name: 'a', labels: { env: 'x' }, extra: { any: 1 } },
    });
  });

  it('does refuse unknown query parameters and body fields, nested ones too, when the schema left them open', async () => {
    app = await appWithRoutes();
    expect(message(await post('/api/things?cuont=3', { name: 'a' }))).toBe(
      'query.cuont: is not a known field',
    );
    expect(message(await post('/api/things', { name: 'a', nmae: 'b' }))).toBe(
      'body.nmae: is not a known field',
    );
    expect(message(await post('/api/things', { name: 'a', limits: { cpu: 1, mem: 2 } }))).toBe(
      'body.limits.mem: is not a known field',
    );
  });

  it('does never coerce a JSON body value to another type', async () => {
    app = await appWithRoutes();
    for (const cpu of ['42', true, null]) {
      const res = await post('/api/things', { name: 'a', limits: { cpu } });
      expect(res?.statusCode).toBe(400);
      expect(message(res)).toBe('body.limits.cpu: must be number');
    }
  });

  it('does let other headers through', async () => {
    app = await appWithRoutes();
    const res = await post('/api/things', { name: 'a' }, { 'x-key': 'k', 'x-other': 'o' });
    expect(res?.statusCode).toBe(200);
  });

  it('does refuse any query parameter on an API route that declares none, and leaves other routes alone', async () => {
    app = await appWithRoutes();
    const plain = await app.inject({ url: '/api/plain?x=1' });
    expect(plain.statusCode).toBe(400);
    expect(plain.json().error).toMatchObject({
      code: 'bad_request',
      message: 'query.x: is not a known field',
    });
    expect((await app.inject({ url: '/api/plain' })).statusCode).toBe(200);
    expect((await app.inject({ url: '/outside?range=1h' })).json()).toEqual({ query: { range: '1h' } });
  });
});

describe('closed', () => {
  it('does close objects that say nothing about extra properties and keep records and explicit choices', () => {
    const schema = closed(Body) as Record<string, unknown>;
    expect(schema.additionalProperties).toBe(false);
    expect(schema).toMatchObject({
      properties: {
        limits: { additionalProperties: false },
        labels: { patternProperties: { '^.*$': { type: 'string' } } },
        extra: { additionalProperties: true },
      },
    });
    expect(schema).not.toHaveProperty('properties.labels.additionalProperties');
    expect(Body).not.toHaveProperty('additionalProperties');
  });
});

describe('strictValidator on query strings', () => {
  const schema = Type.Object({
    from: Type.Optional(Type.Integer({ minimum: 0 })),
    step: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
    fn: Type.Optional(Type.Union([Type.Literal('avg'), Type.Literal('max')])),
    name: Type.Optional(Type.String()),
    either: Type.Optional(Type.Union([Type.Integer(), Type.Literal('auto')])),
    on: Type.Optional(Type.Boolean()),
  });
  const validate = (strictValidator as FastifySchemaCompiler<TSchema>)({
    schema,
    httpPart: 'querystring',
    method: 'GET',
    url: '/api/x',
  }) as (value: unknown) => { value?: unknown; error?: Error };
  const reference = Compile(closed(schema) as TSchema);
  const spelling = fc.oneof(
    fc.constantFrom(
      '1',
      '-0',
      '007',
      '1.5',
      '1e3',
      '0x10',
      ' 5',
      '5 ',
      '',
      'true',
      'avg',
      'auto',
      '12.',
      '.5',
      'NaN',
    ),
    fc.integer().map(String),
    fc.double({ noNaN: true }).map(String),
    fc.string({ maxLength: 6 }),
  );

  it('does give what Value.Convert gives, or refuse what it refuses, for any spelling', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.constantFrom('from', 'step', 'fn', 'name', 'either', 'on', 'other'), spelling),
        (query) => {
          const converted = Value.Convert(schema, { ...query });
          const got = validate({ ...query });
          if (reference.Check(converted)) expect(got.value).toEqual(converted);
          else expect(got.error).toBeDefined();
        },
      ),
      { numRuns: 2000 },
    );
  });
});
