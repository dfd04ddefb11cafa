import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';

/** `?ack=`, taken by every ingest route. */
export const ACK_PARAM = Type.Optional(
  Type.Union([Type.Literal('durable'), Type.Literal('buffered')], { description: 'default: VITALS_ACK' }),
);

/** The `Idempotency-Key` header every ingest route takes. */
export const INGEST_HEADERS = Type.Object({
  'idempotency-key': Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 256,
      description: 'remembered 24 h; a retry gets the original response and writes nothing',
    }),
  ),
});

/**
 * In a route's own plugin scope: every body is read as bytes whatever its Content-Type (protobuf,
 * snappy, OTLP's two encodings); the handler checks the type itself and names what it takes.
 */
export function readBodiesAsBytes(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
}
