// Step lists the tests build pipelines from (unit, integration and e2e alike).
import type { PipelineDefinition } from "../../lib/definition/schema";

/** compose (template) → POST it as JSON to `url` → parse one field of the answer: a minimal one-call pipeline. */
export function composePostParseSteps(o: {
  composeName: string;
  template: string;
  postName: string;
  url: string;
  output: { name: string; path: string; key: string };
}): PipelineDefinition["steps"] {
  return [
    {
      id: "compose",
      type: "json-composer",
      name: o.composeName,
      config: { mode: "template", template: o.template, fields: [], onMissing: "empty" },
    },
    {
      id: "post",
      type: "http-request",
      name: o.postName,
      config: {
        method: "POST",
        url: o.url,
        headers: [{ key: "Content-Type", value: "application/json" }],
        bodyType: "json",
        bodyJson: "{{steps.compose.result}}",
        timeoutSeconds: 30,
        maxAttempts: 3,
        onMissing: "fail",
      },
    },
    {
      id: "parse",
      type: "json-parser",
      name: "Ответ",
      config: { input: "{{steps.post.body}}", outputs: [o.output], onMissing: "fail" },
    },
  ];
}
