import { describe, expect, it } from 'vitest';
import { decodeEnvelope, encodeEnvelope, type LiveEnvelope, liveChannel } from './message.ts';

describe('live messages', () => {
  it('does round-trip an envelope, non-finite values as strings', () => {
    const envelope: LiveEnvelope = {
      origin: 'p1',
      org: 'default',
      event: { type: 'samples', host: 'web-1', samples: { 'cpu.usage': [1, 2.5], 'load.1': [1, 'NaN'] } },
    };
    expect(decodeEnvelope(encodeEnvelope(envelope))).toEqual(envelope);
  });

  it('does ignore anything on the channel that is not an envelope', () => {
    for (const text of [
      '',
      'not json',
      '{}',
      '{"origin":"p","org":"o","event":{"type":"other","host":"h"}}',
    ]) {
      expect(decodeEnvelope(text)).toBeUndefined();
    }
  });

  it('does name channels with the key prefix so installations sharing a Redis stay apart', () => {
    expect(liveChannel('vitals:', 'default')).toBe('vitals:live:default');
  });
});
