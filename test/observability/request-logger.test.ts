// Each request's logger makes its pino child only when the request logs something, and then writes
// exactly what Fastify's default child would: the request id bound, the level inherited.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import type { FastifyBaseLogger } from 'fastify';
import { pino } from 'pino';
import { lazyRequestLogger } from '../../src/observability/request-logger.ts';

/** A pino logger writing into an array, wrapped so the test sees every child it makes. */
function countingLogger(level: string) {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
      done();
    },
  });
  const root = pino({ level }, stream);
  let children = 0;
  const parent: FastifyBaseLogger = Object.assign(Object.create(root) as FastifyBaseLogger, {
    child: (...args: Parameters<FastifyBaseLogger['child']>) => {
      children++;
      return root.child(...args);
    },
  });
  return { parent, lines, children: () => children };
}

describe('lazyRequestLogger', () => {
  it('makes no child for a request that logs nothing', () => {
    const { parent, children } = countingLogger('info');
    for (let i = 0; i < 3; i++) {
      const logger = lazyRequestLogger(parent, { reqId: `r${i}` }, {});
      assert.equal(logger.level, 'info');
    }
    assert.equal(children(), 0);
  });

  it('writes the request id on every line, with one child however many lines', () => {
    const { parent, lines, children } = countingLogger('info');
    const logger = lazyRequestLogger(parent, { reqId: 'req-1' }, {});
    logger.error({ err: new Error('boom'), errorId: 'e-1' }, 'request failed');
    logger.info('plain %s', 'text');
    logger.debug('below the level: not written');
    logger.child({ part: 'inner' }).warn('from a child');
    assert.equal(children(), 1);
    assert.deepEqual(
      lines.map(({ reqId, msg, level, errorId, part }) => ({ reqId, msg, level, errorId, part })),
      [
        { reqId: 'req-1', msg: 'request failed', level: 50, errorId: 'e-1', part: undefined },
        { reqId: 'req-1', msg: 'plain text', level: 30, errorId: undefined, part: undefined },
        { reqId: 'req-1', msg: 'from a child', level: 40, errorId: undefined, part: 'inner' },
      ],
    );
    assert.equal((lines[0]!.err as { message: string }).message, 'boom');
  });

  it('keeps a level given for the request, and a level set on it applies to its lines only', () => {
    const { parent, lines } = countingLogger('info');
    const verbose = lazyRequestLogger(parent, { reqId: 'req-2' }, { level: 'debug' });
    assert.equal(verbose.level, 'debug');
    verbose.debug('written at debug');
    const quiet = lazyRequestLogger(parent, { reqId: 'req-3' }, {});
    quiet.level = 'error';
    quiet.info('not written');
    assert.equal(quiet.level, 'error');
    assert.equal(parent.level, 'info');
    assert.deepEqual(
      lines.map((line) => [line.reqId, line.msg]),
      [['req-2', 'written at debug']],
    );
  });

  it('writes nothing when the app is silent', () => {
    const { parent, lines } = countingLogger('silent');
    const logger = lazyRequestLogger(parent, { reqId: 'req-4' }, {});
    logger.fatal('not even this');
    assert.deepEqual(lines, []);
  });
});
