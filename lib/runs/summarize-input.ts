// The short input summary of a run in the list: the fields a person recognises a request by
// (name, phone, e-mail, ids) first, then whatever comes next, cut to one line.
const PRIORITY = [/(^|_|\b)(name|fio|имя|фио|first_?name|last_?name|client_?name)$/i, /phone|tel|телефон/i, /e-?mail|почта/i, /(^|_)id$|_id$|Id$/];

export function summarizeFields(fields: [string, string][], maxFields = 3, maxLength = 110): string {
  const chosen: [string, string][] = [];
  const used = new Set<number>();
  for (const re of PRIORITY) {
    fields.forEach(([k], i) => {
      if (chosen.length < maxFields && !used.has(i) && re.test(k) && fields[i][1] !== "") {
        chosen.push(fields[i]);
        used.add(i);
      }
    });
  }
  fields.forEach((f, i) => {
    if (chosen.length < maxFields && !used.has(i)) chosen.push(f);
  });
  const text = chosen.map(([k, v]) => `${k}: ${v}`).join(" · ");
  return text.length > maxLength ? text.slice(0, maxLength - 1) + "…" : text;
}
