"use client";
// «Создать из шаблона»: template and event → name → the template's secret (saved or new) and its
// own inputs → (Weeek: funnel and status, read live with that token) → create → the Klientiks URL
// to paste. What to ask for comes from the template's declaration (lib/starter-kits/registry.ts).
import { useId, useState } from "react";
import Link from "next/link";
import { useLocale, useTranslations } from "next-intl";
import { Button } from "@/components/ui/button";
import { Field, Input } from "@/components/ui/input";
import { api } from "@/components/ui/api";
import { STARTER_KITS, getStarterKit, isAdvancedInput } from "@/lib/starter-kits/registry";
import { checkSecret, checkKitValues, type KitInput } from "@/lib/starter-kits/kit-inputs";
import { KLIENTIKS_EVENTS, type KlientiksEventId } from "@/lib/starter-kits/klientiks-events";
import { KlientiksUrlBuilder } from "./klientiks-url-builder";
import { FirstRun } from "./first-run";
import { credentialFits } from "@/lib/starter-kits/credential-match";
import { useBusyAction } from "@/components/ui/use-busy-action";

export type WizardCredential = { id: string; name: string; hint: string };
type Option = { id: string; name: string };
type Created = { id: string; name: string; webhookUrl: string; steps: number; running: boolean };

const selectClass = "block w-full rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm disabled:bg-slate-50";

export function StarterKitWizard({ credentials: allCredentials }: { credentials: WizardCredential[] }) {
  const t = useTranslations("kit");
  const td = useTranslations("destinations");
  const locale = useLocale() === "en" ? "en" : "ru";
  const ids = { event: useId(), cred: useId(), funnel: useId(), status: useId() };

  const [step, setStep] = useState<1 | 2 | 3 | 4>(1);
  const [templateId, setTemplateId] = useState(STARTER_KITS[0].id);
  const template = getStarterKit(templateId)!;
  const [name, setName] = useState(STARTER_KITS[0].title[locale]);
  const [nameTouched, setNameTouched] = useState(false);
  const [event, setEvent] = useState<KlientiksEventId>(STARTER_KITS[0].defaultEvent);

  // Only keys for this template's destination are offered (rule: lib/starter-kits/credential-match.ts).
  const fitting = (tpl: typeof template) => allCredentials.filter((c) => credentialFits(tpl.destination, c.name));
  const credentials = fitting(template);
  const [credMode, setCredMode] = useState<"existing" | "new">(credentials.length ? "existing" : "new");
  const [credentialId, setCredentialId] = useState(credentials[0]?.id ?? "");
  const [credName, setCredName] = useState(() => freeName(template.credential.defaultName, allCredentials));
  const [values, setValues] = useState<Record<string, string>>({});
  const [secret, setSecret] = useState("");

  const [funnels, setFunnels] = useState<Option[] | null>(null);
  const [funnelId, setFunnelId] = useState("");
  const [statuses, setStatuses] = useState<Option[] | null>(null);
  const [statusId, setStatusId] = useState("");
  const [launch, setLaunch] = useState(true);

  const { busy, error, setError, run: guarded } = useBusyAction();
  const [created, setCreated] = useState<Created | null>(null);

  const needsStatus = !!template.weeek?.status;
  const stepCount = stepCountOf(templateId, event);
  // The token stays in this component until «Создать»; Weeek is asked through our server.
  const weeekCall = <T,>(path: string) =>
    credMode === "existing" ? api<T>(`${path}?credentialId=${encodeURIComponent(credentialId)}`) : api<T>(path, { body: { token: secret } });

  function chooseTemplate(id: string) {
    const next = getStarterKit(id)!;
    setTemplateId(id);
    setEvent(next.defaultEvent);
    setValues({});
    if (!nameTouched) setName(next.title[locale]);
    if (next.credential.defaultName !== template.credential.defaultName) setCredName(freeName(next.credential.defaultName, allCredentials));
    const offered = fitting(next);
    setCredMode(offered.length ? "existing" : "new");
    setCredentialId(offered[0]?.id ?? "");
  }

  const tokenReady = credMode === "existing" ? !!credentialId : credName.trim() !== "" && secret.trim() !== "";

  function afterToken() {
    if (!template.weeek) {
      // Nothing to ask the destination before the first run: check the inputs here, as the API will.
      const problems: string[] = [];
      if (credMode === "new") {
        const s = checkSecret(template.credential, secret);
        if ("error" in s) problems.push(s.error[locale]);
      }
      const v = checkKitValues(template.inputs, values);
      if (!v.ok) problems.push(...v.issues.map((i) => i.message[locale]));
      setError(problems.length ? problems.join("; ") : null);
      if (!problems.length) setStep(3);
      return;
    }
    void guarded(async () => {
      setFunnels(null);
      setStatuses(null);
      setFunnelId("");
      setStatusId("");
      // Also for the contact-only template: a wrong token is better caught here than on the first run.
      const res = await weeekCall<{ funnels: Option[] }>("/api/v1/weeek/funnels");
      setFunnels(res.funnels);
      if (res.funnels.length === 1) await pickFunnel(res.funnels[0].id);
      setStep(3);
    });
  }

  async function pickFunnel(id: string) {
    setFunnelId(id);
    setStatuses(null);
    setStatusId("");
    if (!id) return;
    const res = await weeekCall<{ statuses: Option[] }>(`/api/v1/weeek/funnels/${encodeURIComponent(id)}/statuses`);
    setStatuses(res.statuses);
    // New deals start in the funnel's first column, as in Weeek's own «+ Сделка»; one click to change.
    if (res.statuses.length > 0) setStatusId(res.statuses[0].id);
  }

  function create() {
    void guarded(async () => {
      const body = {
        templateId,
        name: name.trim(),
        klientiksEvent: event,
        ...(needsStatus ? { statusId } : {}),
        ...(template.inputs.length ? { values } : {}),
        ...(credMode === "existing" ? { credentialId } : { credentialName: credName.trim(), secret }),
      };
      const res = await api<{ pipeline: { id: string; name: string; webhookUrl: string; definition: { steps: unknown[] } } }>(
        "/api/v1/pipelines/from-template",
        { body },
      );
      setSecret("");
      const made = {
        id: res.pipeline.id,
        name: res.pipeline.name,
        webhookUrl: res.pipeline.webhookUrl,
        steps: res.pipeline.definition.steps.length,
        running: false,
      };
      if (launch) {
        try {
          await api(`/api/v1/pipelines/${made.id}/start`, { method: "POST" });
          made.running = true;
        } catch (e) {
          // Created but not started: step 4 says so and offers the editor, where «Запустить» explains.
          setError((e as Error).message);
        }
      }
      setCreated(made);
      setStep(4);
    });
  }

  const steps = [
    t("stepTemplate"),
    template.inputs.length ? td("stepConnect") : template.credential.label[locale],
    needsStatus ? t("stepStatus") : t("create"),
    t("stepDone"),
  ];
  const renderInput = (input: KitInput) => (
    <TemplateInputField
      key={input.key}
      input={input}
      locale={locale}
      value={values[input.key] ?? input.defaultValue ?? ""}
      onChange={(v) => setValues((old) => ({ ...old, [input.key]: v }))}
    />
  );
  const advanced = template.inputs.filter(isAdvancedInput);

  return (
    <div className="mx-auto max-w-3xl px-8 py-8" data-testid="template-wizard">
      <h1 className="mb-4 text-2xl font-semibold tracking-tight">{t("wizardTitle")}</h1>
      <ol className="mb-6 flex gap-2 text-xs">
        {steps.map((label, i) => (
          <li
            key={label}
            aria-current={step === i + 1 ? "step" : undefined}
            className={`rounded-full px-3 py-1 ${step === i + 1 ? "bg-indigo-600 text-white" : step > i + 1 ? "bg-indigo-50 text-indigo-700" : "bg-slate-100 text-slate-500"}`}
          >
            {i + 1}. {label}
          </li>
        ))}
      </ol>
      {error ? (
        <p role="alert" className="mb-4 rounded-md bg-red-50 px-3 py-2 text-sm text-red-700" data-testid="wizard-error">
          {error}
        </p>
      ) : null}

      {step === 1 ? (
        <div className="space-y-5">
          <fieldset className="space-y-2">
            <legend className="mb-1 text-sm font-medium text-slate-700">{t("stepTemplate")}</legend>
            {STARTER_KITS.map((tpl) => (
              <label
                key={tpl.id}
                className={`flex cursor-pointer gap-3 rounded-lg border bg-white p-4 ${tpl.id === templateId ? "border-indigo-500 ring-1 ring-indigo-500" : "border-slate-200"}`}
                data-testid={`template-${tpl.id}`}
              >
                <input type="radio" name="template" value={tpl.id} checked={tpl.id === templateId} onChange={() => chooseTemplate(tpl.id)} className="mt-1" />
                <span>
                  <span className="block font-medium text-slate-900">{tpl.title[locale]}</span>
                  <span className="block text-sm text-slate-500">{tpl.description[locale]}</span>
                </span>
              </label>
            ))}
          </fieldset>
          <Field label={t("pipelineName")}>
            <Input
              value={name}
              onChange={(e) => {
                setName(e.target.value);
                setNameTouched(true);
              }}
              maxLength={200}
            />
          </Field>
          <div className="space-y-1">
            <label htmlFor={ids.event} className="text-sm font-medium text-slate-700">
              {t("klientiksEvent")}
            </label>
            <select id={ids.event} className={selectClass} value={event} onChange={(e) => setEvent(e.target.value as KlientiksEventId)}>
              {KLIENTIKS_EVENTS.map((e) => (
                <option key={e.id} value={e.id}>
                  {e.title[locale]}
                </option>
              ))}
            </select>
            <p className="text-xs text-slate-500">{t("klientiksEventHint")}</p>
          </div>
          <div className="flex gap-2">
            <Button variant="primary" disabled={name.trim() === ""} onClick={() => setStep(2)}>
              {t("next")}
            </Button>
            <Link href="/pipelines" className="inline-flex items-center rounded-md px-3 py-1.5 text-sm text-slate-600 hover:bg-slate-100">
              {t("cancel")}
            </Link>
          </div>
        </div>
      ) : null}

      {step === 2 ? (
        <form
          className="space-y-5"
          onSubmit={(e) => {
            e.preventDefault();
            if (tokenReady && !busy) afterToken();
          }}
        >
          {credentials.length ? (
            <fieldset className="flex gap-6 text-sm">
              <legend className="sr-only">{t("tokenSource")}</legend>
              <label className="flex items-center gap-2">
                <input type="radio" name="credMode" checked={credMode === "existing"} onChange={() => setCredMode("existing")} />
                {t("useExisting")}
              </label>
              <label className="flex items-center gap-2">
                <input type="radio" name="credMode" checked={credMode === "new"} onChange={() => setCredMode("new")} />
                {t("useNew")}
              </label>
            </fieldset>
          ) : null}
          {credMode === "existing" ? (
            <div className="space-y-1">
              <label htmlFor={ids.cred} className="text-sm font-medium text-slate-700">
                {t("credential")}
              </label>
              <select id={ids.cred} className={selectClass} value={credentialId} onChange={(e) => setCredentialId(e.target.value)}>
                {credentials.map((c) => (
                  <option key={c.id} value={c.id}>
                    {c.name} {c.hint}
                  </option>
                ))}
              </select>
            </div>
          ) : (
            <>
              <Field label={template.credential.label[locale]} hint={template.credential.hint[locale]}>
                <Input
                  type="password"
                  autoComplete="off"
                  value={secret}
                  placeholder={template.credential.placeholder}
                  onChange={(e) => setSecret(e.target.value)}
                  data-testid="template-secret"
                />
              </Field>
              <Field label={t("credentialName")} hint={t("credentialNameHint")}>
                <Input value={credName} onChange={(e) => setCredName(e.target.value)} maxLength={100} />
              </Field>
            </>
          )}
          {template.inputs.filter((i) => !isAdvancedInput(i)).map(renderInput)}
          {advanced.length ? (
            <details className="rounded-md border border-slate-200 px-3 py-2">
              <summary className="cursor-pointer text-sm text-slate-600">{td("advanced")}</summary>
              <div className="mt-3 space-y-4">{advanced.map(renderInput)}</div>
            </details>
          ) : null}
          <div className="flex gap-2">
            <Button onClick={() => setStep(1)}>{t("back")}</Button>
            <Button type="submit" variant="primary" disabled={!tokenReady || busy}>
              {busy ? t("loading") : t("next")}
            </Button>
          </div>
        </form>
      ) : null}

      {step === 3 ? (
        <div className="space-y-5">
          {needsStatus ? (
            <>
              {funnels && funnels.length === 0 ? <p className="text-sm text-amber-700">{t("noFunnels")}</p> : null}
              <div className="space-y-1">
                <label htmlFor={ids.funnel} className="text-sm font-medium text-slate-700">
                  {t("funnel")}
                </label>
                <select
                  id={ids.funnel}
                  className={selectClass}
                  value={funnelId}
                  disabled={busy || !funnels?.length}
                  onChange={(e) => void guarded(() => pickFunnel(e.target.value))}
                >
                  <option value="">{t("chooseFunnel")}</option>
                  {funnels?.map((f) => (
                    <option key={f.id} value={f.id}>
                      {f.name}
                    </option>
                  ))}
                </select>
              </div>
              <div className="space-y-1">
                <label htmlFor={ids.status} className="text-sm font-medium text-slate-700">
                  {t("status")}
                </label>
                <select
                  id={ids.status}
                  className={selectClass}
                  value={statusId}
                  disabled={busy || !statuses?.length}
                  onChange={(e) => setStatusId(e.target.value)}
                >
                  <option value="">{t("chooseStatus")}</option>
                  {statuses?.map((s) => (
                    <option key={s.id} value={s.id}>
                      {s.name}
                    </option>
                  ))}
                </select>
                <p className="text-xs text-slate-500">{t("statusHint")}</p>
              </div>
            </>
          ) : null}
          <p className="text-sm text-slate-600">{t("summary", { name: name.trim(), count: stepCount })}</p>
          <label className="flex items-start gap-2 text-sm text-slate-700">
            <input type="checkbox" className="mt-0.5 h-4 w-4" checked={launch} onChange={(e) => setLaunch(e.target.checked)} data-testid="wizard-launch" />
            <span>
              <span className="font-medium">{t("launchNow")}</span>
              <span className="block text-xs text-slate-500">{t("launchNowHint")}</span>
            </span>
          </label>
          <div className="flex gap-2">
            <Button onClick={() => setStep(2)}>{t("back")}</Button>
            <Button variant="primary" disabled={busy || (needsStatus && !statusId)} onClick={create} data-testid="wizard-create">
              {busy ? t("loading") : t("create")}
            </Button>
          </div>
        </div>
      ) : null}

      {step === 4 && created ? (
        <div className="space-y-5">
          <p className="rounded-md bg-emerald-50 px-3 py-2 text-sm text-emerald-800" role="status">
            {t("created", { name: created.name })} {created.running ? t("createdRunning") : null}
          </p>
          <p className="text-sm text-slate-600">{created.running ? t("doneHintRunning") : t("doneHint")}</p>
          {created.running ? <FirstRun pipelineId={created.id} /> : null}
          <KlientiksUrlBuilder webhookUrl={created.webhookUrl} defaultEvent={event} />
          <Link
            href={`/pipelines/${created.id}`}
            className="inline-flex items-center rounded-md bg-indigo-600 px-3 py-1.5 text-sm font-medium text-white hover:bg-indigo-700"
            data-testid="open-created-pipeline"
          >
            {t("openPipeline")}
          </Link>
        </div>
      ) : null}
    </div>
  );
}

function TemplateInputField({ input, locale, value, onChange }: { input: KitInput; locale: "ru" | "en"; value: string; onChange(v: string): void }) {
  const id = useId();
  if (input.kind === "choice") {
    return (
      <div className="space-y-1">
        <label htmlFor={id} className="text-sm font-medium text-slate-700">
          {input.label[locale]}
        </label>
        <select id={id} className={selectClass} value={value} onChange={(e) => onChange(e.target.value)} data-testid={`input-${input.key}`}>
          {input.options.map((o) => (
            <option key={o.value} value={o.value}>
              {o.label[locale]}
            </option>
          ))}
        </select>
        <p className="text-xs text-slate-500">{input.hint[locale]}</p>
      </div>
    );
  }
  return (
    <Field label={input.label[locale]} hint={input.hint[locale]}>
      <Input value={value} placeholder={input.placeholder} onChange={(e) => onChange(e.target.value)} maxLength={2000} data-testid={`input-${input.key}`} />
    </Field>
  );
}

/** Steps of the definition the template builds (placeholder inputs: only the count matters). */
function stepCountOf(templateId: string, event: KlientiksEventId): number {
  const tpl = getStarterKit(templateId)!;
  const values = Object.fromEntries(tpl.inputs.map((i) => [i.key, i.defaultValue ?? "-"]));
  return tpl.build({ credentialName: "-", statusId: "-", values, klientiksEvent: event }).steps.length;
}

/** "Weeek токен", or "Weeek токен 2" … when the user already has one by that name. */
function freeName(base: string, credentials: WizardCredential[]): string {
  const taken = new Set(credentials.map((c) => c.name));
  if (!taken.has(base)) return base;
  for (let i = 2; ; i++) if (!taken.has(`${base} ${i}`)) return `${base} ${i}`;
}
