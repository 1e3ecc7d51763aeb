import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { acceptsGzip } from '../../src/http/accepts-gzip.ts';

const decide = (field?: string) => acceptsGzip(field === undefined ? {} : { 'accept-encoding': field });

describe('Accept-Encoding: gzip or not', () => {
  it('gives gzip to clients that take it', () => {
    for (const field of ['gzip', 'gzip, deflate, br', 'br;q=1.0, gzip;q=0.8, *;q=0.1', 'GZIP', '*', 'deflate, *', 'gzip;q=0.001']) {
      assert.equal(decide(field), true, field);
    }
  });

  it('gives the plain bytes to clients that refuse gzip, prefer identity, or say nothing', () => {
    for (const field of [
      undefined,
      '',
      'identity',
      'gzip;q=0',
      'gzip;q=0, *',
      'gzip; q=0.000',
      '*;q=0',
      'deflate, br',
      'gzip;q=0.5, identity',
      'x-compress',
    ]) {
      assert.equal(decide(field), false, String(field));
    }
  });
});
