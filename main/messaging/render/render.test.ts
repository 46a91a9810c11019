import { describe, expect, it } from 'vitest';
import { POLICY_DEFAULTS } from '../policy/settings.js';
import { RenderError, SAMPLE_MEMBER, compileTemplate, preview, renderMessage, renderOptionsFrom, type RenderOptions } from './render.js';
import { salutation, surnameOf } from './salutation.js';

const options = (overrides: Partial<RenderOptions> = {}): RenderOptions => ({
  ...renderOptionsFrom({ smsSignature: '【好又多超市】', storeName: '好又多超市' }, POLICY_DEFAULTS, 'transactional'),
  ...overrides,
});
const SAL = { prefix: '尊敬的', fallback: '尊敬的会员' };

describe('salutation', () => {
  it.each([
    ['张伟', 'M', '尊敬的张先生'],
    ['李娜', 'F', '尊敬的李女士'],
    ['欧阳娜娜', 'F', '尊敬的欧阳女士'],
    ['司马光', 'M', '尊敬的司马先生'],
    ['诸葛亮', 'M', '尊敬的诸葛先生'],
    ['上官婉儿', 'F', '尊敬的上官女士'],
    ['慕容复', 'M', '尊敬的慕容先生'],
    ['令狐冲', 'M', '尊敬的令狐先生'],
    ['尉迟恭', 'M', '尊敬的尉迟先生'],
    ['司马', 'M', '尊敬的司先生'], // two characters: surname 司, given name 马
    ['东方', 'F', '尊敬的东女士'],
    ['王 小 明', 'M', '尊敬的王先生'],
    ['张伟', 'U', '尊敬的会员'],
    ['张伟', null, '尊敬的会员'],
    ['', 'M', '尊敬的会员'],
    ['张', 'M', '尊敬的会员'],
    ['John Smith', 'M', '尊敬的会员'],
  ])('%s (%s) → %s', (name, gender, expected) => {
    expect(salutation(name, gender, SAL)).toBe(expected);
  });

  it('uses the configured prefix and fallback', () => {
    expect(salutation('张伟', 'M', { prefix: '亲爱的', fallback: '亲爱的顾客' })).toBe('亲爱的张先生');
    expect(salutation(null, 'U', { prefix: '亲爱的', fallback: '亲爱的顾客' })).toBe('亲爱的顾客');
    expect(surnameOf('皇甫嵩')).toBe('皇甫');
    expect(surnameOf('皇')).toBeUndefined();
  });
});

describe('renderMessage', () => {
  it('renders the seeds’ greeting with salutation and signature', () => {
    const template = compileTemplate('{称呼}:……短信内容……。');
    expect(renderMessage(template, { name: '张三', gender: 'M' }, options()).text).toBe('尊敬的张先生:……短信内容……。【好又多超市】');
  });

  it('fills every placeholder, Chinese and English alias alike, with full-width braces too', () => {
    const member = { name: '欧阳娜娜', gender: 'F', points: 1280, storeName: '人民路店', cardNo: '8800123', birthday: '1990-03-08' };
    const zh = renderMessage(compileTemplate('{称呼}{姓名}{积分}{门店}{卡号}{生日}'), member, options({ signature: '' }));
    const en = renderMessage(compileTemplate('{salutation}{ name }{POINTS}{store}{card}｛birthday｝'), member, options({ signature: '' }));
    expect(zh.text).toBe('尊敬的欧阳女士欧阳娜娜1280人民路店88001233月8日');
    expect(en.text).toBe(zh.text);
  });

  it('points reminders say how many points expire and when; a recipient without the figures is refused, not sent a gap', () => {
    const template = compileTemplate('{称呼}：{到期积分}分将于{到期日期}到期');
    const member = { name: '王芳', gender: 'F', points: 1500, expiringPoints: 600, pointsExpireOn: '2027-03-31' };
    expect(renderMessage(template, member, options({ signature: '' })).text).toBe('尊敬的王女士：600分将于3月31日到期');
    expect(renderMessage(compileTemplate('{expiringPoints}/{pointsExpireOn}'), member, options({ signature: '' })).text).toBe('600/3月31日');
    expect(() => renderMessage(template, { name: '王芳', gender: 'F', points: 1500 }, options())).toThrow(expect.objectContaining({ code: 'PLACEHOLDER_VALUE_MISSING' }));
  });

  it('{门店} falls back to the store name setting', () => {
    expect(renderMessage(compileTemplate('欢迎光临{门店}'), null, options({ signature: '' })).text).toBe('欢迎光临好又多超市');
  });

  it('commercial texts (marketing, care) get the opt-out hint once, before an end signature, or after a start one', () => {
    const marketing = options({ category: 'marketing' });
    expect(renderMessage(compileTemplate('周末全场8折。'), null, marketing).text).toBe('周末全场8折。回T退订【好又多超市】');
    expect(renderMessage(compileTemplate('周末全场8折'), null, marketing).text).toBe('周末全场8折，回T退订【好又多超市】');
    expect(renderMessage(compileTemplate('周末全场8折，回T退订'), null, marketing).text).toBe('周末全场8折，回T退订【好又多超市】');
    expect(renderMessage(compileTemplate('周末8折。回TD退订'), null, marketing).text).toBe('周末8折。回TD退订【好又多超市】');
    expect(renderMessage(compileTemplate('周末8折。'), null, { ...marketing, signaturePosition: 'start' }).text).toBe('【好又多超市】周末8折。回T退订');
    expect(renderMessage(compileTemplate('生日快乐！'), null, options({ category: 'care' })).text).toBe('生日快乐！回T退订【好又多超市】');
    for (const category of ['transactional', 'reply'] as const) {
      expect(renderMessage(compileTemplate('您的订单已到货。'), null, options({ category })).text).toBe('您的订单已到货。【好又多超市】');
    }
  });

  it('counts characters and parts (UCS-2: 70 in one, 67 per part)', () => {
    const sixtyThree = '好'.repeat(63);
    const one = renderMessage(compileTemplate(sixtyThree), null, options()); // + 【好又多超市】 = 70
    expect(one).toMatchObject({ characters: 70, parts: 1, encoding: 'ucs2' });
    const two = renderMessage(compileTemplate(`${sixtyThree}好`), null, options());
    expect(two).toMatchObject({ characters: 71, parts: 2 });
    const ascii = renderMessage(compileTemplate('Hello {name}'), { name: 'Ann' }, options({ signature: '' }));
    expect(ascii).toMatchObject({ text: 'Hello Ann', encoding: 'gsm7', parts: 1 });
  });

  it.each([
    ['', 'EMPTY_TEXT'],
    ['   \n', 'EMPTY_TEXT'],
    ['您好{会员等级}', 'UNKNOWN_PLACEHOLDER'],
    ['您好{}', 'UNKNOWN_PLACEHOLDER'],
  ])('%j is refused with %s', (text, code) => {
    expect(() => compileTemplate(text)).toThrowError(RenderError);
    try {
      compileTemplate(text);
    } catch (error) {
      expect((error as RenderError).code).toBe(code);
      expect((error as RenderError).status).toBe(400);
    }
  });

  it('names the unknown placeholder', () => {
    expect(() => compileTemplate('您好{会员等级}')).toThrowError('{会员等级}');
  });

  it('refuses a text beyond the part limit before it is queued', () => {
    const long = compileTemplate('好'.repeat(300));
    expect(() => renderMessage(long, null, options())).toThrowError(expect.objectContaining({ code: 'TEXT_TOO_LONG' }));
    expect(renderMessage(long, null, options({ partLimit: 5 })).parts).toBe(5);
  });

  it('refuses member-only placeholders for a recipient without that field', () => {
    const template = compileTemplate('您的积分{积分}');
    expect(() => renderMessage(template, null, options())).toThrowError(expect.objectContaining({ code: 'PLACEHOLDER_VALUE_MISSING' }));
    expect(renderMessage(template, { points: 0 }, options({ signature: '' })).text).toBe('您的积分0');
  });
});

describe('preview', () => {
  it('shows the exact text, characters and parts for the sample member', () => {
    const result = preview('{称呼}:您的积分{积分}分。', SAMPLE_MEMBER, options());
    expect(result).toEqual({
      text: '尊敬的张先生:您的积分1280分。【好又多超市】',
      characters: 24,
      parts: 1,
      encoding: 'ucs2',
      partLimit: 3,
      withinLimit: true,
      error: null,
    });
  });

  it('reports problems instead of throwing, so the editor can show them', () => {
    expect(preview('{等级}', SAMPLE_MEMBER, options()).error).toMatchObject({ code: 'UNKNOWN_PLACEHOLDER' });
    const long = preview('好'.repeat(250), SAMPLE_MEMBER, options());
    expect(long).toMatchObject({ withinLimit: false, parts: 4, error: { code: 'TEXT_TOO_LONG' } });
  });
});
