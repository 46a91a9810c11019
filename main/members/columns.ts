/**
 * The columns of a member file, shared by import and export so an exported
 * file can be edited and imported again. Headers are Chinese (what the store
 * sees in Excel); English names and common variants are accepted on import.
 */
export type ImportColumnKey =
  | 'name'
  | 'mobile'
  | 'cardNo'
  | 'gender'
  | 'birthday'
  | 'birthdayLunar'
  | 'idNumber'
  | 'storeCode'
  | 'points'
  | 'tags'
  | 'marketingConsent'
  | 'notes';

export interface ImportColumn {
  key: ImportColumnKey;
  header: string;
  aliases: string[];
}

export const IMPORT_COLUMNS: readonly ImportColumn[] = [
  { key: 'name', header: '姓名', aliases: ['name', '会员姓名', '名字'] },
  { key: 'mobile', header: '手机号', aliases: ['mobile', '手机', '手机号码', '电话', 'phone'] },
  { key: 'cardNo', header: '会员卡号', aliases: ['cardno', 'card', '卡号'] },
  { key: 'gender', header: '性别', aliases: ['gender', 'sex'] },
  { key: 'birthday', header: '生日', aliases: ['birthday', '出生日期', '生日日期'] },
  { key: 'birthdayLunar', header: '农历生日', aliases: ['birthdaylunar', 'lunar', '农历'] },
  { key: 'idNumber', header: '身份证号', aliases: ['idnumber', '身份证', '身份证号码'] },
  { key: 'storeCode', header: '门店编码', aliases: ['storecode', 'store', '门店', '所属门店'] },
  { key: 'points', header: '积分', aliases: ['points', '当前积分'] },
  { key: 'tags', header: '标签', aliases: ['tags'] },
  { key: 'marketingConsent', header: '接受营销短信', aliases: ['marketingconsent', 'consent', '营销同意'] },
  { key: 'notes', header: '备注', aliases: ['notes', 'note'] },
];

/** Columns only exports carry; an import ignores them. */
export const EXPORT_ONLY_HEADERS = {
  id: '会员编号',
  source: '来源',
  age: '年龄',
  totalSpent: '累计消费(元)',
  lastPurchaseAt: '最近消费日期',
  lastPurchaseAmount: '最近消费金额(元)',
} as const;

const normaliseHeader = (h: string) => h.replace(/[\s_\-()（）]/g, '').toLowerCase();

const BY_HEADER = new Map<string, ImportColumn>();
for (const column of IMPORT_COLUMNS) {
  for (const name of [column.header, column.key, ...column.aliases]) BY_HEADER.set(normaliseHeader(name), column);
}

export function columnForHeader(header: string): ImportColumn | undefined {
  return BY_HEADER.get(normaliseHeader(header));
}

const TRUE_WORDS = new Set(['是', 'y', 'yes', 'true', '1', '同意', '农历']);
const FALSE_WORDS = new Set(['否', 'n', 'no', 'false', '0', '不同意', '公历', '阳历']);

/** 是/否 in a cell; undefined for anything else. */
export function parseYesNo(text: string): boolean | undefined {
  const t = text.trim().toLowerCase();
  if (TRUE_WORDS.has(t)) return true;
  if (FALSE_WORDS.has(t)) return false;
  return undefined;
}

export function parseGender(text: string): 'M' | 'F' | 'U' | undefined {
  const t = text.trim().toLowerCase();
  if (['男', 'm', 'male', '1'].includes(t)) return 'M';
  if (['女', 'f', 'female', '2'].includes(t)) return 'F';
  if (['', '未知', 'u', 'unknown', '0'].includes(t)) return 'U';
  return undefined;
}

/** Dates as people type them: 1985-03-21, 1985/3/21, 1985.03.21, 19850321, 1985年3月21日. */
export function parseDateText(text: string): string | undefined {
  const t = text.trim();
  const match = /^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$/.exec(t) ?? /^(\d{4})(\d{2})(\d{2})$/.exec(t);
  if (!match) return undefined;
  return `${match[1]}-${match[2]!.padStart(2, '0')}-${match[3]!.padStart(2, '0')}`;
}

export const genderLabel = (g: 'M' | 'F' | 'U') => (g === 'M' ? '男' : g === 'F' ? '女' : '未知');
