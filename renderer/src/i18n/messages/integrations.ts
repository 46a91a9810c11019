export default {
  'zh-CN': {
    nav: '接口',
    title: '接口',
    subtitle: '门店原有的软件（ERP、OA、收银插件）按中国移动 MAS 的方式接入 StoreMAS 发短信：只需改地址和端口',
  },
  en: {
    nav: 'Integrations',
    title: 'Integrations',
    subtitle: 'The store’s existing software (ERP, OA, POS add-ons) sends through StoreMAS the way it did with China Mobile MAS: only the host and port change',
  },
};
