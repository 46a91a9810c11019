import iconv from 'iconv-lite';
import mysql, { type Connection, type RowDataPacket } from 'mysql2/promise';

/**
 * MAS database clients as the public ones are written, for the integration
 * tests and the benchmark:
 *
 * - StockMasClient follows the vendor's Java IM API client (com.jasson.im.api
 *   .APIClient): SQL built as text, quotes escaped, then the whole statement
 *   made GBK bytes re-read as ISO-8859-1 (gb2Iso) and sent on a latin1
 *   connection (characterEncoding=ISO-8859-1); on reading, iso2gbk. It checks
 *   tbl_api_info before every send and refuses when paused (-10) or
 *   disconnected (-11), as the real one does. `connection: 'utf8'` is the same
 *   client on a server whose default charset made Connector/J talk UTF-8.
 * - plainInsert is what third-party clients do: a parameterised INSERT of
 *   (mobiles, content), (mobiles, content, is_wap) or (SM_ID, SRC_ID,
 *   MOBILES, CONTENT) on a utf8mb4, gbk or gb2312 connection.
 */
export interface MasLogin {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
}

export const IMAPI_SUCC = 0;
export const IMAPI_IFSTATUS_INVALID = -10;
export const IMAPI_GATEWAY_CONN_ERR = -11;

export interface MoItem {
  smId: number;
  mobile: string;
  content: string;
  moTime: string;
  msgFmt: number;
}

export interface RptItem {
  smId: number;
  mobile: string;
  code: number;
  desc: string;
  rptTime: string;
}

const gb2Iso = (text: string) => iconv.encode(text.trim(), 'gbk').toString('latin1');
const iso2gbk = (text: string | null) => (text === null ? '' : iconv.decode(Buffer.from(text.trim(), 'latin1'), 'gbk'));
/** The client's replaceSpecilAlhpa: a backslash before every ' and \. */
const escape = (text: string) => text.replace(/[\\']/g, (ch) => `\\${ch}`);

export class StockMasClient {
  private constructor(
    private readonly connection: Connection,
    private readonly apiCode: string,
  ) {}

  /** init(): connects and checks that api_mo_<code> exists (IMAPI_API_ERR -7 otherwise). */
  static async init(login: MasLogin, apiCode: string, options: { connection?: 'latin1' | 'utf8' } = {}): Promise<StockMasClient> {
    const connection = await mysql.createConnection({
      host: login.host,
      port: login.port,
      user: login.user,
      password: login.password,
      database: login.database,
      charset: options.connection === 'utf8' ? 'UTF8MB4_GENERAL_CI' : 'LATIN1_SWEDISH_CI',
      dateStrings: true,
    });
    await connection.query(`select * from api_mo_${apiCode} limit 1`);
    return new StockMasClient(connection, apiCode);
  }

  /** checkGatConn(): 1 when it may send, -10 paused, -11 gateway not connected. */
  async checkGatConn(): Promise<number> {
    const [rows] = await this.connection.query<RowDataPacket[]>(`select if_status,conn_succ_status from tbl_api_info as api where api.if_code='${this.apiCode}' limit 1`);
    let ret = 1;
    for (const row of rows) {
      if (String(row['if_status']) === '2') ret = IMAPI_IFSTATUS_INVALID;
      if (String(row['conn_succ_status']) === '0') ret = IMAPI_GATEWAY_CONN_ERR;
    }
    return ret;
  }

  /** sendSM(mobiles, content, smID, srcID, url, sendTime): the full fifteen-column insert. */
  async sendSM(mobiles: string[], content: string, smId: number, srcId: number, options: { url?: string; sendTime?: string | null } = {}): Promise<number> {
    return this.send(mobiles, escape(content).slice(0, 2000), smId, srcId, options.url ?? '', options.sendTime ?? null, 0, 0, 0, 0);
  }

  /** sendPDU(mobiles, bytes, smID, srcID, msgFmt, tpPID, tpUdhi, …): CONTENT as hex, SM_TYPE 2. */
  async sendPDU(mobiles: string[], content: Buffer, smId: number, srcId: number, msgFmt: number, tpPid: number, tpUdhi: number): Promise<number> {
    return this.send(mobiles, content.toString('hex'), smId, srcId, '', null, msgFmt, tpPid, tpUdhi, 2);
  }

  private async send(mobiles: string[], content: string, smId: number, srcId: number, url: string, sendTime: string | null, msgFmt: number, tpPid: number, tpUdhi: number, smType = 0): Promise<number> {
    const gate = await this.checkGatConn();
    if (gate !== 1) return gate;
    let sql = `insert into api_mt_${this.apiCode} (SM_ID,SRC_ID,MOBILES,CONTENT,IS_WAP,URL,SEND_TIME,MSG_FMT,TP_PID,TP_UDHI,FEE_TERMINAL_ID,FEE_TYPE,FEE_CODE,FEE_USER_TYPE,SM_TYPE) values (${smId},${srcId},'${mobiles.join(',')}','${content}', `;
    sql += url.trim() ? `1,'${url}',` : "0,'',";
    sql += sendTime ? `'${sendTime}',` : ' null ,';
    sql += `${msgFmt},${tpPid},${tpUdhi},'','','',0,${smType})`;
    await this.connection.query(gb2Iso(sql));
    return IMAPI_SUCC;
  }

  /** receiveSM(): select, then delete what was read by AUTO_SN. */
  async receiveSM(): Promise<MoItem[]> {
    const [rows] = await this.connection.query<RowDataPacket[]>(`select * from api_mo_${this.apiCode} limit 5000`);
    await this.connection.query(`delete from api_mo_${this.apiCode} where AUTO_SN in (-1${rows.map((r) => `,${String(r['AUTO_SN'])}`).join('')})`);
    return rows.map((r) => ({ smId: Number(r['SM_ID']), mobile: String(r['MOBILE']), content: iso2gbk(r['CONTENT'] as string), moTime: String(r['MO_TIME']), msgFmt: Number(r['MSG_FMT']) }));
  }

  /** receiveRPT(): select, then delete what was read by AUTO_SN. */
  async receiveRPT(): Promise<RptItem[]> {
    const [rows] = await this.connection.query<RowDataPacket[]>(`select * from api_rpt_${this.apiCode} limit 5000`);
    await this.connection.query(`delete from api_rpt_${this.apiCode} where AUTO_SN in (-1${rows.map((r) => `,${String(r['AUTO_SN'])}`).join('')})`);
    return rows.map((r) => ({ smId: Number(r['SM_ID']), mobile: String(r['MOBILE']), code: Number(r['RPT_CODE']), desc: iso2gbk(r['RPT_DESC'] as string), rptTime: String(r['RPT_TIME']) }));
  }

  async release(): Promise<void> {
    await this.connection.end();
  }
}

/** A third-party client's connection: utf8mb4 (most), gbk or gb2312 (older PHP/Python/Java code). */
export function connectPlain(login: MasLogin, charset: 'utf8mb4' | 'gbk' | 'gb2312' = 'utf8mb4'): Promise<Connection> {
  const charsets = { utf8mb4: 'UTF8MB4_GENERAL_CI', gbk: 'GBK_CHINESE_CI', gb2312: 'GB2312_CHINESE_CI' } as const;
  return mysql.createConnection({ host: login.host, port: login.port, user: login.user, password: login.password, database: login.database, charset: charsets[charset], dateStrings: true });
}

/** The inserts seen in third-party clients, parameterised. */
export async function plainInsert(
  connection: Connection,
  code: string,
  row: { mobiles: string; content: string; isWap?: number; smId?: number; srcId?: number },
): Promise<void> {
  if (row.smId !== undefined) {
    await connection.execute(`INSERT INTO api_mt_${code} (SM_ID, SRC_ID, MOBILES, CONTENT) VALUES (?, ?, ?, ?)`, [row.smId, row.srcId ?? 0, row.mobiles, row.content]);
  } else if (row.isWap !== undefined) {
    await connection.execute(`insert into api_mt_${code}(mobiles,content,is_wap) values (?,?,?)`, [row.mobiles, row.content, row.isWap]);
  } else {
    await connection.execute(`insert into api_mt_${code} (mobiles,content) values (?,?)`, [row.mobiles, row.content]);
  }
}

/** Replies and reports as a utf8mb4 client reads them (SELECT, then DELETE by AUTO_SN). */
export async function plainReceive(connection: Connection, table: string): Promise<RowDataPacket[]> {
  const [rows] = await connection.query<RowDataPacket[]>(`SELECT * FROM ${table} ORDER BY AUTO_SN`);
  if (rows.length > 0) await connection.query(`DELETE FROM ${table} WHERE AUTO_SN IN (?)`, [rows.map((r) => r['AUTO_SN'] as string)]);
  return rows;
}
