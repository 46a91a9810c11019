export default {
  'zh-CN': {
    daysHours: '{days} 天 {hours} 小时',
    hoursMinutes: '{hours} 小时 {minutes} 分钟',
    minutes: '{minutes} 分钟',
  },
  en: {
    daysHours: '{days} d {hours} h',
    hoursMinutes: '{hours} h {minutes} min',
    minutes: '{minutes} min',
  },
};
