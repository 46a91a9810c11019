import type { Entity, MappingDefinition } from './mapping.js';

/**
 * Ready-made mappings for POS schemas StoreMAS knows. The demo preset reads
 * the demo POS (main/store/demo) on every engine: column names are lower case
 * so PostgreSQL, MariaDB and SQLite return them the same way.
 */
export const PRESETS = {
  'demo-pos': {
    label: '演示 POS (t_member, t_goods, t_stock, t_sale_master …)',
    mappings: {
      stores: {
        source: { kind: 'table', table: 't_branch' },
        fields: {
          code: { column: 'branch_no' },
          name: { column: 'branch_name' },
          address: { column: 'address' },
          phone: { column: 'tel' },
          source_updated_at: { column: 'modify_time', timezone: '+08:00' },
        },
        watermark: { column: 'modify_time', kind: 'timestamp' },
        detectDeletes: true,
      },
      members: {
        source: { kind: 'table', table: 't_member' },
        fields: {
          source_key: { column: 'card_id' },
          card_no: { column: 'card_no' },
          name: { column: 'vip_name' },
          gender: { column: 'vip_sex', male: ['1'], female: ['2'], unknown: ['0'] },
          birthday: { column: 'birthday', format: 'YYYY-MM-DD' },
          birthday_lunar: { column: 'birthday_type', trueValues: ['1'], falseValues: ['0'] },
          mobile: { column: 'mobile', region: 'CN' },
          // 接收短信: '1' yes, '0' no; empty keeps StoreMAS's own consent. A StoreMAS opt-out always wins.
          marketing_consent: { column: 'sms_flag', trueValues: ['1'], falseValues: ['0'] },
          id_number: { column: 'id_card' },
          store_code: { column: 'branch_no' },
          last_purchase_at: { column: 'last_sale_time', timezone: '+08:00' },
          last_purchase_cents: { column: 'last_sale_amount', unit: 'yuan' },
          total_spent_cents: { column: 'acc_amount', unit: 'yuan' },
          points: { column: 'acc_points' },
          source_updated_at: { column: 'modify_time', timezone: '+08:00' },
        },
        watermark: { column: 'modify_time', kind: 'timestamp' },
        detectDeletes: true,
      },
      products: {
        source: {
          kind: 'query',
          sql: 'SELECT g.item_no, g.barcode, g.item_name, c.cls_name, g.unit_no, g.sale_price, g.modify_time FROM t_goods g LEFT JOIN t_goods_cls c ON c.cls_no = g.cls_no',
        },
        fields: {
          code: { column: 'item_no' },
          barcode: { column: 'barcode' },
          name: { column: 'item_name' },
          category: { column: 'cls_name' },
          unit: { column: 'unit_no' },
          price_cents: { column: 'sale_price', unit: 'yuan' },
          source_updated_at: { column: 'modify_time', timezone: '+08:00' },
        },
        watermark: { column: 'modify_time', kind: 'timestamp' },
        detectDeletes: true,
      },
      inventory: {
        source: { kind: 'table', table: 't_stock' },
        fields: {
          store_code: { column: 'branch_no' },
          product_code: { column: 'item_no' },
          quantity: { column: 'stock_qty' },
          source_updated_at: { column: 'modify_time', timezone: '+08:00' },
        },
        watermark: { column: 'modify_time', kind: 'timestamp' },
        detectDeletes: true,
      },
      sales: {
        source: { kind: 'table', table: 't_sale_master' },
        fields: {
          receipt_no: { column: 'flow_no' },
          store_code: { column: 'branch_no' },
          member_key: { column: 'card_id' },
          sold_at: { column: 'sale_time', timezone: '+08:00' },
          total_cents: { column: 'sale_amount', unit: 'yuan' },
          points: { column: 'points' },
          source_updated_at: { column: 'modify_time', timezone: '+08:00' },
        },
        watermark: { column: 'modify_time', kind: 'timestamp' },
        detectDeletes: false,
      },
      sale_lines: {
        source: { kind: 'table', table: 't_sale_detail' },
        fields: {
          receipt_no: { column: 'flow_no' },
          line_no: { column: 'line_no' },
          product_code: { column: 'item_no' },
          quantity: { column: 'sale_qty' },
          unit_price_cents: { column: 'sale_price', unit: 'yuan' },
          amount_cents: { column: 'sale_money', unit: 'yuan' },
        },
        watermark: { column: 'flow_id', kind: 'id' },
        detectDeletes: false,
      },
    } satisfies Record<Entity, MappingDefinition>,
  },
} as const;

export type PresetName = keyof typeof PRESETS;
