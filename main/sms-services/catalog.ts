/**
 * The SMS services StoreMAS answers, with their default keywords and reply
 * templates. A manager switches services on and off, edits keywords and
 * templates (sms_services rows hold the changes); these are the defaults and
 * what each template may say ({placeholders}).
 */
export const SERVICE_IDS = ['points', 'spending', 'promotions', 'help', 'stock', 'strategies', 'approve', 'reject'] as const;
export type ServiceId = (typeof SERVICE_IDS)[number];

/** Templates that belong to no keyword: identity, refusals, data age. */
export const GENERAL = 'general' as const;
export type TemplateOwner = ServiceId | typeof GENERAL;

/**
 * Who may use a service: anyone (促销, 帮助), members (积分, 消费: the sender's
 * mobile must match a member), staff (an active staff-directory entry),
 * approvers (staff who may approve strategies).
 */
export type Audience = 'anyone' | 'member' | 'staff' | 'approver';

/** What follows the keyword: nothing, a page number (促销2), a strategy number (同意 12), or free text (库存 羊肉卷). */
export type ArgumentKind = 'none' | 'page' | 'number' | 'text';

export interface TemplateSpec {
  text: string;
  /** The placeholders this template may use, by their Chinese names. */
  placeholders: readonly string[];
}

export interface ServiceDefinition {
  id: ServiceId;
  audience: Audience;
  argument: ArgumentKind;
  keywords: readonly string[];
  /** How the help menu names it after its keyword: 积分(JF)查积分. */
  menuLabel: string;
  /** Words that may surround the keyword without changing the request (积分会过期吗). */
  extraFillers: readonly string[];
  templates: Readonly<Record<string, TemplateSpec>>;
}

const MEMBER = ['称呼', '姓名', '卡号', '门店'] as const;

export const SERVICES: Readonly<Record<ServiceId, ServiceDefinition>> = {
  points: {
    id: 'points',
    audience: 'member',
    argument: 'none',
    keywords: ['积分', 'JF'],
    menuLabel: '查积分',
    extraFillers: ['余额', '过期', '到期', '会', '什么时候', '清零', '有效期', '总'],
    templates: {
      reply: { text: '{称呼}，您的会员积分为{积分}分。', placeholders: [...MEMBER, '积分'] },
      // When points are due to expire by the store's rule (积分有效期) or the POS's own date.
      expiring: { text: '{称呼}，您的会员积分为{积分}分，其中{到期积分}分将于{到期日期}到期，请及时使用。', placeholders: [...MEMBER, '积分', '到期积分', '到期日期'] },
    },
  },
  spending: {
    id: 'spending',
    audience: 'member',
    argument: 'none',
    keywords: ['消费', 'XF'],
    menuLabel: '查消费',
    extraFillers: ['金额', '多少钱', '花了', '本月', '这个月', '今年', '上次', '最近', '一次', '明细', '账单', '总额', '记录'],
    templates: {
      reply: {
        text: '{称呼}，您本月消费{本月消费}元，今年累计{本年消费}元；最近一次：{最近日期}在{最近门店}消费{最近金额}元。',
        placeholders: [...MEMBER, '本月消费', '本年消费', '最近日期', '最近门店', '最近金额'],
      },
      none: { text: '{称呼}，暂未查到您的消费记录。', placeholders: MEMBER },
    },
  },
  promotions: {
    id: 'promotions',
    audience: 'anyone',
    argument: 'page',
    keywords: ['促销', '优惠', 'CX', 'YH'],
    menuLabel: '看优惠',
    extraFillers: ['活动', '最近', '本周', '这周', '啥', '打折', '特价', '页', '第'],
    templates: {
      reply: { text: '{门店}优惠：{促销}', placeholders: ['门店', '促销'] },
      more: { text: '回复“{关键词}{页码}”看更多', placeholders: ['关键词', '页码'] },
      none: { text: '暂无促销活动，敬请关注。', placeholders: ['门店'] },
      end: { text: '没有更多优惠了，回复“{关键词}”从头看。', placeholders: ['关键词'] },
    },
  },
  help: {
    id: 'help',
    audience: 'anyone',
    argument: 'none',
    keywords: ['帮助', 'BZ', '?', '菜单', 'HELP'],
    menuLabel: '看帮助',
    extraFillers: ['功能', '怎么用', '说明', '服务'],
    templates: {
      customer: { text: '您好！回复关键词可查询：{菜单}', placeholders: ['菜单'] },
      staff: { text: '员工服务：{菜单}', placeholders: ['菜单', '姓名'] },
    },
  },
  stock: {
    id: 'stock',
    audience: 'staff',
    argument: 'text',
    keywords: ['库存', 'KC'],
    menuLabel: '+商品 查库存',
    extraFillers: ['还剩', '剩', '几', '多少件', '数量'],
    templates: {
      reply: { text: '{商品}（{编码}）库存：{库存}', placeholders: ['商品', '编码', '条码', '库存'] },
      several: { text: '找到{数量}个商品：{列表}。请回复“库存 编码”查询', placeholders: ['数量', '列表', '关键词'] },
      none: { text: '未找到商品“{关键词}”，请回复“库存 条码/编码/商品名”。', placeholders: ['关键词'] },
      usage: { text: '请回复“库存 商品名/条码/编码”，如：库存 羊肉卷', placeholders: [] },
      noStock: { text: '{商品}（{编码}）在您的门店暂无库存记录。', placeholders: ['商品', '编码', '条码'] },
    },
  },
  strategies: {
    id: 'strategies',
    audience: 'staff',
    argument: 'none',
    keywords: ['策略', 'CL'],
    menuLabel: '看策略',
    extraFillers: ['列表', '待审批', '审批', '建议'],
    templates: {
      reply: { text: '待审批{待审批数}条、进行中{进行中数}条：{列表}。回复“同意 编号”或“拒绝 编号”', placeholders: ['待审批数', '进行中数', '列表'] },
      none: { text: '您的门店暂无待审批或进行中的策略。', placeholders: [] },
    },
  },
  approve: {
    id: 'approve',
    audience: 'approver',
    argument: 'number',
    keywords: ['同意', 'TY'],
    menuLabel: '+编号 同意',
    extraFillers: ['策略', '编号', '号', '第'],
    templates: {
      reply: { text: '已同意策略#{编号}：{策略}', placeholders: ['编号', '策略'] },
    },
  },
  reject: {
    id: 'reject',
    audience: 'approver',
    argument: 'number',
    keywords: ['拒绝', 'JJ'],
    menuLabel: '+编号 拒绝',
    extraFillers: ['策略', '编号', '号', '第'],
    templates: {
      reply: { text: '已拒绝策略#{编号}：{策略}', placeholders: ['编号', '策略'] },
    },
  },
};

/** Replies that belong to no keyword. */
export const GENERAL_TEMPLATES: Readonly<Record<string, TemplateSpec>> = {
  notMember: { text: '您的手机号尚未登记会员，欢迎到店出示手机号免费办理会员卡，消费即可累积分。', placeholders: [] },
  severalMembers: { text: '该手机号登记了多个会员，请到服务台核对后再查询。', placeholders: [] },
  refused: { text: '抱歉，该服务仅限本店员工使用。', placeholders: [] },
  pinRequired: { text: '请在指令后加上员工密码，如：库存 羊肉卷 1234', placeholders: ['姓名'] },
  pinWrong: { text: '员工密码不正确。', placeholders: ['姓名'] },
  noApprovePermission: { text: '您没有审批策略的权限，请联系店长。', placeholders: ['姓名'] },
  strategyNotFound: { text: '没有编号为{编号}的策略，回复“策略”查看。', placeholders: ['编号', '指令'] },
  strategyNotPending: { text: '策略#{编号}已不是待审批状态（{状态}）。', placeholders: ['编号', '状态', '指令'] },
  strategyNotAllowed: { text: '策略#{编号}不属于您可管理的门店。', placeholders: ['编号', '指令'] },
  stale: { text: '（数据更新于{更新时间}）', placeholders: ['更新时间'] },
  neverSynced: { text: '（门店数据尚未同步）', placeholders: [] },
  failed: { text: '系统繁忙，请稍后再试。', placeholders: [] },
};

export const STRATEGY_STATE_WORDS: Readonly<Record<string, string>> = {
  suggested: '待审批',
  approved: '已同意',
  active: '进行中',
  ended: '已结束',
  rejected: '已拒绝',
};

export const STRATEGY_KIND_WORDS: Readonly<Record<string, string>> = {
  promotion: '促销',
  restock: '补货',
  'price-rise': '提价',
  'limit-per-customer': '限购',
};

export function templateSpecs(owner: TemplateOwner): Readonly<Record<string, TemplateSpec>> {
  return owner === GENERAL ? GENERAL_TEMPLATES : SERVICES[owner].templates;
}

export function isServiceId(value: string): value is ServiceId {
  return (SERVICE_IDS as readonly string[]).includes(value);
}

// ---- settings -------------------------------------------------------------

export interface ServiceSettings {
  /** A mobile that matches several members: answer for the one who bought last, or reply with the error text. */
  severalMembers: 'latest-purchase' | 'reply-error';
  /** Answers from the mirror say 数据更新于 … when the last sync is older than this (0: never say it). */
  staleAfterHours: number;
  /** Refused staff requests from one number within `windowMinutes` before it is locked out. */
  lockoutRefusals: number;
  lockoutWindowMinutes: number;
  /** How long a locked-out number stays on the inbound blacklist. */
  lockoutHours: number;
}

export const SETTINGS_DEFAULTS: ServiceSettings = {
  severalMembers: 'latest-purchase',
  staleAfterHours: 24,
  lockoutRefusals: 5,
  lockoutWindowMinutes: 60,
  lockoutHours: 24,
};

/** Replies are at most this many SMS parts (and never more than the policy's part limit). */
export const REPLY_PARTS = 3;
/** 促销 pages fit in this many parts, with a continuation for the rest. */
export const PROMOTION_PARTS = 2;
/** Fillers common to every request: greetings, 请问, 我的, question tails. Longest first when stripped. */
export const COMMON_FILLERS: readonly string[] = [
  '请问', '请', '麻烦', '帮我', '帮忙', '给我', '我想', '我要', '想', '要', '查询', '查查', '查一下', '查下', '查', '看看', '看一下', '看下', '看',
  '一下', '我的', '我们', '我', '还', '你好', '您好', '在吗', '现在', '目前', '当前', '还有', '一共', '总共', '是多少', '有多少', '多少', '是什么', '什么',
  '有哪些', '哪些', '有什么', '有没有', '有', '吗', '呢', '啊', '呀', '吧', '了', '的', '么', '嘛', '谢谢', '谢了', '情况', '信息', '是',
  'hi', 'hello', 'pls', 'please',
];
