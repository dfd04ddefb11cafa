import { Writable } from 'node:stream';
import Fastify, { type FastifyBaseLogger, LogController } from 'fastify';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { lazyChildLogger, requestIds } from './request-log.ts';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n')) if (line) lines.push(JSON.parse(line));
      done();
    },
  });
  return { lines, logger: pino({ level: 'info' }, stream) };
}

describe('request logger', () => {
  it('makes the child only when a request logs, with the same bindings and level', () => {
    const { lines, logger } = capture();
    let children = 0;
    const parent = new Proxy(logger, {
      get(target, prop, receiver) {
        if (prop === 'child') {
          return (...args: Parameters<typeof logger.child>) => {
            children++;
            return target.child(...args);
          };
        }
        return Reflect.get(target, prop, receiver);
      },
    }) as unknown as FastifyBaseLogger;
    const quiet = lazyChildLogger(parent, { reqId: 'a-1' }, {});
    expect(quiet.level).toBe('info');
    expect(children).toBe(0);
    const loud = lazyChildLogger(parent, { reqId: 'a-2' }, {});
    loud.info({ n: 1 }, 'first');
    loud.debug('below the level');
    loud.error(new Error('boom'), 'second');
    expect(children).toBe(1);
    expect(lines.map((l) => [l.reqId, l.msg, l.n])).toEqual([
      ['a-2', 'first', 1],
      ['a-2', 'second', undefined],
    ]);
    expect(lines[1]?.err).toMatchObject({ message: 'boom' });
    // A route's own level (Fastify passes it as the child's option).
    const debug = lazyChildLogger(parent, { reqId: 'a-3' }, { level: 'debug' });
    expect(debug.level).toBe('debug');
    debug.debug('shown');
    expect(lines.at(-1)).toMatchObject({ reqId: 'a-3', msg: 'shown', level: 20 });
    debug.child({ part: 'x' }).warn('nested');
    expect(lines.at(-1)).toMatchObject({ reqId: 'a-3', part: 'x', msg: 'nested' });
  });

  it('logs a failing request with its id through Fastify', async () => {
    const { lines, logger } = capture();
    const app = Fastify({
      loggerInstance: logger,
      logController: new LogController({ disableRequestLogging: true }),
      childLoggerFactory: lazyChildLogger,
      genReqId: requestIds(),
    });
    app.get('/ok', async () => ({ ok: true }));
    app.get('/fail', async (request) => {
      request.log.warn('about to fail');
      throw new Error('nope');
    });
    await app.inject({ url: '/ok' });
    const res = await app.inject({ url: '/fail' });
    await app.close();
    expect(res.statusCode).toBe(500);
    const reqIds = lines.filter((l) => l.reqId !== undefined).map((l) => l.reqId);
    // Only the failing request logged, with its id (request logging is off, as in Vitals' app).
    expect(lines.map((l) => l.msg)).toEqual(['about to fail']);
    expect(new Set(reqIds).size).toBe(1);
    expect(String(reqIds[0])).toMatch(/^[0-9a-f]{12}-2$/);
  });

  it('gives unique ids per process, and different prefixes to different processes', () => {
    const a = requestIds();
    const b = requestIds();
    const ids = Array.from({ length: 1000 }, a);
    expect(new Set(ids).size).toBe(1000);
    expect(ids[35]).toMatch(/-10$/);
    expect(b().split('-')[0]).not.toBe(ids[0]?.split('-')[0]);
  });
});
