// Child-process server for the ipc specs and nothing else: serves the
// transport contract service over the BUILT @tessera/transport-ipc, prints
// `LISTENING <address>` on stdout, and closes gracefully when stdin ends or
// on SIGTERM. Usage: node contract-server.cjs <runtimeDir>
const { IpcTransport } = require('@tessera/transport-ipc');
const { serveContract } = require('@tessera/transport/testing');

async function main() {
  const transport = new IpcTransport({ runtimeDir: process.argv[2] });
  const listener = await serveContract(transport);
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await transport.close();
    process.exit(0);
  };
  process.stdin.on('end', stop);
  process.stdin.resume();
  process.on('SIGTERM', stop);
  process.stdout.write(`LISTENING ${listener.address}\n`);
}

main().catch((err) => {
  process.stderr.write(`contract server failed: ${err && err.stack}\n`);
  process.exit(1);
});
