import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { EventBus } from '../events/bus.js';
import { initialsOf, searchForm } from './fold.js';

/**
 * The product lookup behind 库存 <商品>: barcode or product code, then the
 * name exactly, then names containing the words, then pinyin initials (yrj →
 * 羊肉卷) — each through an index, never a scan of the products table.
 *
 * "Contains" works on character bigrams kept in `product_grams` as integers
 * (code point << 21 | next code point; initials in their own range): the
 * query's rarest bigram names at most a few thousand candidates, which are
 * checked in full. A single character looks up the range of bigrams it starts
 * (each name ends in a (char, 0) bigram, so its last character counts too).
 *
 * The index follows the mirror: after each sync `refresh()` reads the products
 * changed since its last position (updated_at, id) and re-indexes those whose
 * name changed; deleted ones leave it.
 */
export interface ProductMatch {
  id: number;
  code: string;
  barcode: string | null;
  name: string;
  unit: string;
}

export type MatchedBy = 'code' | 'name' | 'contains' | 'initials' | 'none';

export interface ProductSearchResult {
  matches: ProductMatch[];
  /** How many matched (at least this many when `capped`). */
  total: number;
  capped: boolean;
  matchedBy: MatchedBy;
}

const SHIFT = 2 ** 21;
const INITIALS_RANGE = 2 ** 42;
/** Candidate rows read for one query at most: bounded whatever the catalogue. */
const CANDIDATE_CAP = 500;
// Small batches: each is one write transaction, and inbound texts wait for the connection meanwhile.
const BATCH = 250;
const ROWS_PER_STATEMENT = 400;
const GRAMS_PER_STATEMENT = 2_000;

/** Bigrams of a search form (with an end marker) as integers; `base` separates names from initials. */
export function gramsOf(form: string, base = 0): number[] {
  const points = [...form].map((ch) => ch.codePointAt(0)!);
  const grams = new Set<number>();
  for (let i = 0; i < points.length; i++) grams.add(base + points[i]! * SHIFT + (points[i + 1] ?? 0));
  return [...grams];
}

/** The query's bigrams without the end marker (a query may stop in the middle of a name). */
function queryGrams(form: string, base: number): number[] {
  const points = [...form].map((ch) => ch.codePointAt(0)!);
  const grams = new Set<number>();
  for (let i = 0; i + 1 < points.length; i++) grams.add(base + points[i]! * SHIFT + points[i + 1]!);
  return [...grams];
}

interface IndexedRow {
  product_id: number;
  code: string;
  name: string;
  folded: string;
  initials: string;
}

interface ProductRow {
  id: number;
  code: string;
  barcode: string | null;
  name: string;
  unit: string;
  deleted_at: number | string | null;
  updated_at: number | string;
}

export class ProductSearch {
  private running: Promise<{ indexed: number; removed: number }> | undefined;
  private again = false;
  private stopped = false;
  private readonly controller = new AbortController();

  constructor(
    private readonly db: Knex,
    private readonly events: EventBus,
    private readonly logger: Logger,
  ) {}

  /** Brings the index up to date with the mirror; concurrent calls share one run (and one more after it). */
  refresh(): Promise<{ indexed: number; removed: number }> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    const run = (async () => {
      let total = { indexed: 0, removed: 0 };
      do {
        this.again = false;
        const once = await this.refreshOnce();
        total = { indexed: total.indexed + once.indexed, removed: total.removed + once.removed };
      } while (this.again && !this.stopped);
      return total;
    })().finally(() => {
      this.running = undefined;
    });
    this.running = run;
    return run;
  }

  /** A refresh in the background (after a sync, at start); failures are logged, the next one catches up. */
  requestRefresh(): void {
    if (this.stopped) return;
    this.refresh().catch((error: unknown) => this.logger.warn({ err: error }, 'product search index refresh failed'));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.controller.abort();
    await this.running?.catch(() => undefined);
  }

  private async refreshOnce(): Promise<{ indexed: number; removed: number }> {
    const state: { updated_at: number | string; product_id: number } | undefined = await this.db('product_search_state').where('key', 'products').first();
    let mark = { at: Number(state?.updated_at ?? -1), id: Number(state?.product_id ?? 0) };
    const [{ n: pending }] = (await this.db('products').whereRaw('(updated_at > ? OR (updated_at = ? AND id > ?))', [mark.at, mark.at, mark.id]).count({ n: '*' })) as [{ n: number | string }];
    const total = Number(pending);
    let done = 0;
    let indexed = 0;
    let removed = 0;
    const jobId = `product-index-${Date.now()}`;
    while (!this.controller.signal.aborted) {
      const rows: ProductRow[] = await this.db('products')
        .select('id', 'code', 'barcode', 'name', 'unit', 'deleted_at', 'updated_at')
        .whereRaw('(updated_at > ? OR (updated_at = ? AND id > ?))', [mark.at, mark.at, mark.id])
        .orderBy([{ column: 'updated_at' }, { column: 'id' }])
        .limit(BATCH);
      if (rows.length === 0) break;
      const last = rows[rows.length - 1]!;
      mark = { at: Number(last.updated_at), id: Number(last.id) };
      const result = await this.indexBatch(rows, mark);
      indexed += result.indexed;
      removed += result.removed;
      done += rows.length;
      if (total > 5 * BATCH) {
        this.events.publish('job.progress', { jobId, kind: 'services.index', label: '商品查询索引', done, total, ratePerSecond: null, etaSeconds: null, state: 'running' }, 'services.read');
      }
      // Let inbound texts have the connection between batches.
      await new Promise((resolve) => setImmediate(resolve));
    }
    if (total > 5 * BATCH) {
      this.events.publish('job.progress', { jobId, kind: 'services.index', label: '商品查询索引', done, total, ratePerSecond: null, etaSeconds: 0, state: this.controller.signal.aborted ? 'cancelled' : 'finished' }, 'services.read');
    }
    return { indexed, removed };
  }

  private async indexBatch(rows: ProductRow[], mark: { at: number; id: number }): Promise<{ indexed: number; removed: number }> {
    const ids = rows.map((r) => Number(r.id));
    const previous = new Map<number, IndexedRow>();
    for (let i = 0; i < ids.length; i += 500) {
      const found: IndexedRow[] = await this.db('product_search').whereIn('product_id', ids.slice(i, i + 500));
      for (const row of found) previous.set(Number(row.product_id), row);
    }
    const removals: Array<{ id: number; grams: number[] }> = [];
    const additions: Array<{ row: IndexedRow; grams: number[]; old: number[] }> = [];
    for (const product of rows) {
      const id = Number(product.id);
      const before = previous.get(id);
      const oldGrams = before ? [...gramsOf(before.folded), ...gramsOf(before.initials, INITIALS_RANGE)] : [];
      if (product.deleted_at !== null) {
        if (before) removals.push({ id, grams: oldGrams });
        continue;
      }
      if (before && before.name === product.name && before.code === product.code) continue;
      const folded = searchForm(product.name).slice(0, 128);
      const initials = initialsOf(folded).slice(0, 128);
      additions.push({ row: { product_id: id, code: product.code, name: product.name.slice(0, 128), folded, initials }, grams: [...gramsOf(folded), ...gramsOf(initials, INITIALS_RANGE)], old: oldGrams });
    }
    await this.db.transaction(async (trx) => {
      for (const removal of removals) {
        await this.deleteGrams(trx, removal.id, removal.grams);
        await trx('product_search').where('product_id', removal.id).delete();
      }
      for (const addition of additions) {
        const keep = new Set(addition.grams);
        await this.deleteGrams(trx, addition.row.product_id, addition.old.filter((g) => !keep.has(g)));
      }
      // Plain multi-row VALUES with ON CONFLICT (SQLite and PostgreSQL alike): knex would build a compound SELECT per batch.
      for (let i = 0; i < additions.length; i += ROWS_PER_STATEMENT) {
        const chunk = additions.slice(i, i + ROWS_PER_STATEMENT);
        await trx.raw(
          `INSERT INTO product_search (product_id, code, name, folded, initials) VALUES ${chunk.map(() => '(?, ?, ?, ?, ?)').join(', ')}
           ON CONFLICT (product_id) DO UPDATE SET code = excluded.code, name = excluded.name, folded = excluded.folded, initials = excluded.initials`,
          chunk.flatMap((a) => [a.row.product_id, a.row.code, a.row.name, a.row.folded, a.row.initials]),
        );
      }
      const gramRows = additions.flatMap((a) => a.grams.map((gram) => [gram, a.row.product_id]));
      for (let i = 0; i < gramRows.length; i += GRAMS_PER_STATEMENT) {
        const chunk = gramRows.slice(i, i + GRAMS_PER_STATEMENT);
        await trx.raw(`INSERT INTO product_grams (gram, product_id) VALUES ${chunk.map(() => '(?, ?)').join(', ')} ON CONFLICT DO NOTHING`, chunk.flat());
      }
      await trx('product_search_state').insert({ key: 'products', updated_at: mark.at, product_id: mark.id }).onConflict('key').merge();
    });
    return { indexed: additions.length, removed: removals.length };
  }

  private async deleteGrams(trx: Knex, productId: number, grams: number[]): Promise<void> {
    for (let i = 0; i < grams.length; i += 200) {
      await trx('product_grams').where('product_id', productId).whereIn('gram', grams.slice(i, i + 200)).delete();
    }
  }

  /**
   * Up to `limit` products for what a staff member typed, best first: a code
   * or barcode, the exact name, names containing it, pinyin initials.
   */
  async search(query: string, limit = 5): Promise<ProductSearchResult> {
    const none: ProductSearchResult = { matches: [], total: 0, capped: false, matchedBy: 'none' };
    const typed = query.trim().slice(0, 64);
    if (!typed) return none;
    const width = typed.normalize('NFKC').replace(/\s+/g, '');
    const variants = [...new Set([typed, width, width.toUpperCase(), width.toLowerCase()])];
    const byCode: ProductMatch[] = (
      (await this.db('products')
        .select('id', 'code', 'barcode', 'name', 'unit')
        .whereNull('deleted_at')
        .andWhere((w) => w.whereIn('code', variants).orWhereIn('barcode', variants))
        .orderBy('code')
        .limit(limit + 1)) as ProductRow[]
    ).map(toMatch);
    if (byCode.length > 0) return { matches: byCode.slice(0, limit), total: byCode.length, capped: byCode.length > limit, matchedBy: 'code' };

    const form = searchForm(typed);
    if (!form) return none;
    const exact = (await this.db('product_search').select('product_id').where('folded', form).limit(limit + 1)) as Array<{ product_id: number }>;
    if (exact.length > 0) {
      const matches = await this.products(exact.map((r) => Number(r.product_id)));
      if (matches.length > 0) return { matches: matches.slice(0, limit), total: matches.length, capped: exact.length > limit, matchedBy: 'name' };
    }
    const contains = await this.byGrams(form, 'folded', 0, limit);
    if (contains.total > 0) return { ...contains, matchedBy: 'contains' };
    if (/^[a-z]{2,}$/.test(form)) {
      const initials = await this.byGrams(form, 'initials', INITIALS_RANGE, limit);
      if (initials.total > 0) return { ...initials, matchedBy: 'initials' };
    }
    return none;
  }

  private async byGrams(form: string, column: 'folded' | 'initials', base: number, limit: number): Promise<Omit<ProductSearchResult, 'matchedBy'>> {
    const empty = { matches: [], total: 0, capped: false };
    const candidatesOf = (gram: { eq: number } | { from: number; to: number }, cap: number) => {
      const q = this.db('product_grams').select('product_id');
      if ('eq' in gram) q.where('gram', gram.eq);
      else q.where('gram', '>=', gram.from).andWhere('gram', '<', gram.to);
      return q.limit(cap);
    };
    let source: { eq: number } | { from: number; to: number };
    const grams = queryGrams(form, base);
    if (grams.length === 0) {
      const point = form.codePointAt(0)!;
      source = { from: base + point * SHIFT, to: base + (point + 1) * SHIFT };
    } else {
      // The rarest bigram decides the candidates; counting stops at the cap, so this stays cheap too.
      let best: { gram: number; count: number } | undefined;
      for (const gram of grams) {
        const [{ n }] = (await this.db.count({ n: '*' }).from(candidatesOf({ eq: gram }, CANDIDATE_CAP + 1).as('c'))) as [{ n: number | string }];
        const count = Number(n);
        if (count === 0) return empty;
        if (!best || count < best.count) best = { gram, count };
      }
      source = { eq: best!.gram };
    }
    const rows = (await this.db('product_search as ps')
      .select('ps.product_id', `ps.${column} as text`)
      .whereIn('ps.product_id', candidatesOf(source, CANDIDATE_CAP))) as Array<{ product_id: number; text: string }>;
    const capped = rows.length >= CANDIDATE_CAP;
    const hits = rows
      .filter((r) => r.text.includes(form))
      .sort((a, b) => Number(b.text.startsWith(form)) - Number(a.text.startsWith(form)) || a.text.length - b.text.length || Number(a.product_id) - Number(b.product_id));
    if (hits.length === 0) return empty;
    const matches = await this.products(hits.slice(0, limit).map((h) => Number(h.product_id)));
    return { matches, total: hits.length, capped };
  }

  /** Live (not deleted) products by id, in the order given. */
  private async products(ids: number[]): Promise<ProductMatch[]> {
    const rows = (await this.db('products').select('id', 'code', 'barcode', 'name', 'unit').whereIn('id', ids).whereNull('deleted_at')) as ProductRow[];
    const byId = new Map(rows.map((r) => [Number(r.id), toMatch(r)]));
    return ids.map((id) => byId.get(id)).filter((m): m is ProductMatch => m !== undefined);
  }
}

function toMatch(row: Pick<ProductRow, 'id' | 'code' | 'barcode' | 'name' | 'unit'>): ProductMatch {
  return { id: Number(row.id), code: row.code, barcode: row.barcode, name: row.name, unit: row.unit };
}
