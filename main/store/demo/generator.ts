import { AREA_CODES, BRANDS, CATEGORIES, FEMALE_CHARS, MALE_CHARS, MOBILE_PREFIXES, STORE_NAMES, STREETS, SURNAMES } from './vocabulary.js';
import { demoColumns } from './schema.js';

/**
 * Generates the demo POS data: deterministic for a seed and an end date, and
 * streamed — rows go to the sink in small batches as they are made, so a
 * million members or tens of millions of sale lines never sit in memory.
 * The same generator feeds the SQLite file, the MariaDB/PostgreSQL dumps and
 * the live mode, so every engine gets exactly the same data.
 */
export interface DemoOptions {
  seed: number;
  stores: number;
  products: number;
  members: number;
  /** Receipts over the whole period; default 8 per member (~3 lines each). */
  receipts: number;
  days: number;
  /** The last day of sales (epoch ms); everything happens before it. */
  until: number;
}

export function demoOptions(partial: Partial<DemoOptions> = {}): DemoOptions {
  const members = partial.members ?? 10_000;
  const options: DemoOptions = {
    seed: partial.seed ?? 20261122,
    stores: partial.stores ?? 5,
    products: partial.products ?? 2_000,
    members,
    receipts: partial.receipts ?? members * 8,
    days: partial.days ?? 365,
    until: partial.until ?? Date.UTC(2026, 10, 21, 14, 0, 0),
  };
  for (const [name, value] of Object.entries(options)) {
    if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`${name} must be a whole number ≥ 0`);
  }
  if (options.stores < 1 || options.stores > 99) throw new RangeError('stores must be 1 to 99');
  if (options.products < 1) throw new RangeError('products must be at least 1');
  if (options.days < 1) throw new RangeError('days must be at least 1');
  return options;
}

export interface DemoSink {
  insert(table: string, columns: readonly string[], rows: unknown[][]): Promise<void>;
}

/** A small fast PRNG (mulberry32): the same seed gives the same database everywhere. */
export class Random {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

const CHINA_OFFSET_MS = 8 * 3600_000;

/** Local China time as the POS writes it: 'YYYY-MM-DD HH:MM:SS', no zone. */
export function posDateTime(ms: number): string {
  return new Date(ms + CHINA_OFFSET_MS).toISOString().slice(0, 19).replace('T', ' ');
}

const SURNAME_TOTAL = SURNAMES.reduce((sum, [, w]) => sum + w, 0);

function surname(random: Random): string {
  let r = random.next() * SURNAME_TOTAL;
  for (const [name, weight] of SURNAMES) {
    r -= weight;
    if (r <= 0) return name;
  }
  return '王';
}

const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
function idNumber(random: Random, birthday: string, male: boolean): string {
  let body = random.pick(AREA_CODES) + birthday.replace(/-/g, '') + String(random.int(0, 99)).padStart(2, '0');
  let last = random.int(0, 9);
  if (male !== (last % 2 === 1)) last = (last + 1) % 10;
  body += String(last);
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(body[i]) * ID_WEIGHTS[i]!;
  return body + '10X98765432'[sum % 11]!;
}

function ean13(random: Random): string {
  let digits = '69' + String(random.int(0, 9_999_999_999)).padStart(10, '0');
  let sum = 0;
  for (let i = 0; i < 12; i++) sum += Number(digits[i]) * (i % 2 === 0 ? 1 : 3);
  digits += String((10 - (sum % 10)) % 10);
  return digits;
}

function money(yuan: number): string {
  return (Math.round(yuan * 100) / 100).toFixed(2);
}

export interface DemoProduct {
  code: string;
  price: number;
  weighed: boolean;
}

export const branchNo = (i: number) => String(i + 1).padStart(4, '0');
export const memberId = (i: number) => `V${String(i + 1).padStart(8, '0')}`;
export const itemNo = (i: number) => `10${String(i + 1).padStart(6, '0')}`;

/** Mobile numbers in the formats real POS data holds; about 1 in 200 is broken. */
function mobile(random: Random): string | null {
  if (random.chance(0.02)) return null;
  const number = random.pick(MOBILE_PREFIXES) + String(random.int(0, 99_999_999)).padStart(8, '0');
  const r = random.next();
  if (r < 0.005) return number.slice(0, 7); // typed in half
  if (r < 0.08) return `+86 ${number.slice(0, 3)} ${number.slice(3, 7)} ${number.slice(7)}`;
  if (r < 0.12) return `${number.slice(0, 3)}-${number.slice(3, 7)}-${number.slice(7)}`;
  return number;
}

class Batcher {
  private rows: unknown[][] = [];
  private readonly columns: string[];
  constructor(
    private readonly sink: DemoSink,
    private readonly table: string,
    private readonly size = 500,
  ) {
    this.columns = demoColumns(table);
  }
  async add(row: unknown[]): Promise<void> {
    this.rows.push(row);
    if (this.rows.length >= this.size) await this.flush();
  }
  async flush(): Promise<void> {
    if (this.rows.length === 0) return;
    const rows = this.rows;
    this.rows = [];
    await this.sink.insert(this.table, this.columns, rows);
  }
}

/** Popularity: a few products sell a lot, a long tail barely moves (the slow movers). */
function popularity(random: Random, count: number): Float64Array {
  const weights = new Float64Array(count);
  let total = 0;
  for (let i = 0; i < count; i++) {
    const w = 1 / Math.pow(i + 1, 1.05) * (0.5 + random.next());
    total += w;
    weights[i] = total;
  }
  for (let i = 0; i < count; i++) weights[i]! /= total;
  return weights;
}

function sample(cumulative: Float64Array, r: number): number {
  let lo = 0;
  let hi = cumulative.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cumulative[mid]! < r) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export interface DemoProgress {
  (table: string, rows: number): void;
}

/** Writes every table of the demo POS through the sink. */
export async function generateDemo(sink: DemoSink, partial: Partial<DemoOptions> = {}, progress?: DemoProgress): Promise<DemoOptions> {
  const o = demoOptions(partial);
  const random = new Random(o.seed);
  const start = o.until - o.days * 86_400_000;

  const branches = new Batcher(sink, 't_branch');
  for (let i = 0; i < o.stores; i++) {
    const name = `好又多超市${STORE_NAMES[i % STORE_NAMES.length]}${i >= STORE_NAMES.length ? Math.floor(i / STORE_NAMES.length) + 1 : ''}`;
    await branches.add([branchNo(i), name, `${STREETS[i % STREETS.length]}${random.int(1, 399)}号`, `0755-${random.int(2000_0000, 8999_9999)}`, posDateTime(start - random.int(30, 900) * 86_400_000)]);
  }
  await branches.flush();

  const classes = new Batcher(sink, 't_goods_cls');
  for (const category of CATEGORIES) await classes.add([category.code, category.name]);
  await classes.flush();

  const goods = new Batcher(sink, 't_goods');
  const products: DemoProduct[] = [];
  for (let i = 0; i < o.products; i++) {
    const category = random.pick(CATEGORIES);
    const [low, high] = category.price;
    const price = Math.round((low + Math.pow(random.next(), 2) * (high - low)) * 10) / 10 - (random.chance(0.4) ? 0.02 : 0);
    const product = { code: itemNo(i), price: Math.max(0.5, price), weighed: category.weighed === true };
    products.push(product);
    const name = `${category.weighed ? '' : random.pick(BRANDS)}${random.pick(category.goods)} ${random.pick(category.sizes)}`;
    await goods.add([product.code, category.weighed ? null : ean13(random), name, category.code, category.unit, money(product.price), random.chance(0.97) ? '1' : '0', posDateTime(start + random.int(0, o.days - 1) * 86_400_000 + random.int(0, 86_399) * 1000)]);
  }
  await goods.flush();
  progress?.('t_goods', o.products);

  const members = new Batcher(sink, 't_member');
  for (let i = 0; i < o.members; i++) {
    const sex = random.next();
    const male = sex < 0.44;
    const code = sex < 0.44 ? '1' : sex < 0.97 ? '2' : '0';
    const chars = male ? MALE_CHARS : FEMALE_CHARS;
    const given = [...chars][random.int(0, [...chars].length - 1)]! + (random.chance(0.7) ? [...chars][random.int(0, [...chars].length - 1)]! : '');
    const name = surname(random) + given;
    const age = random.int(18, 82);
    const lunar = random.chance(0.15);
    const year = new Date(o.until).getUTCFullYear() - age;
    const month = random.int(1, 12);
    const day = lunar ? random.int(1, 30) : random.int(1, new Date(Date.UTC(year, month, 0)).getUTCDate());
    const birthday = `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
    const hasBirthday = random.chance(0.93);
    const solarBirthday = lunar ? `${year}-${String(month).padStart(2, '0')}-${String(Math.min(day, 28)).padStart(2, '0')}` : birthday;
    const idCard = random.chance(0.6) ? idNumber(random, solarBirthday, male) : null;
    const registered = start - random.int(0, 1500) * 86_400_000 + random.int(0, 86_399) * 1000;
    const spent = random.chance(0.1) ? 0 : Math.round(Math.exp(random.next() * 9.5) * 100) / 100;
    const lastSale = spent > 0 ? o.until - Math.floor(Math.pow(random.next(), 2) * o.days * 86_400_000) : null;
    const modified = lastSale ?? registered;
    await members.add([
      memberId(i),
      `8800${String(i + 1).padStart(8, '0')}`,
      name,
      code,
      hasBirthday ? birthday : null,
      lunar ? '1' : '0',
      mobile(random),
      idCard,
      branchNo(random.int(0, o.stores - 1)),
      money(spent),
      Math.floor(spent),
      lastSale === null ? null : posDateTime(lastSale),
      lastSale === null ? null : money(Math.min(spent, 5 + random.next() * 300)),
      posDateTime(registered),
      posDateTime(Math.min(modified, o.until)),
    ]);
    if ((i + 1) % 100_000 === 0) progress?.('t_member', i + 1);
  }
  await members.flush();
  progress?.('t_member', o.members);

  const stock = new Batcher(sink, 't_stock');
  for (let s = 0; s < o.stores; s++) {
    for (let p = 0; p < o.products; p++) {
      const r = random.next();
      // Most shelves are normal; some are nearly empty, the slow movers pile up.
      let quantity = r < 0.06 ? random.int(0, 3) : r < 0.16 ? random.int(400, 2000) : random.int(10, 300);
      if (products[p]!.weighed) quantity += Math.round(random.next() * 1000) / 1000;
      await stock.add([branchNo(s), products[p]!.code, quantity.toFixed(3), posDateTime(o.until - random.int(0, 30 * 86_400) * 1000)]);
    }
  }
  await stock.flush();

  const masters = new Batcher(sink, 't_sale_master');
  const details = new Batcher(sink, 't_sale_detail', 1000);
  const popular = popularity(random, o.products);
  let flowId = 0;
  let receipt = 0;
  // Receipts spread over the days, busier at weekends.
  const weekend = (d: number) => {
    const weekday = new Date(start + d * 86_400_000 + CHINA_OFFSET_MS).getUTCDay();
    return weekday === 0 || weekday === 6;
  };
  let totalWeight = 0;
  for (let d = 0; d < o.days; d++) totalWeight += weekend(d) ? 1.4 : 1;
  let weightSoFar = 0;
  for (let d = 0; d < o.days; d++) {
    const dayStart = start + d * 86_400_000;
    weightSoFar += weekend(d) ? 1.4 : 1;
    const today = Math.max(0, Math.round((weightSoFar * o.receipts) / totalWeight) - receipt);
    const times: number[] = [];
    // Open 8:00 to 22:00 local time.
    for (let k = 0; k < today; k++) times.push(dayStart - (dayStart + CHINA_OFFSET_MS) % 86_400_000 + random.int(8 * 3600, 22 * 3600 - 1) * 1000);
    times.sort((a, b) => a - b);
    for (let k = 0; k < times.length; k++) {
      const at = times[k]!;
      const store = random.int(0, o.stores - 1);
      const flowNo = `${branchNo(store)}${posDateTime(at).slice(0, 10).replace(/-/g, '')}${String(receipt + 1).padStart(8, '0')}`;
      const member = o.members > 0 && random.chance(0.6) ? memberId(random.int(0, o.members - 1)) : null;
      const lines = 1 + Math.floor(Math.pow(random.next(), 1.6) * 8);
      let total = 0;
      for (let l = 0; l < lines; l++) {
        const product = products[sample(popular, random.next())]!;
        const quantity = product.weighed ? Math.round((0.2 + random.next() * 2.5) * 1000) / 1000 : random.chance(0.8) ? 1 : random.int(2, 6);
        const amount = Math.round(product.price * quantity * 100) / 100;
        total += amount;
        flowId++;
        await details.add([flowId, flowNo, l + 1, product.code, quantity.toFixed(3), money(product.price), money(amount)]);
      }
      receipt++;
      await masters.add([flowNo, branchNo(store), member, posDateTime(at), money(total), member ? Math.floor(total) : 0, posDateTime(at + random.int(0, 120) * 1000)]);
      if (receipt % 100_000 === 0) progress?.('t_sale_master', receipt);
    }
  }
  await masters.flush();
  await details.flush();
  progress?.('t_sale_detail', flowId);
  return o;
}
