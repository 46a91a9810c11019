import { fileWords, type FileLanguage, type FileWords } from '../reports/words.js';
import type { Sheet } from '../reports/xlsx.js';
import type { CROSS_TAB_DIMENSIONS, CrossTab, SurveyStatistics } from './statistics.js';
import type { Respondent, TextAnswer } from './surveys.js';
import type { Survey } from './types.js';

/**
 * A survey's results as workbook sheets (pure): the overview, each question's
 * distribution, the cross-tabs, every respondent's answers, the free-text
 * answers and the incentive list the store honours.
 */
export interface SurveyExportInput {
  survey: Survey;
  statistics: SurveyStatistics;
  crossTabs: ReadonlyArray<CrossTab & { labels: Record<string, string> }>;
  respondents: readonly Respondent[];
  textAnswers: readonly TextAnswer[];
  language: FileLanguage;
  /** 'YYYY-MM-DD HH:mm' in the store's time zone. */
  formatTime: (ms: number) => string;
  heading?: string[];
}

const DIMENSION_SHEET: Record<(typeof CROSS_TAB_DIMENSIONS)[number], keyof FileWords> = { store: 'byStore', gender: 'byGender', ageBand: 'byAgeBand', level: 'byLevel' };

export function groupLabel(words: FileWords, dimension: (typeof CROSS_TAB_DIMENSIONS)[number], key: string, labels: Record<string, string>): string {
  switch (dimension) {
    case 'store':
      return key ? `${labels[key] ?? key}（${key}）` : words.unknownStore;
    case 'gender':
      return words.genders[key] ?? key;
    case 'ageBand':
      return words.ageBands[key] ?? key;
    case 'level':
      return words.levels[key] ?? key;
  }
}

export function overviewRows(words: FileWords, stats: SurveyStatistics): Array<{ name: string; value: number | null; format?: 'percent' }> {
  const t = stats.totals;
  return [
    { name: words.invited, value: t.invited },
    { name: words.reached, value: t.reached },
    { name: words.responded, value: t.responded },
    { name: words.completed, value: t.completed },
    { name: words.answering, value: t.answering },
    { name: words.expired, value: t.expired },
    { name: words.optedOut, value: t.optedOut },
    { name: words.superseded, value: t.superseded },
    { name: words.closed, value: t.closed },
    { name: words.lateAnswers, value: t.lateAnswers },
    { name: words.responseRate, value: stats.responseRate, format: 'percent' },
    { name: words.completionRate, value: stats.completionRate, format: 'percent' },
  ];
}

export function surveySheets(input: SurveyExportInput): Sheet[] {
  const words = fileWords(input.language);
  const { survey, statistics } = input;
  const heading = input.heading ?? [`${words.survey}：${survey.title}`, `${words.mode}：${survey.mode === 'sequential' ? words.sequential : words.allAtOnce}`];
  const sheets: Sheet[] = [];
  sheets.push({
    name: words.overview,
    heading,
    columns: [
      { header: words.overview, key: 'name', width: 28 },
      { header: words.count, key: 'value', width: 14 },
    ],
    rows: overviewRows(words, statistics).map((r) => ({ name: r.name, value: r.value === null ? null : r.format === 'percent' ? `${(r.value * 100).toFixed(1)}%` : r.value })),
  });
  const questionRows: Sheet['rows'] = [];
  for (const q of statistics.questions) {
    const kind = words.kinds[q.kind] ?? q.kind;
    const base = { question: `${q.position + 1}. ${q.text}`, kind };
    questionRows.push({ ...base, option: words.answered, count: q.answered });
    if (q.skipped > 0) questionRows.push({ ...base, option: words.skipped, count: q.skipped });
    const total = q.distribution.reduce((s, d) => s + d.count, 0);
    for (const d of q.distribution) {
      const label = q.kind === 'yes-no' ? (d.key === 'yes' ? words.yes : words.no) : q.kind === 'choice' ? `${d.key}. ${d.label}` : d.label;
      questionRows.push({ ...base, option: label, count: d.count, share: total > 0 ? d.count / total : null });
    }
    if (q.mean !== null) questionRows.push({ ...base, option: words.mean, count: Math.round(q.mean * 100) / 100 });
    if (q.nps) {
      questionRows.push({ ...base, option: words.nps, count: Math.round(q.nps.score * 10) / 10 });
      questionRows.push({ ...base, option: words.promoters, count: q.nps.promoters });
      questionRows.push({ ...base, option: words.passives, count: q.nps.passives });
      questionRows.push({ ...base, option: words.detractors, count: q.nps.detractors });
    }
  }
  sheets.push({
    name: words.questions,
    columns: [
      { header: words.question, key: 'question', width: 40 },
      { header: words.kind, key: 'kind', width: 10 },
      { header: words.option, key: 'option', width: 24 },
      { header: words.count, key: 'count', width: 10 },
      { header: words.share, key: 'share', width: 10, numFmt: '0.0%' },
    ],
    rows: questionRows,
  });
  const measured = survey.questions.filter((q) => q.kind === 'rating' || q.kind === 'yes-no');
  for (const table of input.crossTabs) {
    const columns = [
      { header: words.group, key: 'group', width: 24 },
      { header: words.invited, key: 'invited', width: 10 },
      { header: words.responded, key: 'responded', width: 10 },
      { header: words.completed, key: 'completed', width: 10 },
      ...measured.map((q) => ({
        header: `${q.position + 1}. ${q.text.slice(0, 20)}（${q.kind === 'yes-no' ? words.yesShare : q.scale === '0-10' ? words.nps : words.mean}）`,
        key: `q${q.id}`,
        width: 22,
        ...(q.kind === 'yes-no' ? { numFmt: '0.0%' } : {}),
      })),
    ];
    sheets.push({
      name: String(words[DIMENSION_SHEET[table.dimension]]),
      ...(table.dimension === 'level' ? { heading: [words.levelNote] } : {}),
      columns,
      rows: table.groups.map((g) => {
        const row: Sheet['rows'][number] = { group: groupLabel(words, table.dimension, g.key, table.labels), invited: g.invited, responded: g.responded, completed: g.completed };
        for (const q of g.questions) {
          if (q.kind === 'yes-no') row[`q${q.questionId}`] = q.yesShare;
          else if (q.kind === 'rating') row[`q${q.questionId}`] = q.nps ? Math.round(q.nps.score * 10) / 10 : q.mean === null ? null : Math.round(q.mean * 100) / 100;
        }
        return row;
      }),
    });
  }
  const answerColumns = survey.questions.map((q) => ({ header: `${q.position + 1}. ${q.text.slice(0, 24)}`, key: `q${q.id}`, width: 20 }));
  const respondentRow = (r: Respondent) => {
    const row: Sheet['rows'][number] = {
      number: r.number,
      member: r.memberName ?? '',
      cardNo: r.cardNo ?? '',
      store: r.storeName ?? r.storeCode ?? '',
      state: words.sessionStates[r.state] ?? r.state,
      invitedAt: input.formatTime(r.invitedAt),
      endedAt: r.endedAt === null ? '' : input.formatTime(r.endedAt),
    };
    for (const q of survey.questions) row[`q${q.id}`] = r.answers[q.id] ?? '';
    return row;
  };
  const personColumns = [
    { header: words.number, key: 'number', width: 16 },
    { header: words.member, key: 'member', width: 12 },
    { header: words.cardNo, key: 'cardNo', width: 16 },
    { header: words.store, key: 'store', width: 18 },
  ];
  sheets.push({
    name: words.respondents,
    columns: [...personColumns, { header: words.state, key: 'state', width: 12 }, { header: words.invitedAt, key: 'invitedAt', width: 18 }, { header: words.endedAt, key: 'endedAt', width: 18 }, ...answerColumns],
    rows: input.respondents.map(respondentRow),
  });
  sheets.push({
    name: words.textAnswers,
    columns: [
      { header: words.question, key: 'question', width: 8 },
      { header: words.answer, key: 'text', width: 50 },
      { header: words.number, key: 'number', width: 16 },
      { header: words.member, key: 'member', width: 12 },
      { header: words.store, key: 'store', width: 18 },
      { header: words.answeredAt, key: 'at', width: 18 },
    ],
    rows: input.textAnswers.map((a) => ({ question: a.position + 1, text: a.text, number: a.number, member: a.memberName ?? '', store: a.storeName ?? a.storeCode ?? '', at: input.formatTime(a.answeredAt) })),
  });
  if (survey.incentive.trim()) {
    sheets.push({
      name: words.incentives,
      heading: [`${words.incentive}：${survey.incentive}`],
      columns: [...personColumns, { header: words.endedAt, key: 'endedAt', width: 18 }, { header: words.incentiveGiven, key: 'given', width: 18 }],
      rows: input.respondents
        .filter((r) => r.incentiveEarned)
        .map((r) => ({ ...respondentRow(r), given: r.incentiveGivenAt === null ? '' : `${input.formatTime(r.incentiveGivenAt)} ${r.incentiveGivenBy ?? ''}`.trim() })),
    });
  }
  return sheets;
}
