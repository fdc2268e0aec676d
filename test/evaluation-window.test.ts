/**
 * The run's window of files in progress (RunContext.eachInWindow): files
 * are pulled as places free up, never queued up front, and a failure stops
 * the pulling. Bound by events (deferred promises), not by time.
 */
import { describe, expect, it } from 'vitest';
import { EVALUATION_WINDOW, RunContext } from '../src/app/run-context.js';

function deferred(): { promise: Promise<void>; resolve: () => void; reject: (e: Error) => void } {
  let resolve!: () => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets every pending continuation run (a few turns of the microtask queue and one macrotask). */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('the window of files in progress', () => {
  it('starts EVALUATION_WINDOW items, then one more for each that ends, in order; every item once', async () => {
    const ctx = new RunContext({}, { cacheDir: '/nonexistent', cache: false });
    const items = Array.from({ length: EVALUATION_WINDOW * 2 + 7 }, (_, i) => i);
    const gates = items.map(() => deferred());
    const started: number[] = [];
    const done = ctx.eachInWindow(items, (i) => {
      started.push(i);
      return gates[i]!.promise;
    });
    await settle();
    expect(started).toEqual(items.slice(0, EVALUATION_WINDOW));
    gates[5]!.resolve();
    await settle();
    expect(started).toEqual(items.slice(0, EVALUATION_WINDOW + 1));
    for (const g of gates) g.resolve();
    await done;
    expect(started).toEqual(items);
  });

  it('after a failure starts nothing more, waits for those in progress, then throws the first failure', async () => {
    const ctx = new RunContext({}, { cacheDir: '/nonexistent', cache: false });
    const items = Array.from({ length: EVALUATION_WINDOW + 50 }, (_, i) => i);
    const gates = items.map(() => deferred());
    const started: number[] = [];
    let ended: 'no' | 'resolved' | 'rejected' = 'no';
    let thrown: unknown;
    const done = ctx.eachInWindow(items, (i) => {
      started.push(i);
      return gates[i]!.promise;
    });
    done.then(
      () => void (ended = 'resolved'),
      (e: unknown) => {
        ended = 'rejected';
        thrown = e;
      },
    );
    await settle();
    gates[3]!.reject(new Error('file 3 failed'));
    gates[7]!.reject(new Error('file 7 failed'));
    await settle();
    expect(ended).toBe('no'); // the other files in progress have not ended yet
    expect(started).toEqual(items.slice(0, EVALUATION_WINDOW));
    for (const g of gates) g.resolve();
    await settle();
    expect(ended).toBe('rejected');
    expect((thrown as Error).message).toBe('file 3 failed');
    expect(started).toEqual(items.slice(0, EVALUATION_WINDOW));
  });

  it('an empty list ends at once', async () => {
    const ctx = new RunContext({}, { cacheDir: '/nonexistent', cache: false });
    await expect(ctx.eachInWindow([], () => Promise.reject(new Error('never')))).resolves.toBeUndefined();
  });
});
