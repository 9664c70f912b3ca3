// How a step is named to people everywhere (validation messages, run errors, alert e-mails):
// «Шаг 2 «Создать контакт»», or «Шаг 2» when it has no name. Positions count from 1.
export function stepTitle(index: number, name: string | undefined): { ru: string; en: string } {
  const n = name?.trim();
  return n ? { ru: `Шаг ${index + 1} «${n}»`, en: `Step ${index + 1} "${n}"` } : { ru: `Шаг ${index + 1}`, en: `Step ${index + 1}` };
}
