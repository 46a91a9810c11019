import { Type, type Static } from 'typebox';
import { PERMISSIONS, ROLES, type Permission, type Role } from '../../auth/permissions.js';

export const RoleSchema = Type.Unsafe<Role>({ type: 'string', enum: [...ROLES] });
export const PermissionSchema = Type.Unsafe<Permission>({ type: 'string', enum: [...PERMISSIONS] });

export const UserSchema = Type.Object({
  id: Type.Integer(),
  username: Type.String(),
  displayName: Type.String(),
  role: RoleSchema,
  mustChangePassword: Type.Boolean(),
  disabled: Type.Boolean(),
  lockedUntil: Type.Union([Type.Number(), Type.Null()]),
  lastLoginAt: Type.Union([Type.Number(), Type.Null()]),
  createdAt: Type.Number(),
});
export type UserDto = Static<typeof UserSchema>;

export const SessionSchema = Type.Object({
  user: UserSchema,
  permissions: Type.Array(PermissionSchema),
  csrfToken: Type.String({ description: 'Send back in the X-CSRF-Token header on every state-changing request' }),
  store: Type.Object(
    {
      name: Type.String({ description: 'The store name shown in the UI header' }),
      language: Type.Union([Type.Literal('zh-CN'), Type.Literal('en')], { description: "The store's default UI language" }),
    },
    { description: 'What every signed-in user sees of the settings, whatever their role' },
  ),
});
export type SessionDto = Static<typeof SessionSchema>;

export const LoginBody = Type.Object({
  username: Type.String({ minLength: 1, maxLength: 64 }),
  password: Type.String({ minLength: 1, maxLength: 256 }),
});

export const LoginResponse = Type.Intersect([
  SessionSchema,
  Type.Object({
    token: Type.String({ description: 'Bearer token for programs; the browser uses the httpOnly cookie instead' }),
  }),
]);

export const ChangePasswordBody = Type.Object({
  currentPassword: Type.String({ minLength: 1, maxLength: 256 }),
  newPassword: Type.String({ minLength: 1, maxLength: 256 }),
});

export const CreateUserBody = Type.Object({
  username: Type.String({ minLength: 2, maxLength: 64 }),
  displayName: Type.Optional(Type.String({ maxLength: 128 })),
  role: RoleSchema,
  password: Type.String({ minLength: 1, maxLength: 256 }),
});

export const UpdateUserBody = Type.Object({
  displayName: Type.Optional(Type.String({ maxLength: 128 })),
  role: Type.Optional(RoleSchema),
  disabled: Type.Optional(Type.Boolean()),
});

export const ResetPasswordResponse = Type.Object({
  password: Type.String({ description: 'Temporary password, shown once; the user must change it at next login' }),
});
