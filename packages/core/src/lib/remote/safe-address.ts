import { createSocket } from 'node:dgram';
import { lookup } from 'node:dns/promises';
import { isIP, isIPv4 } from 'node:net';
import { TesseraError } from '@tessera/protocol';

/** Host and port of a `tcp://host:port` address (IPv6 in brackets). */
export function tcpParts(address: string): { host: string; port: string } {
  const m = /^tcp:\/\/(\[[^\]]+\]|[^:/]+):(\d+|\*)$/.exec(address);
  if (!m) throw TesseraError.invalidArgument(`${address} is not a tcp://host:port address`);
  return { host: (m[1] as string).replace(/^\[|\]$/g, ''), port: m[2] as string };
}

/** 0.0.0.0, ::, *: bound everywhere, reachable at none of them by that name. */
export function isWildcard(host: string): boolean {
  return host === '0.0.0.0' || host === '::' || host === '*';
}

/** `localhost`, `::1`, or an IPv4 literal in 127.0.0.0/8 (a name such as `127.example.com` is not). */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || (isIPv4(host) && host.startsWith('127.'));
}

/**
 * The local address this machine uses to reach `host:port` (the source
 * address of its route there), found by connecting a UDP socket, which
 * sends nothing.
 */
export async function localAddressToward(host: string, port: number): Promise<string> {
  const ip = isIP(host) ? host : (await lookup(host)).address;
  const socket = createSocket(isIP(ip) === 6 ? 'udp6' : 'udp4');
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.connect(port, ip, () => resolve());
    });
    return socket.address().address;
  } catch (err) {
    throw TesseraError.unavailable(
      `no route to the core at ${host}:${port}: ${err instanceof Error ? err.message : String(err)}`,
    );
  } finally {
    socket.close();
  }
}

/**
 * Where a remote host listens and what it advertises, or `INVALID_ARGUMENT`
 * saying why peers could not reach it: never 0.0.0.0, and never loopback
 * unless the core itself is on loopback (one machine). Listening on a
 * wildcard, the advertised address is the one this machine reaches the core
 * from, unless `advertise` says otherwise.
 */
export async function safeHostAddress(options: {
  core: string;
  listen?: string;
  advertise?: string;
}): Promise<{ listen: string; advertise?: string; derived?: string }> {
  const core = tcpParts(options.core);
  const local = isLoopback(core.host);
  const listen = options.listen ?? 'tcp://0.0.0.0:0';
  const bound = tcpParts(listen).host;
  const fix =
    'give --listen tcp://<an address of this machine>:0, or --advertise <a name or address peers reach>';
  if (options.advertise !== undefined) {
    if (isWildcard(options.advertise))
      throw TesseraError.invalidArgument(
        `cannot advertise ${options.advertise}: it names no machine; ${fix}`,
      );
    if (isLoopback(options.advertise) && !local)
      throw TesseraError.invalidArgument(
        `cannot advertise ${options.advertise}: a loopback address, which modules on other machines cannot reach; ${fix}`,
      );
    return { listen, advertise: options.advertise };
  }
  if (isWildcard(bound)) {
    const derived = await localAddressToward(core.host, Number(core.port));
    if (isLoopback(derived) && !local)
      throw TesseraError.invalidArgument(
        `the route to the core ${core.host} leaves from loopback; ${fix}`,
      );
    return { listen, advertise: derived.includes(':') ? `[${derived}]` : derived, derived };
  }
  if (isLoopback(bound) && !local)
    throw TesseraError.invalidArgument(
      `--listen ${listen} is loopback: modules on other machines (the core is at ${core.host}) cannot reach it; ${fix}`,
    );
  return { listen };
}

/**
 * The core's `network.hostListen`, checked against `network.listen`: where
 * the core's own module hosts listen must be reachable by remote hosts, so
 * it may be loopback only when the core listens on loopback too, and never a
 * wildcard (hosts would advertise it). Omitted: the host part of `listen`,
 * or, when that is a wildcard, `advertise` (which must then be an address).
 */
export function checkHostListen(network: {
  listen: string;
  hostListen?: string;
  advertise?: string;
}): string {
  const listen = tcpParts(network.listen).host;
  const how =
    'set network.hostListen to tcp://<an address of this machine that remote hosts reach>:0';
  if (network.hostListen === undefined) {
    if (!isWildcard(listen)) return `tcp://${listen.includes(':') ? `[${listen}]` : listen}:0`;
    if (network.advertise && isIP(network.advertise)) return `tcp://${network.advertise}:0`;
    throw TesseraError.invalidArgument(
      `network.listen binds ${listen}, so where this core's own modules listen cannot be guessed: ${how}`,
      { field: 'network.hostListen' },
    );
  }
  const host = tcpParts(network.hostListen).host;
  if (isWildcard(host))
    throw TesseraError.invalidArgument(
      `network.hostListen ${network.hostListen} binds every address, so modules would advertise ${host}, which names no machine: ${how}`,
      { field: 'network.hostListen' },
    );
  if (isLoopback(host) && !isLoopback(listen))
    throw TesseraError.invalidArgument(
      `network.hostListen ${network.hostListen} is loopback, but remote hosts reach the core at ${network.listen}: they could not call this core's own modules; ${how}`,
      { field: 'network.hostListen' },
    );
  return network.hostListen;
}
