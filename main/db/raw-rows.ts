/** The rows of a `knex.raw` SELECT: SQLite hands back the array, PostgreSQL a result whose `rows` hold it. */
export function rawRows<T = Record<string, unknown>>(result: unknown): T[] {
  return (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[];
}
