// NodeWatch: a node keeps beating while it ends a lost node's sessions (or the cluster would take it
// for lost in turn), a slow turn is never overtaken by the next, and what an operator must hear of is
// said: a node taken for lost, and this node found taken for lost.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { NodeWatch } from '../../src/core/node-watch.ts';

/** A promise and the function that settles it. */
function gate(): { opened: Promise<void>; open: () => void } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

describe('NodeWatch', () => {
  it('beats while a lost node’s sessions are being ended, and looks again only when that is done', async () => {
    const reaping = gate();
    let beats = 0;
    let looks = 0;
    const warnings: string[] = [];
    const watch = new NodeWatch(
      {
        beat: async () => {
          beats++;
          return true;
        },
        reapSilentNodes: async (_silenceMs, onLost) => {
          looks++;
          onLost?.('node-b');
          await reaping.opened;
          return ['node-b'];
        },
      },
      { beatMs: 1_000, silenceMs: 3_000, onError: (error) => assert.fail(String(error)), onWarning: (m) => warnings.push(m) },
    );
    const first = watch.tick();
    await new Promise((resolve) => setImmediate(resolve)); // the first beat is done, the look is not
    await watch.tick();
    await watch.tick();
    assert.equal(beats, 3, 'every turn beats, though the first look has not finished');
    assert.equal(looks, 1, 'no second look while the first runs');
    assert.deepEqual(warnings, ["node node-b was silent over 3000 ms: ending its sockets' sessions (node_lost)"]);
    reaping.open();
    await first;
    await watch.tick();
    assert.equal(looks, 2);
    await watch.stop();
  });

  it('says so when the cluster took this node for lost, and reports a failed beat as a fault', async () => {
    const answers: (boolean | Error)[] = [true, false, new Error('redis down'), true];
    const warnings: string[] = [];
    const faults: string[] = [];
    const watch = new NodeWatch(
      {
        beat: async () => {
          const answer = answers.shift()!;
          if (answer instanceof Error) throw answer;
          return answer;
        },
        reapSilentNodes: async () => [],
      },
      { beatMs: 1_000, silenceMs: 3_000, onError: (_e, context) => faults.push(context), onWarning: (m) => warnings.push(m) },
    );
    for (let turn = 0; turn < 4; turn++) await watch.tick();
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /took this node for lost .* joined again/);
    assert.deepEqual(faults, ['node beat']);
    await watch.stop();
  });
});
