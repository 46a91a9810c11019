import { createRouter, createWebHistory, type RouteLocationNormalized, type RouteRecordRaw } from 'vue-router';
import TheLayout from '../components/TheLayout.vue';
import { useSessionStore } from '../stores/session';
import { i18n } from '../i18n';
import type { AreaRoute } from './types';

/** Each area contributes pages/<area>/routes.ts; only built areas exist, so only they show. */
const areaModules = import.meta.glob<{ default: AreaRoute[] }>('../pages/*/routes.ts', { eager: true });
export const areaRoutes: AreaRoute[] = Object.values(areaModules).flatMap((module) => module.default);

/** Sidebar entries in menu order. */
export const navRoutes = areaRoutes
  .filter((route) => route.meta.nav)
  .sort((a, b) => (a.meta.nav?.order ?? 0) - (b.meta.nav?.order ?? 0));

function permissionOf(route: RouteLocationNormalized) {
  return route.meta.permission ?? route.meta.nav?.permission;
}

const routes: RouteRecordRaw[] = [
  {
    path: '/login',
    name: 'login',
    component: () => import('../pages/auth/LoginPage.vue'),
    meta: { public: true, titleKey: 'auth.signIn' },
  },
  {
    path: '/change-password',
    name: 'change-password',
    component: () => import('../pages/auth/ChangePasswordPage.vue'),
    meta: { allowDuringPasswordChange: true, titleKey: 'auth.changeTitle' },
  },
  {
    path: '/',
    component: TheLayout,
    children: [
      // Never rendered: the guard sends '/' to the first page the user may open.
      { path: '', name: 'home', component: { render: () => null }, meta: { titleKey: 'common.appName' } },
      ...areaRoutes,
      {
        path: 'forbidden',
        name: 'forbidden',
        component: () => import('../pages/auth/ForbiddenPage.vue'),
        meta: { titleKey: 'common.forbidden' },
      },
      {
        path: ':unknown(.*)*',
        name: 'not-found',
        component: () => import('../pages/auth/NotFoundPage.vue'),
        meta: { titleKey: 'common.notFound' },
      },
    ],
  },
];

export const router = createRouter({ history: createWebHistory(), routes });

/** The first page this user may open (the sign-in target when none was asked for). */
export function homePath(): string {
  const session = useSessionStore();
  return navRoutes.find((route) => session.can(route.meta.nav?.permission))?.path ?? '/forbidden';
}

router.beforeEach(async (to) => {
  const session = useSessionStore();
  await session.ensureLoaded();
  if (to.meta.public) {
    // A signed-in user has no business on the sign-in page.
    return session.signedIn && to.name === 'login' ? homePath() : true;
  }
  if (!session.signedIn) {
    return { name: 'login', query: to.fullPath !== '/' ? { redirect: to.fullPath } : {} };
  }
  if (session.mustChangePassword && !to.meta.allowDuringPasswordChange) return { name: 'change-password' };
  if (to.name === 'home') return homePath();
  if (!session.can(permissionOf(to))) return { name: 'forbidden' };
  return true;
});

router.afterEach((to) => {
  const t = i18n.global.t as (key: string) => string;
  const title = to.meta.titleKey ? t(to.meta.titleKey) : '';
  document.title = title && to.meta.titleKey !== 'common.appName' ? `${title} · StoreMAS` : 'StoreMAS 门店短信一体机';
});

/**
 * After an upgrade an open tab still holds the old index and asks for page
 * chunks that no longer exist: load the page afresh (once) instead of showing nothing.
 */
const RELOADED_KEY = 'storemas.chunkReload';
router.onError((error: unknown, to) => {
  const message = error instanceof Error ? error.message : String(error);
  if (!/dynamically imported module|module script|Importing a module/i.test(message)) return;
  if (sessionStorage.getItem(RELOADED_KEY) === to.fullPath) return;
  sessionStorage.setItem(RELOADED_KEY, to.fullPath);
  window.location.assign(to.fullPath);
});
router.afterEach(() => sessionStorage.removeItem(RELOADED_KEY));
