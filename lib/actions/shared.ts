// Schema pieces several actions share.
import { z } from "zod";

/** What a token without a value does: "empty" inserts an empty value, "fail" stops the run. */
export const onMissingSchema = z.enum(["empty", "fail"]).default("fail");

export const keyValueSchema = z.object({
  key: z.string().trim().min(1),
  value: z.string().default(""),
});
export type KeyValue = z.infer<typeof keyValueSchema>;

/** A form hint's `when`: the field shows while config[field] is one of the values. */
export const whenConfig =
  (field: string, ...values: string[]) =>
  (config: Record<string, unknown>): boolean =>
    values.includes(String(config[field]));
