// next-auth (v4): credentials + JWT sessions, backed by a server-side Session row (the JWT's
// `sid`, lib/users/sessions.ts) so that sessions can be ended. The session carries the user id;
// every data function takes that id and scopes its query by it.
import type { NextAuthOptions } from "next-auth";
import { getServerSession } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import { redirect } from "next/navigation";
import { env } from "./env";
import { verifyLogin } from "./users/verify-login";
import { createSession, endSession, SESSION_MAX_AGE_MS, sessionIsLive } from "./users/sessions";
import { CLIENT_ADDRESS_HEADER } from "./security/client-address";

process.env.NEXTAUTH_URL ??= env().APP_URL;
process.env.NEXTAUTH_SECRET ??= env().AUTH_SECRET;

function header(headers: unknown, name: string): string | undefined {
  if (!headers) return undefined;
  if (typeof (headers as Headers).get === "function") return (headers as Headers).get(name) ?? undefined;
  const v = (headers as Record<string, string | string[] | undefined>)[name];
  return Array.isArray(v) ? v[0] : v;
}

export const authOptions: NextAuthOptions = {
  secret: env().AUTH_SECRET,
  session: { strategy: "jwt", maxAge: SESSION_MAX_AGE_MS / 1000 },
  pages: { signIn: "/login" },
  providers: [
    CredentialsProvider({
      name: "email",
      credentials: { email: { label: "Email", type: "email" }, password: { label: "Password", type: "password" } },
      async authorize(credentials, req) {
        if (!credentials?.email || !credentials.password) return null;
        // server.ts stamps the client address (socket, or X-Forwarded-For behind TRUSTED_PROXIES).
        const address = header(req?.headers, CLIENT_ADDRESS_HEADER) || "unknown";
        // A TooManyAttemptsError propagates: next-auth returns its message as the sign-in error.
        const user = await verifyLogin(credentials.email, credentials.password, address);
        return user ? { ...user, userAgent: header(req?.headers, "user-agent") ?? "" } : null;
      },
    }),
  ],
  callbacks: {
    async jwt({ token, user }) {
      if (user) {
        token.uid = user.id;
        token.sid = await createSession(user.id, (user as { userAgent?: string }).userAgent ?? "");
      }
      return token;
    },
    session({ session, token }) {
      if (session.user) {
        (session.user as { id?: string }).id = token.uid as string;
        (session.user as { sid?: string }).sid = token.sid as string;
      }
      return session;
    },
  },
  events: {
    // Sign-out deletes the session row: the old cookie is worthless from now on.
    async signOut({ token }) {
      await endSession(token?.sid);
    },
  },
};

/** The signed-in user's id and session id from the session cookie, or null (no cookie, or the session was ended). */
export async function currentSession(): Promise<{ userId: string; sessionId: string } | null> {
  const session = await getServerSession(authOptions);
  const user = session?.user as { id?: string; sid?: string } | undefined;
  if (!user?.id || !user.sid) return null;
  if (!(await sessionIsLive(user.sid, user.id))) return null;
  return { userId: user.id, sessionId: user.sid };
}

/** The signed-in user's id from the session cookie, or null. */
export async function sessionUserId(): Promise<string | null> {
  return (await currentSession())?.userId ?? null;
}

/**
 * For pages of the signed-in area: the user id, or a redirect to /login when the session has
 * ended (layout and page render in parallel, so each page checks for itself).
 */
export async function pageUserId(): Promise<string> {
  const uid = await sessionUserId();
  if (!uid) redirect("/login");
  return uid;
}
