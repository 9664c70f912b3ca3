import { pageUserId } from "@/lib/auth";
import { listCredentials } from "@/lib/credentials/list-credentials";
import { StarterKitWizard } from "@/components/kit/starter-kit-wizard";

export const dynamic = "force-dynamic";

export default async function NewFromTemplatePage() {
  const userId = await pageUserId();
  const credentials = await listCredentials(userId);
  return <StarterKitWizard credentials={credentials.map((c) => ({ id: c.id, name: c.name, hint: c.hint }))} />;
}
