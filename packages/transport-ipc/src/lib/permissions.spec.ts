import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  renameSync,
  symlinkSync,
  writeFileSync,
  readFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { ErrorCode } from '@tessera/protocol';
import { RpcPeer } from '@tessera/transport';
import { tempRoot } from '../../test/temp-dir';
import { IpcTransport } from './ipc-transport';

const dir = tempRoot('perm');
afterAll(() => dir.cleanup());

const mode = (path: string): number => lstatSync(path).mode & 0o777;
const pathOf = (address: string): string => address.slice('ipc://'.length);

describe('ipc socket permissions and files', () => {
  it('creates the runtime dir 0700 and the socket 0600, owned by us, and removes the socket on close', async () => {
    const runtimeDir = join(dir.root, 'fresh', 'run');
    const t = new IpcTransport({ runtimeDir });
    const listener = await t.listen(undefined, () => undefined);
    const socket = pathOf(listener.address);
    expect(socket.startsWith(`${runtimeDir}/`)).toBe(true);
    expect(mode(runtimeDir)).toBe(0o700);
    expect(lstatSync(runtimeDir).uid).toBe(process.getuid?.());
    expect(lstatSync(socket).isSocket()).toBe(true);
    expect(mode(socket)).toBe(0o600);
    await listener.close();
    expect(existsSync(socket)).toBe(false);
    await t.close();
  });

  it('makes a socket at an explicit address 0600 too', async () => {
    const t = new IpcTransport();
    const listener = await t.listen(`ipc://${join(dir.root, 'explicit.sock')}`, () => undefined);
    expect(mode(pathOf(listener.address))).toBe(0o600);
    await t.close();
    expect(existsSync(pathOf(listener.address))).toBe(false);
  });

  it('refuses an existing runtime dir that is not 0700, and a symlink, without touching them', async () => {
    const loose = join(dir.root, 'loose');
    mkdirSync(loose);
    chmodSync(loose, 0o755);
    await expect(
      new IpcTransport({ runtimeDir: loose }).listen(undefined, () => undefined),
    ).rejects.toMatchObject({
      code: ErrorCode.FAILED_PRECONDITION,
      message: expect.stringContaining('mode 0755'),
    });
    expect(mode(loose)).toBe(0o755);

    const real = join(dir.root, 'real');
    mkdirSync(real, { mode: 0o700 });
    const link = join(dir.root, 'link');
    symlinkSync(real, link);
    await expect(
      new IpcTransport({ runtimeDir: link }).listen(undefined, () => undefined),
    ).rejects.toMatchObject({
      code: ErrorCode.FAILED_PRECONDITION,
    });
  });

  it('replaces a stale socket file nobody answers on', async () => {
    const stale = join(dir.root, 'stale.sock');
    // A socket file whose server is gone: bind elsewhere, move the file, close the server.
    const bound = join(dir.root, 'bound.sock');
    const server = createServer();
    await new Promise<void>((r) => server.listen(bound, r));
    renameSync(bound, stale);
    await new Promise<void>((r) => server.close(() => r()));
    expect(lstatSync(stale).isSocket()).toBe(true);

    const t = new IpcTransport();
    const listener = await t.listen(
      `ipc://${stale}`,
      (conn) => new RpcPeer(conn, { handler: () => 'fresh' }),
    );
    const peer = new RpcPeer(await t.connect(listener.address));
    await expect(peer.call('any', [])).resolves.toBe('fresh');
    await t.close();
  });

  it('refuses an address a live listener holds, and a path that is not a socket', async () => {
    const t = new IpcTransport();
    const live = await t.listen(
      `ipc://${join(dir.root, 'live.sock')}`,
      (conn) => new RpcPeer(conn, { handler: () => 'first' }),
    );
    await expect(t.listen(live.address, () => undefined)).rejects.toMatchObject({
      code: ErrorCode.INVALID_ARGUMENT,
      message: expect.stringContaining('address in use'),
    });
    const peer = new RpcPeer(await t.connect(live.address));
    await expect(peer.call('any', [])).resolves.toBe('first');

    const file = join(dir.root, 'not-a-socket');
    writeFileSync(file, 'keep me');
    await expect(t.listen(`ipc://${file}`, () => undefined)).rejects.toMatchObject({
      code: ErrorCode.INVALID_ARGUMENT,
    });
    expect(readFileSync(file, 'utf8')).toBe('keep me');
    await t.close();
  });
});
