import { existsSync } from 'node:fs';

/** Debian's chromium (`apt-get install chromium`), or CHROMIUM_PATH. */
export function findChromium(): string | undefined {
  const candidates = [
    process.env['CHROMIUM_PATH'],
    '/usr/bin/chromium',
    '/usr/bin/chromium-browser',
    '/usr/bin/google-chrome',
  ];
  return candidates.find((p): p is string => p !== undefined && existsSync(p));
}
