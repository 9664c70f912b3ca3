import { getTranslations } from "next-intl/server";
import { sessionUserId } from "@/lib/auth";
import { listCollections, listEntries } from "@/lib/store/store";
import { entryJson } from "@/lib/store/api";
import { StoreBrowser } from "@/components/store/store-browser";

export const dynamic = "force-dynamic";

export default async function StorePage() {
  const userId = (await sessionUserId())!;
  const t = await getTranslations("store");
  const [collections, page] = await Promise.all([listCollections(userId), listEntries({ userId, limit: 50 })]);
  return (
    <div className="mx-auto max-w-6xl space-y-6 px-8 py-8">
      <div>
        <h1 className="text-2xl font-semibold">{t("title")}</h1>
        <p className="mt-1 max-w-3xl text-sm text-slate-500">{t("intro")}</p>
      </div>
      <StoreBrowser
        initialCollections={collections.map((c) => ({ collection: c.collection, keys: c.keys }))}
        initialEntries={page.entries.map(entryJson)}
        initialNext={page.next}
      />
    </div>
  );
}
