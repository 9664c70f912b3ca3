// The one test for ids that come from outside (URLs, filters, bodies): Postgres' uuid columns
// reject anything else, so a malformed id is treated as "not found" instead of reaching a query.
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(id: string): boolean {
  return UUID.test(id);
}
