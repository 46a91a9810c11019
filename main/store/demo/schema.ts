/**
 * The demo POS database's own schema, in the style of Chinese supermarket POS
 * systems (t_branch, t_goods, t_member, t_stock, t_sale_master/t_sale_detail):
 * not StoreMAS's schema, so the mirror has real mapping work to do — gender
 * as codes '1'/'2'/'0', amounts in yuan decimals, times as local datetimes
 * without a zone, mobiles in mixed formats (a few landlines among them), the
 * SMS consent as a '1'/'0' flag.
 */
export type DemoDialect = 'sqlite' | 'mysql' | 'pg';

export interface DemoTable {
  name: string;
  columns: ReadonlyArray<readonly [name: string, type: string]>;
  primaryKey: readonly string[];
  indexes: ReadonlyArray<readonly string[]>;
}

export const DEMO_TABLES: readonly DemoTable[] = [
  {
    name: 't_branch',
    columns: [['branch_no', 'VARCHAR(10) NOT NULL'], ['branch_name', 'VARCHAR(60) NOT NULL'], ['address', 'VARCHAR(200)'], ['tel', 'VARCHAR(30)'], ['modify_time', 'DATETIME NOT NULL']],
    primaryKey: ['branch_no'],
    indexes: [],
  },
  {
    name: 't_goods_cls',
    columns: [['cls_no', 'VARCHAR(10) NOT NULL'], ['cls_name', 'VARCHAR(40) NOT NULL']],
    primaryKey: ['cls_no'],
    indexes: [],
  },
  {
    name: 't_goods',
    columns: [
      ['item_no', 'VARCHAR(20) NOT NULL'], ['barcode', 'VARCHAR(20)'], ['item_name', 'VARCHAR(80) NOT NULL'], ['cls_no', 'VARCHAR(10)'],
      ['unit_no', 'VARCHAR(8)'], ['sale_price', 'DECIMAL(12,2)'], ['status', 'CHAR(1)'], ['modify_time', 'DATETIME NOT NULL'],
    ],
    primaryKey: ['item_no'],
    indexes: [['modify_time']],
  },
  {
    name: 't_member',
    columns: [
      ['card_id', 'VARCHAR(20) NOT NULL'], ['card_no', 'VARCHAR(20)'], ['vip_name', 'VARCHAR(40)'], ['vip_sex', 'CHAR(1)'], ['birthday', 'VARCHAR(10)'],
      ['birthday_type', 'CHAR(1)'], ['mobile', 'VARCHAR(24)'], ['sms_flag', 'CHAR(1)'], ['id_card', 'VARCHAR(20)'], ['branch_no', 'VARCHAR(10)'], ['acc_amount', 'DECIMAL(14,2)'],
      ['acc_points', 'INTEGER'], ['last_sale_time', 'DATETIME'], ['last_sale_amount', 'DECIMAL(12,2)'], ['reg_date', 'DATETIME'], ['modify_time', 'DATETIME NOT NULL'],
    ],
    primaryKey: ['card_id'],
    indexes: [['modify_time'], ['mobile']],
  },
  {
    name: 't_stock',
    columns: [['branch_no', 'VARCHAR(10) NOT NULL'], ['item_no', 'VARCHAR(20) NOT NULL'], ['stock_qty', 'DECIMAL(12,3) NOT NULL'], ['modify_time', 'DATETIME NOT NULL']],
    primaryKey: ['branch_no', 'item_no'],
    indexes: [['modify_time']],
  },
  {
    name: 't_sale_master',
    columns: [
      ['flow_no', 'VARCHAR(30) NOT NULL'], ['branch_no', 'VARCHAR(10) NOT NULL'], ['card_id', 'VARCHAR(20)'], ['sale_time', 'DATETIME NOT NULL'],
      ['sale_amount', 'DECIMAL(12,2) NOT NULL'], ['points', 'INTEGER'], ['modify_time', 'DATETIME NOT NULL'],
    ],
    primaryKey: ['flow_no'],
    indexes: [['modify_time'], ['card_id']],
  },
  {
    name: 't_sale_detail',
    columns: [
      ['flow_id', 'BIGINT NOT NULL'], ['flow_no', 'VARCHAR(30) NOT NULL'], ['line_no', 'INTEGER NOT NULL'], ['item_no', 'VARCHAR(20) NOT NULL'],
      ['sale_qty', 'DECIMAL(12,3) NOT NULL'], ['sale_price', 'DECIMAL(12,2) NOT NULL'], ['sale_money', 'DECIMAL(12,2) NOT NULL'],
    ],
    primaryKey: ['flow_id'],
    indexes: [['flow_no']],
  },
];

function columnType(type: string, dialect: DemoDialect): string {
  if (dialect === 'pg') return type.replace('DATETIME', 'TIMESTAMP(0)').replace('DECIMAL', 'NUMERIC');
  return type;
}

function quote(name: string, dialect: DemoDialect): string {
  return dialect === 'mysql' ? `\`${name}\`` : `"${name}"`;
}

/** CREATE TABLE / INDEX statements for one dialect. */
export function demoDdl(dialect: DemoDialect): string[] {
  const statements: string[] = [];
  for (const table of DEMO_TABLES) {
    const columns = table.columns.map(([name, type]) => `  ${quote(name, dialect)} ${columnType(type, dialect)}`);
    columns.push(`  PRIMARY KEY (${table.primaryKey.map((c) => quote(c, dialect)).join(', ')})`);
    const suffix = dialect === 'mysql' ? ' ENGINE=InnoDB DEFAULT CHARSET=utf8mb4' : '';
    statements.push(`CREATE TABLE ${quote(table.name, dialect)} (\n${columns.join(',\n')}\n)${suffix}`);
    for (const index of table.indexes) {
      statements.push(`CREATE INDEX ${quote(`ix_${table.name}_${index.join('_')}`, dialect)} ON ${quote(table.name, dialect)} (${index.map((c) => quote(c, dialect)).join(', ')})`);
    }
  }
  return statements;
}

export function demoColumns(table: string): string[] {
  const found = DEMO_TABLES.find((t) => t.name === table);
  if (!found) throw new Error(`unknown demo table ${table}`);
  return found.columns.map(([name]) => name);
}
