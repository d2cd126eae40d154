import { bwrapArgs } from './bwrap-args';

describe('bwrapArgs', () => {
  const plan = {
    network: false,
    cwd: '/app/.tessera/data/notes',
    command: ['/usr/bin/node', '--experimental-permission', '/app/host-main.js'],
    mounts: [
      { kind: 'rw' as const, path: '/app/.tessera/data/notes' },
      { kind: 'ro' as const, path: '/run/tessera-h-x/m1' },
      { kind: 'rw' as const, path: '/run/tessera-h-x/m1' },
      { kind: 'ro' as const, path: '/app/node_modules' },
      { kind: 'symlink' as const, path: '/lib', target: 'usr/lib' },
      { kind: 'ro' as const, path: '/usr' },
      { kind: 'ro' as const, path: '/run/tessera-h-x' },
      { kind: 'ro' as const, path: '/app/node_modules' },
      { kind: 'ro' as const, path: '/etc/ssl/private-ish', optional: true },
    ],
  };

  it('unshares everything, mounts parents first and read-write over read-only, then runs the command', () => {
    expect(bwrapArgs(plan)).toEqual([
      '--die-with-parent',
      '--new-session',
      '--unshare-pid',
      '--unshare-ipc',
      '--unshare-uts',
      '--cap-drop',
      'ALL',
      '--unshare-net',
      '--dev',
      '/dev',
      '--proc',
      '/proc',
      '--symlink',
      'usr/lib',
      '/lib',
      '--ro-bind',
      '/usr',
      '/usr',
      '--ro-bind',
      '/app/node_modules',
      '/app/node_modules',
      '--ro-bind',
      '/run/tessera-h-x',
      '/run/tessera-h-x',
      '--ro-bind-try',
      '/etc/ssl/private-ish',
      '/etc/ssl/private-ish',
      '--ro-bind',
      '/run/tessera-h-x/m1',
      '/run/tessera-h-x/m1',
      '--bind',
      '/run/tessera-h-x/m1',
      '/run/tessera-h-x/m1',
      '--bind',
      '/app/.tessera/data/notes',
      '/app/.tessera/data/notes',
      '--chdir',
      '/app/.tessera/data/notes',
      '--',
      '/usr/bin/node',
      '--experimental-permission',
      '/app/host-main.js',
    ]);
  });

  it('shares the network namespace only when the carrier needs tcp', () => {
    expect(bwrapArgs({ ...plan, network: true })).not.toContain('--unshare-net');
  });
});
