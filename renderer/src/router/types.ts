import type { RouteRecordRaw } from 'vue-router';
import type { Permission } from '../../../main/auth/permissions';
import type * as Icons from '@element-plus/icons-vue';

/** The name of an icon from @element-plus/icons-vue, e.g. 'Cellphone'. */
export type IconName = keyof typeof Icons;

export interface NavEntry {
  /** i18n key of the menu label, e.g. 'modems.nav'. */
  labelKey: string;
  icon: IconName;
  /** Menu position: Dashboard 10, Members 20 … Audit 100 (see notes/ui-conventions.md). */
  order: number;
  /** Hidden from users whose role lacks it; also checked by the router guard. */
  permission?: Permission;
}

export interface AreaRouteMeta {
  /** i18n key of the page title (the browser tab shows it too). */
  titleKey: string;
  /** Present when the page has an entry in the sidebar. */
  nav?: NavEntry;
  /** Required to open the page when it has no nav entry (nav.permission counts otherwise). */
  permission?: Permission;
}

/** One route of a product area, exported from `pages/<area>/routes.ts`. */
export type AreaRoute = RouteRecordRaw & { path: string; meta: AreaRouteMeta };

declare module 'vue-router' {
  interface RouteMeta {
    titleKey?: string;
    nav?: NavEntry;
    permission?: Permission;
    /** Reachable without a session (sign-in page). */
    public?: boolean;
    /** Reachable while the user must still change the password. */
    allowDuringPasswordChange?: boolean;
  }
}
