import { createGunzip } from 'node:zlib';
import type { FastifyRequest } from 'fastify';
import { PublicError } from './errors.ts';

/**
 * preParsing hook: inflates `Content-Encoding: gzip` bodies. Fastify counts the body limit on the
 * stream it is given, so the limit applies to the decompressed size (a zip bomb stops at the limit).
 */
export async function gunzipBody(request: FastifyRequest, _reply: unknown, payload: NodeJS.ReadableStream) {
  const encoding = String(request.headers['content-encoding'] ?? 'identity').toLowerCase();
  if (encoding === 'identity') return payload;
  if (encoding !== 'gzip') {
    throw new PublicError(
      'unsupported_media_type',
      `Content-Encoding ${encoding} is not accepted; send gzip or nothing`,
    );
  }
  const gunzip = createGunzip();
  gunzip.on('error', () => {
    // Surfaced by Fastify's body reader as a bad request; this keeps the stream from throwing unhandled.
  });
  // Fastify reads the decoded length for its limit check from the new stream.
  delete request.headers['content-length'];
  return payload.pipe(gunzip);
}
