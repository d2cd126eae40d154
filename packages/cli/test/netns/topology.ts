import { execFileSync } from 'node:child_process';

/**
 * A star of Linux network namespaces for multi-host tests: one switch
 * namespace holding a bridge, and one namespace per node, each joined to the
 * bridge by a veth pair, with an address on a private /24. Names carry a
 * short unique tag so parallel runs never meet; `dispose()` deletes every
 * namespace (their veths and bridge go with them), also after a failure.
 *
 * Where namespaces cannot be made (not root, no `ip`), {@link tryCreate}
 * returns undefined and the caller runs on loopback instead.
 */
export class Topology {
  private readonly namespaces: string[] = [];
  readonly addresses = new Map<string, string>();
  private constructor(
    readonly tag: string,
    private readonly subnet: string,
  ) {}

  /** A topology of `nodes`, or undefined when namespaces cannot be made here. */
  static tryCreate(nodes: readonly string[]): Topology | undefined {
    if (process.platform !== 'linux' || process.getuid?.() !== 0) return undefined;
    const tag = `t${(process.pid % 46656).toString(36)}${Math.floor(Math.random() * 36 * 36).toString(36)}`;
    const subnet = `10.${200 + (process.pid % 50)}.${Math.floor(Math.random() * 250) + 1}`;
    const topo = new Topology(tag, subnet);
    try {
      topo.build(nodes);
      return topo;
    } catch {
      topo.dispose();
      return undefined;
    }
  }

  /** The namespace name of `node` (for `ip netns exec`). */
  ns(node: string): string {
    return `${this.tag}-${node}`;
  }

  /** `ip netns exec <ns>` prefix to run a command in `node`'s namespace. */
  exec(node: string): string[] {
    return ['ip', 'netns', 'exec', this.ns(node)];
  }

  /** Cut `node` off the switch (its packets are dropped, sockets stay open), or join it again. */
  link(node: string, up: boolean): void {
    ip('-n', this.ns('sw'), 'link', 'set', this.switchPort(node), up ? 'up' : 'down');
  }

  dispose(): void {
    for (const ns of this.namespaces.splice(0).reverse()) {
      try {
        ip('netns', 'del', ns);
      } catch {
        // already gone
      }
    }
  }

  private switchPort(node: string): string {
    return `${this.tag}${node}`.slice(0, 15);
  }

  private addNs(name: string): string {
    const ns = this.ns(name);
    ip('netns', 'add', ns);
    this.namespaces.push(ns);
    ip('-n', ns, 'link', 'set', 'lo', 'up');
    return ns;
  }

  private build(nodes: readonly string[]): void {
    const sw = this.addNs('sw');
    ip('-n', sw, 'link', 'add', 'br0', 'type', 'bridge');
    ip('-n', sw, 'link', 'set', 'br0', 'up');
    nodes.forEach((node, i) => {
      const ns = this.addNs(node);
      const port = this.switchPort(node);
      const inner = `${this.tag}i${i}`.slice(0, 15);
      ip('link', 'add', inner, 'type', 'veth', 'peer', 'name', port);
      ip('link', 'set', inner, 'netns', ns);
      ip('link', 'set', port, 'netns', sw);
      ip('-n', sw, 'link', 'set', port, 'master', 'br0', 'up');
      ip('-n', ns, 'link', 'set', inner, 'name', 'eth0');
      const address = `${this.subnet}.${i + 1}`;
      ip('-n', ns, 'addr', 'add', `${address}/24`, 'dev', 'eth0');
      ip('-n', ns, 'link', 'set', 'eth0', 'up');
      this.addresses.set(node, address);
    });
  }
}

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'], timeout: 10_000 });
}
