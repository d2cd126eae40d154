import { type Frame, TesseraError } from '@tessera/protocol';
import type { ConnectionHandler } from './connection';
import { FrameInbox } from './frame-inbox';

type Seen = Frame | { closed: TesseraError | undefined };

function recorder(): { seen: Seen[]; handler: ConnectionHandler } {
  const seen: Seen[] = [];
  return {
    seen,
    handler: { onFrame: (f) => seen.push(f), onClose: (e) => seen.push({ closed: e }) },
  };
}

const frame = (id: number): Frame => ({ t: 'cancel', id });
const microtasks = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('FrameInbox', () => {
  it('buffers frames until attach, then delivers them in order in a microtask', async () => {
    const inbox = new FrameInbox();
    inbox.deliver(frame(1));
    inbox.deliver(frame(2));
    const rec = recorder();
    inbox.attach(rec.handler);
    expect(rec.seen).toEqual([]);
    inbox.deliver(frame(3)); // behind the buffered ones, not ahead of them
    await microtasks();
    expect(rec.seen).toEqual([frame(1), frame(2), frame(3)]);
  });

  it('hands a frame over at once when a handler is attached and nothing waits', () => {
    const inbox = new FrameInbox();
    const rec = recorder();
    inbox.attach(rec.handler);
    inbox.deliver(frame(1));
    expect(rec.seen).toEqual([frame(1)]);
  });

  it('with deferFrames, never runs the handler inside deliver and batches a tick', async () => {
    const inbox = new FrameInbox({ deferFrames: true });
    const rec = recorder();
    inbox.attach(rec.handler);
    inbox.deliver(frame(1));
    inbox.deliver(frame(2));
    expect(rec.seen).toEqual([]);
    await microtasks();
    expect(rec.seen).toEqual([frame(1), frame(2)]);
  });

  it('with answersAtOnce, hands a result or error over at once, but never ahead of a waiting frame', async () => {
    const inbox = new FrameInbox({ deferFrames: true, answersAtOnce: true });
    const rec = recorder();
    inbox.attach(rec.handler);
    const result: Frame = { t: 'result', id: 1, value: 'v' };
    const error: Frame = { t: 'error', id: 2, error: { code: 'INTERNAL', message: 'm' } };
    const call: Frame = { t: 'call', id: 3, token: '', method: 'm', args: [] };
    inbox.deliver(result);
    inbox.deliver(error);
    expect(rec.seen).toEqual([result, error]);
    inbox.deliver(call); // calls (and events, cancels...) still wait for a microtask
    inbox.deliver(result); // and an answer behind them keeps its place
    expect(rec.seen).toEqual([result, error]);
    await microtasks();
    expect(rec.seen).toEqual([result, error, call, result]);
  });

  it('with answersAtOnce, an answer arriving while a batch is handed over waits behind the batch', async () => {
    const inbox = new FrameInbox({ deferFrames: true, answersAtOnce: true });
    const seen: Frame[] = [];
    const late: Frame = { t: 'result', id: 9, value: 'late' };
    inbox.attach({
      onFrame: (f) => {
        seen.push(f);
        if (f.t === 'cancel' && f.id === 1) inbox.deliver(late);
      },
      onClose: () => undefined,
    });
    inbox.deliver(frame(1));
    inbox.deliver(frame(2));
    await microtasks();
    expect(seen).toEqual([frame(1), frame(2), late]);
  });

  it('reports close exactly once, after the buffered frames, never inside close()', async () => {
    const inbox = new FrameInbox();
    inbox.deliver(frame(1));
    const error = TesseraError.unavailable('peer died');
    inbox.close(error);
    inbox.close(undefined);
    const rec = recorder();
    inbox.attach(rec.handler);
    await microtasks();
    expect(rec.seen).toEqual([frame(1), { closed: error }]);
    inbox.attach(rec.handler);
    await microtasks();
    expect(rec.seen).toHaveLength(2);
  });

  it('defers the close even with a handler attached', async () => {
    const inbox = new FrameInbox();
    const rec = recorder();
    inbox.attach(rec.handler);
    inbox.close();
    expect(inbox.closed).toBe(true);
    expect(rec.seen).toEqual([]);
    await microtasks();
    expect(rec.seen).toEqual([{ closed: undefined }]);
  });

  it('drops frames delivered after close, and discarded ones', async () => {
    const inbox = new FrameInbox();
    inbox.deliver(frame(1));
    inbox.discard();
    inbox.deliver(frame(2));
    inbox.close();
    inbox.deliver(frame(3));
    const rec = recorder();
    inbox.attach(rec.handler);
    await microtasks();
    expect(rec.seen).toEqual([frame(2), { closed: undefined }]);
  });

  it('keeps order when the handler closes the inbox from inside onFrame', async () => {
    const inbox = new FrameInbox({ deferFrames: true });
    const seen: Seen[] = [];
    inbox.attach({
      onFrame: (f) => {
        seen.push(f);
        inbox.close();
      },
      onClose: (e) => seen.push({ closed: e }),
    });
    inbox.deliver(frame(1));
    inbox.deliver(frame(2));
    await microtasks();
    expect(seen).toEqual([frame(1), frame(2), { closed: undefined }]);
  });
});
