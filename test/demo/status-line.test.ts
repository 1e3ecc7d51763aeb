// The demo's status line: one line rewritten in place on a terminal, appended lines elsewhere.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, test } from 'node:test';
import { formatStatus, StatusLine, type StatusSnapshot } from '../../src/demo/status-line.ts';
import { DemoStats } from '../../src/demo/stats.ts';
import { waitFor } from '../helpers/server.ts';

class Capture extends Writable {
  text = '';
  constructor(
    readonly isTTY: boolean,
    readonly columns = 80,
  ) {
    super();
  }
  override _write(chunk: Buffer, _encoding: BufferEncoding, done: () => void): void {
    this.text += String(chunk);
    done();
  }
}

function snapshot(): StatusSnapshot {
  const stats = new DemoStats();
  stats.add('joined', 3);
  stats.add('left');
  stats.add('views', 7);
  stats.add('resumed', 2);
  return {
    sessions: { representative: 2, support_customer: 3, presentation_attendee: 1, push_agent: 1, web: 9 },
    detached: 1,
    waiting: 1,
    inSupport: 2,
    counts: stats.takeInterval(),
  };
}

describe('demo status line', () => {
  test('says what the server holds by client type and what happened in the interval', () => {
    const line = formatStatus(snapshot(), 5_000, new Date(2025, 0, 1, 9, 5, 7));
    assert.match(line, /^09:05:07 16 sessions \(2 rep, 3 customer, 1 attendee, 1 jumpoint, 9 web; 1 detached\)/);
    assert.match(line, /support: 2 in session, 1 waiting/);
    assert.match(line, /last 5s: 3 joined, 1 left, 2 resumed, 7 view changes$/);
    assert.match(
      formatStatus({ ...snapshot(), counts: { ...snapshot().counts, errors: 2 }, lastError: 'web_staff-1: refused' }, 1_000),
      /2 errors \(web_staff-1: refused\)$/,
    );
    assert.match(formatStatus({ ...snapshot(), counts: new DemoStats().takeInterval() }, 1_000), /last 1s: quiet$/);
  });

  test('the interval counters reset at each take; totals keep counting', () => {
    const stats = new DemoStats();
    stats.add('views', 2);
    assert.equal(stats.takeInterval().views, 2);
    stats.add('views');
    assert.equal(stats.takeInterval().views, 1);
    assert.equal(stats.total.views, 3);
  });

  test('on a terminal the line is rewritten in place, fitted to the width, and ended on stop', async () => {
    const out = new Capture(true, 60);
    const status = new StatusLine({ out, snapshot: async () => snapshot(), intervalMs: 10 });
    status.start();
    await waitFor(() => out.text.split('\r').length > 2, { what: 'two status lines' });
    await status.stop();
    assert.ok(!out.text.slice(0, -1).includes('\n'), 'no newline until the end');
    assert.ok(out.text.endsWith('\n'));
    for (const line of out.text.split('\r').slice(1)) {
      assert.ok(line.replace('\x1b[K', '').trimEnd().length <= 59, `fits: ${JSON.stringify(line)}`);
    }
  });

  test('elsewhere each status is a line of its own', async () => {
    const out = new Capture(false);
    const status = new StatusLine({ out, snapshot: async () => snapshot(), intervalMs: 10 });
    status.start();
    await waitFor(() => out.text.split('\n').length > 2, { what: 'two status lines' });
    await status.stop();
    assert.ok(!out.text.includes('\r'));
    assert.match(out.text.split('\n')[0] ?? '', /16 sessions/);
  });
});
