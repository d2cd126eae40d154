import { ErrorCode } from '@tessera/protocol';
import { ipcAddressOf, ipcPathOf } from './ipc-address';

describe('ipc addresses', () => {
  it('maps ipc:///abs/path to the absolute path and back', () => {
    expect(ipcPathOf('ipc:///run/tessera/a.sock', 'linux')).toBe('/run/tessera/a.sock');
    expect(ipcAddressOf('/run/tessera/a.sock')).toBe('ipc:///run/tessera/a.sock');
  });

  it('refuses other schemes, relative paths and paths longer than sun_path', () => {
    for (const bad of ['tcp://x', 'ipc://relative.sock', `ipc:///${'x'.repeat(200)}`]) {
      expect(() => ipcPathOf(bad, 'linux')).toThrow(
        expect.objectContaining({ code: ErrorCode.INVALID_ARGUMENT }),
      );
    }
  });

  it('takes Windows named pipes in the \\\\.\\pipe\\ form only on win32', () => {
    expect(ipcPathOf('ipc://\\\\.\\pipe\\tessera-1', 'win32')).toBe('\\\\.\\pipe\\tessera-1');
    expect(() => ipcPathOf('ipc://C:\\x.sock', 'win32')).toThrow(/must name a pipe/);
    expect(() => ipcPathOf('ipc://\\\\.\\pipe\\tessera-1', 'linux')).toThrow(/absolute path/);
  });
});
