// Registry validation grouped for the canvas (badge per node) and the panel (message per field).
import { validateDefinition, type ValidationIssue } from "@/lib/actions/registry";
import type { PipelineDefinition } from "@/lib/definition/schema";

export type IssuesIndex = { all: ValidationIssue[]; byStep: Map<string, ValidationIssue[]>; general: ValidationIssue[] };

export function indexIssues(def: PipelineDefinition): IssuesIndex {
  const result = validateDefinition(def);
  const byStep = new Map<string, ValidationIssue[]>();
  const general: ValidationIssue[] = [];
  for (const issue of result.issues) {
    if (issue.stepIndex < 0) {
      general.push(issue);
      continue;
    }
    const id = issue.stepId || def.steps[issue.stepIndex]?.id || "";
    const list = byStep.get(id) ?? [];
    list.push(issue);
    byStep.set(id, list);
  }
  return { all: result.issues, byStep, general };
}

/** The issue for one config field ("config.url"), including nested ones ("config.headers[0].key"). */
export function issuesForField(issues: ValidationIssue[] | undefined, field: string): ValidationIssue[] {
  if (!issues) return [];
  const path = `config.${field}`;
  return issues.filter((i) => i.path === path || i.path.startsWith(path + ".") || i.path.startsWith(path + "["));
}
