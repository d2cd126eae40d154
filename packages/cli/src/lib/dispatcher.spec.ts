import type { CliIo, Command } from './command';
import { dispatch } from './dispatcher';
import { ExitCode } from './exit-codes';
import { UsageError } from './usage-error';

function fakeIo(): CliIo & { out: string; err: string } {
  const io = { out: '', err: '', cwd: '/', env: {} } as CliIo & { out: string; err: string };
  io.stdout = (t) => void (io.out += t);
  io.stderr = (t) => void (io.err += t);
  return io;
}

const ran: string[][] = [];
const cmd = (path: string[], run?: Command['run']): Command => ({
  path,
  summary: `does ${path.join(' ')}`,
  usage: `usage: tessera ${path.join(' ')}`,
  run: run ?? (async (args) => (ran.push([...path, ...args]), ExitCode.OK)),
});

describe('dispatch', () => {
  const commands = [
    cmd(['ls']),
    cmd(['policy', 'eval']),
    cmd(['policy', 'boom'], async () => {
      throw new Error('kaput');
    }),
    cmd(['policy', 'bad'], async () => {
      throw new UsageError('--x is required');
    }),
  ];

  it('runs the command whose path matches, with the remaining arguments', async () => {
    expect(await dispatch(commands, ['policy', 'eval', '--input', 'f'], fakeIo())).toBe(
      ExitCode.OK,
    );
    expect(ran.at(-1)).toEqual(['policy', 'eval', '--input', 'f']);
  });

  it('lists a group with --help (exit 0) and without (exit 2)', async () => {
    const help = fakeIo();
    expect(await dispatch(commands, ['policy', '--help'], help)).toBe(ExitCode.OK);
    expect(help.out).toContain('tessera policy eval');
    expect(help.out).not.toContain('tessera ls');
    const bare = fakeIo();
    expect(await dispatch(commands, ['policy'], bare)).toBe(ExitCode.USAGE);
    expect(bare.err).toContain('tessera policy eval');
  });

  it('maps UsageError to 2 with the usage, other errors to 1', async () => {
    const usage = fakeIo();
    expect(await dispatch(commands, ['policy', 'bad'], usage)).toBe(ExitCode.USAGE);
    expect(usage.err).toContain('--x is required');
    expect(usage.err).toContain('usage: tessera policy bad');
    const boom = fakeIo();
    expect(await dispatch(commands, ['policy', 'boom'], boom)).toBe(ExitCode.FAILURE);
    expect(boom.err).toContain('kaput');
  });

  it('shows a command usage on --help without running it', async () => {
    const io = fakeIo();
    const before = ran.length;
    expect(await dispatch(commands, ['ls', '--help'], io)).toBe(ExitCode.OK);
    expect(io.out).toBe('usage: tessera ls\n');
    expect(ran.length).toBe(before);
  });
});
