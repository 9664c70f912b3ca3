// The HTTP-запрос config every template uses: POST an earlier composer's «Результат» as JSON,
// with the action's own defaults (timeout, retries, missing-field policy) for everything else.
import { httpRequest } from "../actions/http-request";

export const bearer = (credentialName: string) => ({
  key: "Authorization",
  value: `Bearer {{credentials[${JSON.stringify(credentialName)}]}}`,
});

export function postComposedJson(url: string, composerStepId: string, headers: { key: string; value: string }[] = []) {
  return {
    ...httpRequest.defaultConfig,
    method: "POST",
    url,
    headers: [...headers, { key: "Content-Type", value: "application/json" }],
    bodyType: "json",
    bodyJson: `{{steps.${composerStepId}.result}}`,
  };
}
