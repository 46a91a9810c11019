/** Short headlines for the API's error codes; the server's message follows with the details and what to do. */
export default {
  'zh-CN': {
    LOGIN_FAILED: '用户名或密码错误',
    ACCOUNT_LOCKED: '账号已锁定',
    ACCOUNT_DISABLED: '账号已停用',
    PASSWORD_WRONG: '当前密码不正确',
    VALIDATION_FAILED: '输入有误',
    USERNAME_TAKEN: '用户名已被占用',
    USERNAME_RESERVED: '该用户名为系统保留',
    FORBIDDEN: '没有权限',
    AUTH_REQUIRED: '请先登录',
    CSRF_FAILED: '请求已失效，请刷新页面',
    NETWORK_ERROR: '无法连接到 StoreMAS 服务',
    INTERNAL_ERROR: '服务内部错误',
    NOT_FOUND: '未找到',
    details: {
      ACCOUNT_LOCKED: '登录失败次数过多，请在 {minutes} 分钟后重试，或请管理员重置密码。',
    },
  },
  en: {
    LOGIN_FAILED: 'Wrong user name or password',
    ACCOUNT_LOCKED: 'Account locked',
    ACCOUNT_DISABLED: 'Account disabled',
    PASSWORD_WRONG: 'The current password is wrong',
    VALIDATION_FAILED: 'Invalid input',
    USERNAME_TAKEN: 'User name taken',
    USERNAME_RESERVED: 'User name reserved',
    FORBIDDEN: 'Not allowed',
    AUTH_REQUIRED: 'Please sign in',
    CSRF_FAILED: 'Request expired, reload the page',
    NETWORK_ERROR: 'StoreMAS cannot be reached',
    INTERNAL_ERROR: 'Internal error',
    NOT_FOUND: 'Not found',
    details: {
      ACCOUNT_LOCKED: 'Too many failed sign-ins. Try again in {minutes} minute(s), or ask an administrator to reset the password.',
    },
  },
};
