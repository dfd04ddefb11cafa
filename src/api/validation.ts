import type { FastifyInstance, FastifySchema, FastifySchemaCompiler } from 'fastify';
import { type TSchema, Type } from 'typebox';
import { Compile } from 'typebox/compile';
import { Value } from 'typebox/value';
import { describeIssue } from '../tenancy/index.ts';
import { PublicError } from './errors.ts';

/** Routes under this path get a closed, empty query schema when they declare none. */
const API_PREFIX = '/api/';
const NO_QUERY = Type.Object({}, { additionalProperties: false });

type SchemaNode = Record<string, unknown>;

function isNode(value: unknown): value is SchemaNode {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A copy with every own property, TypeBox's non-enumerable markers (`~kind`, `~optional`) included. */
function copyOf(node: SchemaNode): SchemaNode {
  return Object.defineProperties({}, Object.getOwnPropertyDescriptors(node));
}

function closeEach(record: unknown): unknown {
  if (!isNode(record)) return record;
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, closed(v)]));
}

/**
 * The schema with every object that says nothing about extra properties closed
 * (`additionalProperties: false`), nested ones included. Records (`patternProperties`) and objects that
 * chose `additionalProperties` keep their choice. The route's own schema is left as it is (OpenAPI
 * shows it unchanged).
 */
export function closed(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(closed);
  if (!isNode(schema)) return schema;
  const out = copyOf(schema);
  if (isNode(out.properties)) out.properties = closeEach(out.properties);
  if (isNode(out.patternProperties)) out.patternProperties = closeEach(out.patternProperties);
  // Not `allOf` (closing the parts of an intersection would refuse every value) nor `not` (it inverts).
  for (const key of ['items', 'prefixItems', 'additionalProperties', 'anyOf', 'oneOf'] as const) {
    if (out[key] !== undefined && typeof out[key] !== 'boolean') out[key] = closed(out[key]);
  }
  const opensItself = 'additionalProperties' in out || 'patternProperties' in out;
  if (out.type === 'object' && !opensItself) out.additionalProperties = false;
  return out;
}

/**
 * The validator compiler of every route, on TypeBox: the 400 names the field, e.g.
 * `body.thresholds.cpu: must be <= 100` or `query.startTme: is not a known field`. Unknown query
 * parameters and body fields are refused, even where a schema forgot `additionalProperties: false`
 * (Fastify's default Ajv drops them silently); headers stay open, since every request carries others.
 * Params, query and headers arrive as strings and are converted; the body is checked as sent, so a
 * JSON `"42"`, `true` or `null` never passes for a number.
 */
export const strictValidator: FastifySchemaCompiler<TSchema> = ({ schema, httpPart }) => {
  const strict = httpPart === 'querystring' || httpPart === 'body' ? (closed(schema) as TSchema) : schema;
  const compiled = Compile(strict);
  const root = httpPart === 'querystring' ? 'query' : (httpPart ?? 'body');
  const numeric = httpPart === 'body' ? undefined : numericProperties(schema);
  return (value: unknown) => {
    if (numeric && isNode(value)) {
      const quick = quickConvert(value, numeric);
      if (compiled.Check(quick)) return { value: quick };
    }
    const input = httpPart === 'body' ? value : Value.Convert(schema, value);
    if (compiled.Check(input)) return { value: input };
    const { field, problem } = describeIssue(compiled.Errors(input), root, strict);
    return { error: new PublicError('bad_request', `${field}: ${problem}`) };
  };
};

/** A number as a query string spells it most of the time: what `+text` reads the same as `Value.Convert`. */
const DECIMAL = /^-?\d+(\.\d+)?$/;

/**
 * The number and integer properties of an object schema whose other keys `Value.Convert` leaves as
 * they are; undefined for a schema it converts otherwise (extra properties under a schema of their own).
 */
function numericProperties(schema: unknown): readonly string[] | undefined {
  if (!isNode(schema) || schema.type !== 'object' || !isNode(schema.properties)) return undefined;
  if (isNode(schema.additionalProperties) || schema.patternProperties !== undefined) return undefined;
  return Object.entries(schema.properties)
    .filter(([, property]) => isNode(property) && (property.type === 'number' || property.type === 'integer'))
    .map(([key]) => key);
}

/**
 * `Value.Convert` of params and queries for their usual spellings, at a fraction of its cost (it made
 * a RegExp per property per request: 6 % of a cheap query's CPU): numbers written as plain decimals
 * become numbers, the rest stays as sent. Used only when the result passes the schema's check, which
 * then makes it what `Value.Convert` gives: a number property that needs more than this, or any other
 * conversion, fails the check here and goes through `Value.Convert`.
 */
function quickConvert(value: SchemaNode, numeric: readonly string[]): SchemaNode {
  const out: SchemaNode = { ...value };
  for (const key of numeric) {
    const text = out[key];
    if (typeof text === 'string' && DECIMAL.test(text)) out[key] = +text;
  }
  return out;
}

/** An API route without a query schema takes no query parameters: give it an empty, closed one. */
function defaultQuery(route: { url: string; schema?: FastifySchema }): void {
  if (!route.url.startsWith(API_PREFIX)) return;
  if (route.schema?.querystring !== undefined) return;
  route.schema = { ...route.schema, querystring: NO_QUERY };
}

/**
 * One validation regime for the whole app: `strictValidator` compiles every route's schemas, and API
 * routes that declare no query schema refuse every query parameter. Call before registering routes.
 */
export function installValidation(app: FastifyInstance): void {
  app.setValidatorCompiler(strictValidator);
  app.addHook('onRoute', defaultQuery);
}
