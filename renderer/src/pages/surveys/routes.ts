import type { AreaRoute } from '../../router/types';

export default [
  {
    path: '/surveys',
    name: 'surveys',
    component: () => import('./SurveysPage.vue'),
    meta: { titleKey: 'surveys.title', nav: { labelKey: 'surveys.nav', icon: 'Document', order: 56, permission: 'surveys.read' } },
  },
  {
    path: '/surveys/new',
    name: 'survey-new',
    component: () => import('./SurveyEditorPage.vue'),
    meta: { titleKey: 'surveys.editor.newTitle', permission: 'surveys.manage' },
  },
  {
    path: '/surveys/:id(\\d+)/edit',
    name: 'survey-edit',
    component: () => import('./SurveyEditorPage.vue'),
    meta: { titleKey: 'surveys.editor.editTitle', permission: 'surveys.manage' },
  },
  {
    path: '/surveys/:id(\\d+)',
    name: 'survey-report',
    component: () => import('./SurveyReportPage.vue'),
    meta: { titleKey: 'surveys.report.title', permission: 'surveys.read' },
  },
] satisfies AreaRoute[];
