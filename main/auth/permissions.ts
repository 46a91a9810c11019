/**
 * Roles and what they may do. One table, one check (`can`), used by every route
 * through its `permission` config and by the UI to hide what a user cannot use.
 * Later capabilities add their permission names here and grant them to roles.
 */
export const ROLES = ['admin', 'manager', 'operator'] as const;
export type Role = (typeof ROLES)[number];

export const PERMISSIONS = [
  'dashboard.read',
  /** System figures (data directory, database size, sign-in activity): administrators only. */
  'system.read',
  'users.manage',
  'settings.read',
  'settings.manage',
  'audit.read',
  'members.read',
  'members.write',
  'members.export',
  'members.viewIdNumber',
  'messages.send',
  'messages.read',
  'messages.resolve',
  'campaigns.read',
  'campaigns.manage',
  'campaigns.approve',
  'care.manage',
  'lists.read',
  'lists.manage',
  'lists.export',
  'templates.manage',
  'reports.read',
  /** Report schedules (e-mailed reports) and the price per SMS part the cost report uses. */
  'reports.manage',
  'surveys.read',
  'surveys.manage',
  'modems.read',
  'modems.manage',
  'store.read',
  'store.manage',
  'services.read',
  'services.manage',
  'staff.manage',
  'strategies.read',
  'strategies.approve',
  'strategies.manage',
  /** 意见反馈: read tickets and their SMS threads. */
  'feedback.read',
  /** Work tickets: assign, notes, states, resolution texts, blacklist a complaining number. */
  'feedback.manage',
  /** E-mail: SMTP server, recipients, test mail, the queue's retries. */
  'mail.manage',
  /** 订阅: topics, members' subscriptions, imports, the 电子杂志. */
  'subscriptions.manage',
  /** The 接口 page: MAS database codes, their status and problems. */
  'integrations.read',
  /** Connection, codes, pausing, integrators' logins. */
  'integrations.manage',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

const MANAGER: readonly Permission[] = [
  'dashboard.read',
  'settings.read',
  'members.read',
  'members.write',
  'members.export',
  'messages.send',
  'messages.read',
  'messages.resolve',
  'campaigns.read',
  'campaigns.manage',
  'campaigns.approve',
  // Care automations text members by themselves every day: switching and editing them is a manager's decision.
  'care.manage',
  'lists.read',
  'lists.manage',
  'lists.export',
  'templates.manage',
  'reports.read',
  'reports.manage',
  'surveys.read',
  'surveys.manage',
  'modems.read',
  'store.read',
  'services.read',
  'services.manage',
  'staff.manage',
  'strategies.read',
  'strategies.approve',
  'strategies.manage',
  'feedback.read',
  'feedback.manage',
  'subscriptions.manage',
  'integrations.read',
];

const OPERATOR: readonly Permission[] = [
  'dashboard.read',
  'members.read',
  'messages.send',
  'messages.read',
  'campaigns.read',
  // Operators create and run campaigns; with the campaignApproval setting on, theirs wait for a manager.
  'campaigns.manage',
  'lists.read',
  'modems.read',
  'store.read',
  'services.read',
  'strategies.read',
  // Operators at the service desk handle the tickets customers text in.
  'feedback.read',
  'feedback.manage',
  'surveys.read',
];

const GRANTS: Record<Role, ReadonlySet<Permission>> = {
  admin: new Set(PERMISSIONS),
  manager: new Set(MANAGER),
  operator: new Set(OPERATOR),
};

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

export function can(role: Role, permission: Permission): boolean {
  return GRANTS[role].has(permission);
}

export function permissionsOf(role: Role): Permission[] {
  return PERMISSIONS.filter((p) => GRANTS[role].has(p));
}
