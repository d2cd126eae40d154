import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addressOutside } from './host-address';

describe('addressOutside', () => {
  let root: string;
  let own: string;
  beforeAll(() => {
    root = realpathSync(mkdtempSync(join(tmpdir(), 'tessera-h-')));
    own = join(root, 'm1');
    mkdirSync(join(own, 'tessera-zmq-a'), { recursive: true });
    mkdirSync(join(root, 'm10'));
    mkdirSync(join(root, 'm2'));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('accepts ipc and zeromq ipc paths inside the socket dir', () => {
    const scope = { socketDir: own };
    expect(addressOutside(`ipc://${own}/123-abc.sock`, scope)).toBeUndefined();
    expect(addressOutside(`ipc://${own}/tessera-zmq-a/listener.sock`, scope)).toBeUndefined();
  });

  it("refuses a path anywhere else: a sibling's dir, a prefix, the dir itself, .. and relative", () => {
    const scope = { socketDir: own };
    const outside = `it lies outside its socket directory ${own}`;
    expect(addressOutside(`ipc://${root}/m2/x.sock`, scope)).toBe(outside);
    expect(addressOutside(`ipc://${root}/m10/x.sock`, scope)).toBe(outside);
    expect(addressOutside(`ipc://${own}`, scope)).toBe(outside);
    expect(addressOutside(`ipc://${own}/../m2/x.sock`, scope)).toBe(outside);
    expect(addressOutside('ipc:///tmp/tessera-zmq-x/listener.sock', scope)).toBe(outside);
    expect(addressOutside('ipc://x.sock', scope)).toBe('an ipc path must be absolute');
    expect(addressOutside('inproc://x', scope)).toMatch(/^only ipc:\/\//);
    expect(addressOutside('tcp://127.0.0.1:80', scope)).toBe('it was not told to listen on tcp');
  });

  it('refuses a path that leaves the dir through a link, or is a link', () => {
    if (process.platform === 'win32') return;
    const scope = { socketDir: own };
    symlinkSync(join(root, 'm2'), join(own, 'out'));
    writeFileSync(join(root, 'm2', 'op.sock'), '');
    symlinkSync(join(root, 'm2', 'op.sock'), join(own, 'op.sock'));
    expect(addressOutside(`ipc://${own}/out/op.sock`, scope)).toBe(
      `it lies outside its socket directory ${own} once links are resolved`,
    );
    expect(addressOutside(`ipc://${own}/op.sock`, scope)).toBe('it is a symbolic link');
  });

  it('in network mode, accepts tcp on the host it was told to listen on', () => {
    const scope = { socketDir: own, listenAddress: 'tcp://127.0.0.1:0' };
    expect(addressOutside('tcp://127.0.0.1:41234', scope)).toBeUndefined();
    expect(addressOutside('tcp://10.0.0.5:41234', scope)).toBe(
      'it was told to listen on tcp://127.0.0.1:0',
    );
    expect(addressOutside('tcp://127.0.0.1:80', { listenAddress: 'tcp://127.0.0.1:5555' })).toBe(
      'it was told to listen on tcp://127.0.0.1:5555',
    );
    expect(addressOutside('ipc:///tmp/x.sock', { listenAddress: 'tcp://127.0.0.1:0' })).toBe(
      'it was given no socket directory',
    );
  });

  it('on Windows, accepts only a named pipe that carries the host pid', () => {
    const scope = { socketDir: 'C:\\tmp\\m1', pid: 42 };
    expect(addressOutside('ipc://\\\\.\\pipe\\tessera-42-abc', scope)).toBeUndefined();
    expect(addressOutside('ipc://\\\\.\\pipe\\tessera-7-abc', scope)).toMatch(/named tessera-42-/);
  });

  it('sets no bound for a host that was given neither (unconfined, in-process)', () => {
    expect(addressOutside('ipc:///anywhere.sock', {})).toBeUndefined();
  });
});
