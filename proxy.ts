// Runs before every page (not /api, not static files):
//   - a fresh CSP nonce per request (Next reads it from the request's Content-Security-Policy
//     header and puts it on its own scripts), plus the other security headers;
//   - pages of the signed-in area redirect to /login without a session cookie. Whether that
//     session is still live (not signed out / ended) is checked against the database by
//     app/(app)/layout.tsx, which redirects too; API routes answer 401 themselves.
import { NextResponse, type NextRequest } from "next/server";
import { getToken } from "next-auth/jwt";
import { env } from "@/lib/env";
import { COMMON_SECURITY_HEADERS, contentSecurityPolicy } from "@/lib/security/headers";

const SIGNED_IN_AREA = /^\/(pipelines|history|settings)(\/|$)/;

export default async function proxy(req: NextRequest) {
  const nonce = Buffer.from(crypto.randomUUID()).toString("base64");
  const csp = contentSecurityPolicy(nonce, process.env.NODE_ENV === "development");

  let res: NextResponse;
  if (SIGNED_IN_AREA.test(req.nextUrl.pathname) && !(await getToken({ req, secret: env().AUTH_SECRET }))) {
    const login = new URL("/login", req.url);
    login.searchParams.set("callbackUrl", req.nextUrl.pathname + req.nextUrl.search);
    res = NextResponse.redirect(login);
  } else {
    const headers = new Headers(req.headers);
    headers.set("x-nonce", nonce);
    headers.set("content-security-policy", csp);
    res = NextResponse.next({ request: { headers } });
  }
  res.headers.set("Content-Security-Policy", csp);
  for (const [k, v] of Object.entries(COMMON_SECURITY_HEADERS)) res.headers.set(k, v);
  return res;
}

export const config = {
  matcher: [
    {
      source: "/((?!api/|_next/static|_next/image|favicon.ico|hooks/).*)",
      // Prefetches are not pages a browser renders from this response.
      missing: [{ type: "header", key: "next-router-prefetch" }],
    },
  ],
};
