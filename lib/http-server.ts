// The node:http server behind server.ts (and the hook tests), with the socket rules in one place.
import http from "node:http";
import { CLIENT_ADDRESS_HEADER, clientAddress, parseTrustedProxies, type TrustedProxies } from "./security/client-address";

/**
 * Stamps the client address on the request (replacing anything the client sent under that name),
 * so code behind Next — which cannot see the socket — reads the same address the throttle keys on.
 */
export function stampClientAddress(req: http.IncomingMessage, trusted: TrustedProxies): void {
  req.headers[CLIENT_ADDRESS_HEADER] = clientAddress(req.socket.remoteAddress, req.headers["x-forwarded-for"], trusted);
}

export { parseTrustedProxies };

export function createHttpServer(listener: http.RequestListener): http.Server {
  const server = http.createServer(listener);
  // Some senders half-close their side (shutdown(SHUT_WR)) right after the request. By default
  // Node then aborts the request and closes the socket, so the event was stored but the sender
  // saw no reply and sent it again. Keeping the socket half-open lets the reply go out; Node
  // closes it after that response.
  (server as unknown as { httpAllowHalfOpen: boolean }).httpAllowHalfOpen = true;
  server.keepAliveTimeout = 65_000;
  return server;
}
