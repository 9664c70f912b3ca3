import { redirect } from "next/navigation";
import { sessionUserId } from "@/lib/auth";
import { getUser } from "@/lib/users/get-user";
import { Sidebar } from "@/components/shell/sidebar";

export const dynamic = "force-dynamic";

export default async function AppLayout({ children }: { children: React.ReactNode }) {
  const userId = await sessionUserId();
  const user = userId ? await getUser(userId) : null;
  if (!user) redirect("/login");
  return (
    <div className="flex h-screen">
      <Sidebar email={user.email} />
      <main className="min-w-0 flex-1 overflow-auto">{children}</main>
    </div>
  );
}
