import { getTranslations } from "next-intl/server";
import { pageUserId } from "@/lib/auth";
import { listApiTokens } from "@/lib/users/api-tokens";
import { ApiTokens } from "@/components/settings/api-tokens";
import { listCredentials } from "@/lib/credentials/list-credentials";
import { Credentials } from "@/components/settings/credentials";
import { WorkerHealthSection } from "@/components/settings/worker-health";
import { AccountSecurity } from "@/components/settings/account-security";
import { getWorkerHealth } from "@/lib/runs/worker-health";

export const dynamic = "force-dynamic";

export default async function SettingsPage({ searchParams }: { searchParams: Promise<{ credential?: string | string[] }> }) {
  // ?credential=<id>: opened from a failed run («Открыть ключ доступа»); that row is marked.
  const { credential } = await searchParams;
  const userId = await pageUserId();
  const t = await getTranslations("settings");
  const tokens = await listApiTokens(userId);
  const [credentials, health] = await Promise.all([listCredentials(userId), getWorkerHealth()]);
  return (
    <div className="mx-auto max-w-4xl space-y-6 px-8 py-8">
      <h1 className="text-2xl font-semibold">{t("title")}</h1>
      <Credentials
        credentials={credentials.map((c) => ({ id: c.id, name: c.name, hint: c.hint, updatedAt: c.updatedAt.toISOString() }))}
        focusId={typeof credential === "string" ? credential : undefined}
      />
      <AccountSecurity />
      <ApiTokens tokens={tokens.map((x) => ({ ...x, createdAt: x.createdAt.toISOString(), lastUsedAt: x.lastUsedAt?.toISOString() ?? null }))} />
      <WorkerHealthSection report={health} />
    </div>
  );
}
