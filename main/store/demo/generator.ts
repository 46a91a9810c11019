import { CATALOGUE, productName } from './catalogue.js';
import { demoColumns } from './schema.js';
import { AREA_CODES, FEMALE_CHARS, MALE_CHARS, MOBILE_PREFIXES, STORE_NAMES, STREETS, SURNAMES } from './vocabulary.js';

/**
 * Generates the demo POS data: deterministic for a seed and an end date, and
 * streamed — rows go to the sink in small batches as they are made, so a
 * million members or tens of millions of sale lines never sit in memory.
 * The same generator feeds the SQLite file, the MariaDB/PostgreSQL dumps and
 * the live mode, so every engine gets exactly the same data.
 *
 * Coherent like a real store's: a member's totals (累计消费, 最近消费, points)
 * are what their receipts add up to — the receipts are generated first and the
 * member rows summed from them — and every product is a real brand's kind of
 * goods in its own category (catalogue.ts).
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

/** Cents as the POS's yuan decimal text. */
function money(cents: number): string {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

export interface DemoProduct {
  code: string;
  /** Shelf price in cents. */
  priceCents: number;
  weighed: boolean;
}

export const branchNo = (i: number) => String(i + 1).padStart(4, '0');
export const memberId = (i: number) => `V${String(i + 1).padStart(8, '0')}`;
export const itemNo = (i: number) => `10${String(i + 1).padStart(6, '0')}`;

/** Mobile numbers in the formats real POS data holds: about 1 in 100 is a landline, 1 in 200 broken. */
function mobile(random: Random): string | null {
  if (random.chance(0.02)) return null;
  const number = random.pick(MOBILE_PREFIXES) + String(random.int(0, 99_999_999)).padStart(8, '0');
  const r = random.next();
  if (r < 0.005) return number.slice(0, 7); // typed in half
  if (r < 0.015) return `0755-${random.int(2000_0000, 8999_9999)}`; // the customer gave the home phone
  if (r < 0.08) return `+86 ${number.slice(0, 3)} ${number.slice(3, 7)} ${number.slice(7)}`;
  if (r < 0.12) return `${number.slice(0, 3)}-${number.slice(3, 7)}-${number.slice(7)}`;
  return number;
}

/** 接收短信: most members agreed at the till, some said no, a few forms left it empty. */
function smsFlag(random: Random): string | null {
  const r = random.next();
  return r < 0.9 ? '1' : r < 0.97 ? '0' : null;
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

/** One catalogue entry: [category, kind, brand, variant, size] indexes. */
type Listing = readonly [number, number, number, number, number];

/** Every brand × variant × size of every kind, shuffled by the seed (Fisher–Yates). */
function listings(random: Random): Listing[] {
  const all: Listing[] = [];
  CATALOGUE.forEach((category, c) =>
    category.kinds.forEach((kind, k) => {
      for (let b = 0; b < kind.brands.length; b++) for (let v = 0; v < kind.variants.length; v++) for (let z = 0; z < kind.sizes.length; z++) all.push([c, k, b, v, z]);
    }),
  );
  for (let i = all.length - 1; i > 0; i--) {
    const j = random.int(0, i);
    [all[i], all[j]] = [all[j]!, all[i]!];
  }
  return all;
}

/** More products than the catalogue lists: the same goods again as other packs. */
const EXTRA_PACKS = ['促销装', '家庭装', '量贩装', '礼盒装'];

/** A shelf price in cents as stores print them: ¥3.5, ¥12.9, ¥45.8. */
function shelfPrice(yuan: number, random: Random): number {
  const tenths = Math.max(5, Math.round(yuan * 10));
  // From ¥10 on, half of the prices end in .9.
  if (tenths >= 100 && random.chance(0.5)) return Math.floor(tenths / 10) * 100 + 90;
  return tenths * 10;
}

export interface DemoProgress {
  (table: string, rows: number): void;
}

/** Writes every table of the demo POS through the sink. */
export async function generateDemo(sink: DemoSink, partial: Partial<DemoOptions> = {}, progress?: DemoProgress): Promise<DemoOptions> {
  const o = demoOptions(partial);
  const random = new Random(o.seed);
  const start = o.until - o.days * 86_400_000;
  const DAY = 86_400_000;

  const branches = new Batcher(sink, 't_branch');
  for (let i = 0; i < o.stores; i++) {
    const name = `好又多超市${STORE_NAMES[i % STORE_NAMES.length]}${i >= STORE_NAMES.length ? Math.floor(i / STORE_NAMES.length) + 1 : ''}`;
    await branches.add([branchNo(i), name, `${STREETS[i % STREETS.length]}${random.int(1, 399)}号`, `0755-${random.int(2000_0000, 8999_9999)}`, posDateTime(start - random.int(30, 900) * DAY)]);
  }
  await branches.flush();

  const classes = new Batcher(sink, 't_goods_cls');
  for (const category of CATALOGUE) await classes.add([category.code, category.name]);
  await classes.flush();

  const goods = new Batcher(sink, 't_goods');
  const products: DemoProduct[] = [];
  const catalogue = listings(random);
  for (let i = 0; i < o.products; i++) {
    const [c, k, b, v, z] = catalogue[i % catalogue.length]!;
    const category = CATALOGUE[c]!;
    const kind = category.kinds[k]!;
    const [brand, factor] = kind.brands[b]!;
    const variant = kind.variants[v]!;
    const [size, listPrice] = kind.sizes[z]!;
    // Organic, premium or live goods cost more; each store's price differs a little from the list.
    const premium = category.weighed && variant !== '' ? 1.5 : 1;
    const priceCents = shelfPrice(listPrice * factor * premium * (0.94 + random.next() * 0.12), random);
    const product = { code: itemNo(i), priceCents, weighed: category.weighed === true };
    products.push(product);
    const repeat = Math.floor(i / catalogue.length);
    const name = productName(brand, variant, kind.noun, size) + (repeat > 0 ? ` ${EXTRA_PACKS[(repeat - 1) % EXTRA_PACKS.length]!}` : '');
    await goods.add([product.code, category.weighed ? null : ean13(random), name, category.code, kind.unit, money(priceCents), random.chance(0.97) ? '1' : '0', posDateTime(start + random.int(0, o.days - 1) * DAY + random.int(0, 86_399) * 1000)]);
  }
  await goods.flush();
  progress?.('t_goods', o.products);

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

  // Who shops: one in ten members never bought anything, the others from now and then to every few days.
  const homeStore = new Uint8Array(o.members);
  const shoppers = new Float64Array(o.members);
  let activity = 0;
  for (let m = 0; m < o.members; m++) {
    homeStore[m] = random.int(0, o.stores - 1);
    activity += random.chance(0.1) ? 0 : Math.exp(random.next() * 4);
    shoppers[m] = activity;
  }
  for (let m = 0; m < o.members; m++) shoppers[m]! /= activity || 1;
  // What each member's receipts add up to: the member rows are written from these.
  const spentCents = new Float64Array(o.members);
  const pointsEarned = new Float64Array(o.members);
  const firstSale = new Float64Array(o.members).fill(Number.NaN);
  const lastSale = new Float64Array(o.members).fill(Number.NaN);
  const lastSaleCents = new Float64Array(o.members);

  const masters = new Batcher(sink, 't_sale_master');
  const details = new Batcher(sink, 't_sale_detail', 1000);
  const popular = popularity(random, o.products);
  let flowId = 0;
  let receipt = 0;
  // Receipts spread over the days, busier at weekends.
  const weekend = (d: number) => {
    const weekday = new Date(start + d * DAY + CHINA_OFFSET_MS).getUTCDay();
    return weekday === 0 || weekday === 6;
  };
  let totalWeight = 0;
  for (let d = 0; d < o.days; d++) totalWeight += weekend(d) ? 1.4 : 1;
  let weightSoFar = 0;
  for (let d = 0; d < o.days; d++) {
    const dayStart = start + d * DAY;
    weightSoFar += weekend(d) ? 1.4 : 1;
    const today = Math.max(0, Math.round((weightSoFar * o.receipts) / totalWeight) - receipt);
    const times: number[] = [];
    // Open 8:00 to 22:00 local time.
    for (let k = 0; k < today; k++) times.push(dayStart - ((dayStart + CHINA_OFFSET_MS) % DAY) + random.int(8 * 3600, 22 * 3600 - 1) * 1000);
    times.sort((a, b) => a - b);
    for (let k = 0; k < times.length; k++) {
      const at = times[k]!;
      const member = activity > 0 && random.chance(0.6) ? sample(shoppers, random.next()) : -1;
      // Members mostly shop at their home store.
      const store = member >= 0 && random.chance(0.8) ? homeStore[member]! : random.int(0, o.stores - 1);
      const flowNo = `${branchNo(store)}${posDateTime(at).slice(0, 10).replace(/-/g, '')}${String(receipt + 1).padStart(8, '0')}`;
      const lines = 1 + Math.floor(Math.pow(random.next(), 1.6) * 8);
      let totalCents = 0;
      for (let l = 0; l < lines; l++) {
        const product = products[sample(popular, random.next())]!;
        const quantity = product.weighed ? Math.round((0.2 + random.next() * 2.5) * 1000) / 1000 : random.chance(0.8) ? 1 : random.int(2, 6);
        const amountCents = Math.round(product.priceCents * quantity);
        totalCents += amountCents;
        flowId++;
        await details.add([flowId, flowNo, l + 1, product.code, quantity.toFixed(3), money(product.priceCents), money(amountCents)]);
      }
      receipt++;
      const points = member >= 0 ? Math.floor(totalCents / 100) : 0;
      if (member >= 0) {
        spentCents[member]! += totalCents;
        pointsEarned[member]! += points;
        if (Number.isNaN(firstSale[member]!)) firstSale[member] = at;
        lastSale[member] = at;
        lastSaleCents[member] = totalCents;
      }
      await masters.add([flowNo, branchNo(store), member >= 0 ? memberId(member) : null, posDateTime(at), money(totalCents), points, posDateTime(at + random.int(0, 120) * 1000)]);
      if (receipt % 100_000 === 0) progress?.('t_sale_master', receipt);
    }
  }
  await masters.flush();
  await details.flush();
  progress?.('t_sale_detail', flowId);

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
    // Most joined before the year of sales; a member never bought before joining (the card is made at the till).
    let registered = start - random.int(-30, 1500) * DAY + random.int(0, 86_399) * 1000;
    const first = firstSale[i]!;
    if (!Number.isNaN(first) && first < registered) registered = first - random.int(60, 3600) * 1000;
    const last = lastSale[i]!;
    const bought = !Number.isNaN(last);
    await members.add([
      memberId(i),
      `8800${String(i + 1).padStart(8, '0')}`,
      name,
      code,
      hasBirthday ? birthday : null,
      lunar ? '1' : '0',
      mobile(random),
      smsFlag(random),
      idCard,
      branchNo(homeStore[i]!),
      money(spentCents[i]!),
      pointsEarned[i]!,
      bought ? posDateTime(last) : null,
      bought ? money(lastSaleCents[i]!) : null,
      posDateTime(registered),
      posDateTime(Math.min(bought ? Math.max(last, registered) : registered, o.until)),
    ]);
    if ((i + 1) % 100_000 === 0) progress?.('t_member', i + 1);
  }
  await members.flush();
  progress?.('t_member', o.members);
  return o;
}
