import { getTranslations } from "next-intl/server";

export default async function HistoryPage() {
  const t = await getTranslations("history");
  return (
    <div className="px-8 py-8">
      <h1 className="text-2xl font-semibold">{t("title")}</h1>
    </div>
  );
}
