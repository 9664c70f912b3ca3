// A free local TCP port (asked of the OS, then released), for tests and benches that start servers.
import net from "node:net";
import type { AddressInfo } from "node:net";

export async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const { port } = srv.address() as AddressInfo;
  await new Promise((r) => srv.close(r));
  return port;
}
