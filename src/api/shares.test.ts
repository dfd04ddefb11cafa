import { describe, expect, it } from 'vitest';
import { PublicError } from './errors.ts';
import { Shares } from './shares.ts';

const NAMES = { what: 'widgets', vars: { total: 'W_TOTAL', perOrg: 'W_ORG', perToken: 'W_TOKEN' } };

function refusal(fn: () => unknown): PublicError {
  try {
    fn();
  } catch (err: unknown) {
    if (err instanceof PublicError) return err;
    throw err;
  }
  throw new Error('expected a refusal');
}

describe('Shares', () => {
  it('does refuse past the token, the org and the process limit, in that order, naming each', () => {
    const shares = new Shares({ total: 3, perOrg: 2, perToken: 1 }, NAMES, 7);
    shares.acquire({ org: 'a', tokenId: 't1' });
    expect(refusal(() => shares.acquire({ org: 'a', tokenId: 't1' }))).toMatchObject({
      code: 'rate_limited',
      retryAfterSec: 7,
      message: 'too many widgets for this token: at most 1 at once (W_TOKEN)',
    });
    shares.acquire({ org: 'a', tokenId: 't2' });
    expect(refusal(() => shares.acquire({ org: 'a', tokenId: 't3' })).message).toContain('for this org');
    shares.acquire({ org: 'b', tokenId: 't1' }); // the same token id in another org is another token
    const full = refusal(() => shares.acquire({ org: 'c', tokenId: 't1' }));
    expect(full).toMatchObject({ code: 'unavailable', message: expect.stringContaining('(W_TOTAL)') });
    // A token at its own limit hears about its limit even when the process is full.
    expect(refusal(() => shares.acquire({ org: 'a', tokenId: 't1' })).message).toContain('(W_TOKEN)');
    expect([shares.held(), shares.held('a'), shares.held('b')]).toEqual([3, 2, 1]);
  });

  it('does give a share back once however often its release is called', () => {
    const shares = new Shares({ total: 2, perOrg: 2, perToken: 2 }, NAMES);
    const release = shares.acquire({ org: 'a', tokenId: 't' });
    shares.acquire({ org: 'a', tokenId: 't' });
    release();
    release();
    expect(shares.held('a')).toBe(1);
    shares.acquire({ org: 'a', tokenId: 't' });
    expect(() => shares.acquire({ org: 'a', tokenId: 't' })).toThrow(PublicError);
  });
});
