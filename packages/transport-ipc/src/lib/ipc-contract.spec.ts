import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RpcPeer } from '@tessera/transport';
import { describeChannelAuthContract, describeTransportContract } from '@tessera/transport/testing';
import { killAllChildren, startChildServer } from '../../test/child-server';
import { IpcTransport } from './ipc-transport';

// The server side runs in a real child process on the built package, so
// peer death is a real SIGKILL and every frame crosses a real socket.
const root = mkdtempSync(join(tmpdir(), 'tessera-ipc-contract-'));
const runtimeDir = join(root, 'run');

afterAll(() => {
  killAllChildren();
  rmSync(root, { recursive: true, force: true });
});

describeTransportContract('ipc', () => ({
  client: () => new IpcTransport({ runtimeDir }),
  startServer: () => startChildServer(runtimeDir),
}));

describe('ipc contract server lifecycle', () => {
  it('leaves no process and no socket file behind after stop, even after a kill', async () => {
    const server = await startChildServer(runtimeDir);
    const transport = new IpcTransport({ runtimeDir });
    const peer = new RpcPeer(await transport.connect(server.address));
    await expect(peer.call('echo', ['up'])).resolves.toBe('up');
    expect(readdirSync(runtimeDir)).toContain(server.address.split('/').pop());
    await server.stop();
    expect(() => process.kill(server.pid, 0)).toThrow(/ESRCH/);
    expect(readdirSync(runtimeDir)).toEqual([]);
    await peer.close();
    await transport.close();

    const killed = await startChildServer(runtimeDir);
    await killed.kill();
    await killed.stop();
    expect(readdirSync(runtimeDir)).toEqual([]);
  });

  it('holds no stale socket from any contract test', () => {
    expect(readdirSync(runtimeDir)).toEqual([]);
  });
});

// Its drops (e.g. a frame over the handshake limit) are expected: keep them off the console.
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
describeChannelAuthContract(
  'ipc',
  () => new IpcTransport({ runtimeDir: join(root, 'auth'), logger: quiet }),
);
