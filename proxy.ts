// Pages of the signed-in area redirect to /login; API routes answer 401 themselves.
import { withAuth } from "next-auth/middleware";
import { env } from "@/lib/env";

export default withAuth({ secret: env().AUTH_SECRET, pages: { signIn: "/login" } });

export const config = { matcher: ["/pipelines/:path*", "/history/:path*", "/settings/:path*"] };
