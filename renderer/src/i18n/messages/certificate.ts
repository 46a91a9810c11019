/** How a TLS certificate is shown: the LAN certificate in 设置, a POS server's in 门店数据. */
export default {
  'zh-CN': {
    fingerprint: 'SHA-256 指纹',
    subject: '颁发给',
    issuer: '颁发者',
    selfSigned: '自签名（由自己颁发）',
    validity: '有效期',
    validRange: '{from} 至 {to}',
    names: '适用名称',
    expired: '已过期',
    expiresSoon: '即将过期',
    copyFingerprint: '复制指纹',
  },
  en: {
    fingerprint: 'SHA-256 fingerprint',
    subject: 'Issued to',
    issuer: 'Issued by',
    selfSigned: 'Self-signed (issued by itself)',
    validity: 'Valid',
    validRange: '{from} to {to}',
    names: 'Names',
    expired: 'Expired',
    expiresSoon: 'Expires soon',
    copyFingerprint: 'Copy fingerprint',
  },
};
