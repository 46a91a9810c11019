/**
 * {称呼}: "尊敬的张先生" from surname + 先生/女士 by gender. Two-character
 * (compound) surnames are kept whole: 欧阳娜娜 → 欧阳女士, not 欧女士.
 */
export const COMPOUND_SURNAMES: ReadonlySet<string> = new Set([
  '欧阳', '司马', '诸葛', '上官', '东方', '皇甫', '尉迟', '公孙', '慕容', '令狐', '长孙', '宇文', '司徒', '夏侯',
  '轩辕', '端木', '独孤', '南宫', '西门', '万俟', '闻人', '澹台', '公冶', '宗政', '濮阳', '淳于', '单于', '太叔',
  '申屠', '仲孙', '钟离', '呼延', '赫连', '东郭', '百里', '第五', '拓跋', '司空', '司寇', '亓官', '子车', '颛孙',
  '壤驷', '公良', '漆雕', '乐正', '谷梁', '段干', '左丘', '东门', '梁丘', '公西', '巫马', '羊舌', '微生', '夹谷',
  '公羊', '闾丘', '鲜于', '范姜',
]);

export type Gender = 'M' | 'F' | 'U';

const HAN = /^\p{Script=Han}+$/u;

/** The surname of a Chinese name, or undefined when the name is not a Chinese name we can split. */
export function surnameOf(name: string): string | undefined {
  const clean = name.normalize('NFKC').replace(/[\s·•]/g, '');
  const chars = [...clean];
  if (chars.length < 2 || !HAN.test(clean)) return undefined;
  const two = chars.slice(0, 2).join('');
  // A two-character name is surname + given name even if the pair looks compound (司马 could be Mr 司).
  if (chars.length >= 3 && COMPOUND_SURNAMES.has(two)) return two;
  return chars[0];
}

export interface SalutationOptions {
  /** Before the surname, e.g. 尊敬的. */
  prefix: string;
  /** The whole salutation when gender or surname is unknown, e.g. 尊敬的会员. */
  fallback: string;
}

export function salutation(name: string | null | undefined, gender: Gender | string | null | undefined, options: SalutationOptions): string {
  if (!name || (gender !== 'M' && gender !== 'F')) return options.fallback;
  const surname = surnameOf(name);
  if (!surname) return options.fallback;
  return `${options.prefix}${surname}${gender === 'M' ? '先生' : '女士'}`;
}
