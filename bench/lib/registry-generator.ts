/**
 * Synthetic registry data for bench/matching.ts: an officials list, their kinship declarations, a
 * dibao roster and approval records, written as UTF-8 CSV files with the standard Chinese headers,
 * with patterns planted at known rates and the exact findings a correct matcher must report.
 *
 * Everything is derived from indexes (no large tables in memory): person i has a valid, unique
 * 18-character ID number; households, officials and relatives are numbered. Planted patterns use
 * disjoint pools of officials and households, and nothing else can match by accident: roster
 * register numbers, addresses and phones are unique and live in namespaces that officials do not use
 * except where a pattern is planted; random approvals touch only households without any official or
 * declared relative.
 */
import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { idCheckCharacter } from '../../src/common/id-number.js';

/** Sizes at scale 1 (the goal). */
const FULL = { officials: 100_000, relativesPerOfficial: 6, households: 400_000, villages: 2_000, approvals: 50_000 };

/** Planted patterns at scale 1 (counts; rates in {@link plantRates}). */
const PLANTS = {
  officialIsRecipient: 200,
  officialSelfApproval: 50,
  declaredKin: 3_000,
  declaredKinApproval: 300,
  sameRegister: 500,
  sameAddress: 500,
  sharedPhone: 500,
  /** Incremental step: planted declared-kin households that disappear, and new ones. */
  removedDeclaredKin: 100,
  newDeclaredKin: 100,
  /** Incremental step: other households removed / with a changed amount (with the above ≈ 1 % of households). */
  removedOther: 1_900,
  changedOther: 2_000,
};

const COUNTY_ID_CODES = ['430421', '430422', '430423', '430424', '430426', '430481', '430482', '430405', '430406', '430407'];
const SURNAMES = '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗'.split('');
const GIVEN1 = '建国志明德秀玉桂春海永金晓小红丽军华平文'.split('');
const GIVEN2 = '民强福兰梅英军华伟芳娟勇杰辉琴波涛霞云峰'.split('');
const KIN_LABELS = ['配偶', '父母', '子女', '兄弟姐妹', '祖父母', '孙子女'];
const ROLES = ['village_party_branch', 'village_committee', 'dibao_caseworker', 'township_official', 'civil_affairs_assistant'];
const STEPS = ['入户调查', '审核', '审批'];
const PROGRAMME = '农村低保';
const DAY_MS = 86_400_000;
const BIRTH_EPOCH = Date.UTC(1940, 0, 1);

export interface Expected {
  /** `type|officialIdNumber|householdNo|personIdNumber` */
  keys: Set<string>;
}

export interface GeneratedFiles {
  officials: string;
  kin: string;
  roster: string;
  approvals: string;
  /** The next month's roster (≈ 1 % of households changed, removed or added). */
  roster2: string;
  counts: { officials: number; relations: number; households: number; rosterPersons: number; approvals: number; households2: number };
  plants: Record<string, number>;
  /** Findings after the first full match. */
  expected: Set<string>;
  /** Findings still open after the month-2 roster and an incremental match. */
  expectedAfter: Set<string>;
  /** Keys of findings that the month-2 roster makes no longer hold (resolved by data). */
  expectedResolved: Set<string>;
}

/** Percentages of the planted patterns, for the report. */
export function plantRates(): Record<string, string> {
  const pct = (n: number, of: number) => `${((n * 100) / of).toFixed(2)} %`;
  return {
    official_is_recipient: `${PLANTS.officialIsRecipient} (${pct(PLANTS.officialIsRecipient, FULL.officials)} of officials)`,
    declared_kin_recipient: `${PLANTS.declaredKin} (${pct(PLANTS.declaredKin, FULL.officials * FULL.relativesPerOfficial)} of declared relations)`,
    undeclared_same_register: `${PLANTS.sameRegister} (${pct(PLANTS.sameRegister, FULL.officials)} of officials)`,
    undeclared_same_address: `${PLANTS.sameAddress} (${pct(PLANTS.sameAddress, FULL.officials)} of officials)`,
    undeclared_shared_phone: `${PLANTS.sharedPhone} (${pct(PLANTS.sharedPhone, FULL.officials)} of officials)`,
    recusal_breach: `${PLANTS.declaredKinApproval + PLANTS.officialSelfApproval} (${pct(PLANTS.declaredKinApproval + PLANTS.officialSelfApproval, FULL.approvals)} of approval records)`,
  };
}

/** A valid, unique ID number for person index `i` (unique for i < 10 × 25,000 × 900). */
export function idNumberOf(i: number): string {
  const county = COUNTY_ID_CODES[i % 10];
  const rest = Math.floor(i / 10);
  const day = rest % 25_000; // 1940-01-01 … 2008-06
  const seq = 100 + Math.floor(rest / 25_000);
  const d = new Date(BIRTH_EPOCH + day * DAY_MS);
  const ymd = `${d.getUTCFullYear()}${String(d.getUTCMonth() + 1).padStart(2, '0')}${String(d.getUTCDate()).padStart(2, '0')}`;
  const first17 = `${county}${ymd}${String(seq).padStart(3, '0')}`;
  return first17 + idCheckCharacter(first17);
}

function nameOf(i: number): string {
  return SURNAMES[i % 20] + GIVEN1[Math.floor(i / 20) % 20] + GIVEN2[Math.floor(i / 400) % 20];
}

/** Buffered CSV writer (UTF-8 with BOM, the headers as offices write them). */
class Csv {
  private readonly out: WriteStream;
  private buf: string[] = [];
  rows = 0;
  constructor(path: string, header: string[]) {
    this.out = createWriteStream(path);
    this.buf.push('\ufeff' + header.join(',') + '\n');
  }
  async row(cells: (string | number)[]): Promise<void> {
    this.buf.push(cells.join(',') + '\n');
    this.rows += 1;
    if (this.buf.length >= 5000) await this.drain();
  }
  private async drain(): Promise<void> {
    const ok = this.out.write(this.buf.join(''));
    this.buf = [];
    if (!ok) await once(this.out, 'drain');
  }
  async close(): Promise<void> {
    await this.drain();
    this.out.end();
    await once(this.out, 'finish');
  }
}

/**
 * Writes the five files into `dir` for `scale` (1 = the sizes) and returns their paths, the
 * counts, the planted pattern counts and the expected findings.
 */
export async function generateRegistry(dir: string, scale: number): Promise<GeneratedFiles> {
  const n = (x: number, min = 1) => Math.max(min, Math.round(x * scale));
  const O = n(FULL.officials, 50);
  const V = n(FULL.villages, 5);
  const H = n(FULL.households, 200);
  const R = O * FULL.relativesPerOfficial;
  const A = n(FULL.approvals, 20);
  const P = Object.fromEntries(Object.entries(PLANTS).map(([k, v]) => [k, n(v)])) as typeof PLANTS;
  if (P.officialSelfApproval > P.officialIsRecipient || P.declaredKinApproval + P.removedDeclaredKin > P.declaredKin) throw new Error('bad plant sizes');

  // Person index spaces: officials [0, O), relatives [O, O + R), roster members [O + R, …).
  const relativeIndex = (o: number, j: number) => O + o * FULL.relativesPerOfficial + j;
  const memberBase = O + R;
  const villageCode = (v: number) => {
    const county = 21 + Math.floor(v / 100);
    const town = 100 + (Math.floor(v / 10) % 10);
    const village = 200 + (v % 10);
    return `4304${String(county).padStart(2, '0')}${town}${village}`;
  };
  const officialVillage = (o: number) => o % V;
  const sizeOf = (h: number) => 1 + (h % 4);
  // First member index of household h: sizes cycle 1,2,3,4 → 10 per 4 households.
  const firstMember = (h: number) => memberBase + Math.floor(h / 4) * 10 + [0, 1, 3, 6][h % 4];
  const householdNo = (h: number) => `B${String(h).padStart(7, '0')}`;
  const officialPhone = (o: number) => `158${String(o).padStart(8, '0')}`;
  const memberPhone = (m: number) => `139${String(m - memberBase).padStart(8, '0')}`;
  const addressOf = (h: number) => `${villageCode(h % V).slice(6)}村${h}号`;

  // Official pools of the planted patterns (disjoint ranges) and their households (same village).
  let next = 0;
  const pool = (count: number) => {
    const start = next;
    next += count;
    if (next > O) throw new Error('not enough officials for the planted patterns');
    return Array.from({ length: count }, (_, k) => start + k);
  };
  const pOIR = pool(P.officialIsRecipient);
  const pDKR = pool(P.declaredKin);
  const pReg = pool(P.sameRegister);
  const pAddr = pool(P.sameAddress);
  const pPhone = pool(P.sharedPhone);
  const pNew = pool(P.newDeclaredKin);
  const plantHousehold = (o: number, t: number) => {
    const h = officialVillage(o) + V * (t + 10 * Math.floor(o / V));
    if (h >= H) throw new Error('scale too small for the planted households');
    return h;
  };
  type Plant = { kind: 'oir' | 'dkr' | 'reg' | 'addr' | 'phone'; o: number; j?: number };
  const plants = new Map<number, Plant>();
  const put = (h: number, p: Plant) => {
    if (plants.has(h)) throw new Error(`household ${h} planted twice`);
    plants.set(h, p);
  };
  for (const o of pOIR) put(plantHousehold(o, 0), { kind: 'oir', o });
  for (const o of pDKR) put(plantHousehold(o, 1), { kind: 'dkr', o, j: o % FULL.relativesPerOfficial });
  for (const o of pReg) put(plantHousehold(o, 2), { kind: 'reg', o });
  for (const o of pAddr) put(plantHousehold(o, 3), { kind: 'addr', o });
  for (const o of pPhone) put(plantHousehold(o, 4), { kind: 'phone', o });
  const byOfficial = new Map<number, number>([...plants].map(([h, p]) => [p.o, h]));

  /** Members of household h as person indexes (slot 0 replaced by a planted person). */
  const members = (h: number): number[] => {
    const first = firstMember(h);
    const list = Array.from({ length: sizeOf(h) }, (_, k) => first + k);
    const p = plants.get(h);
    if (p?.kind === 'oir') list[0] = p.o;
    if (p?.kind === 'dkr') list[0] = relativeIndex(p.o, p.j!);
    return list;
  };

  const id = (i: number) => idNumberOf(i);
  const key = (type: string, o: number, h: number, person: number) => `${type}|${id(o)}|${householdNo(h)}|${id(person)}`;
  const expected = new Set<string>();
  for (const [h, p] of plants) {
    if (p.kind === 'oir') expected.add(key('official_is_recipient', p.o, h, p.o));
    else if (p.kind === 'dkr') expected.add(key('declared_kin_recipient', p.o, h, relativeIndex(p.o, p.j!)));
    else if (p.kind === 'phone') expected.add(key('undeclared_kin_suspected', p.o, h, members(h)[0]));
    else for (const m of members(h)) expected.add(key('undeclared_kin_suspected', p.o, h, m));
  }
  // Planted approvals: officials who took part in their own or a declared relative's household.
  const plantedApprovals: { h: number; o: number }[] = [];
  for (const o of pOIR.slice(0, P.officialSelfApproval)) {
    const h = byOfficial.get(o)!;
    plantedApprovals.push({ h, o });
    expected.add(key('recusal_breach', o, h, o));
  }
  for (const o of pDKR.slice(0, P.declaredKinApproval)) {
    const h = byOfficial.get(o)!;
    plantedApprovals.push({ h, o });
    expected.add(key('recusal_breach', o, h, relativeIndex(o, o % FULL.relativesPerOfficial)));
  }

  // ---- officials
  const officials = new Csv(join(dir, 'officials.csv'), ['姓名', '身份证号码', '所在区划代码', '职务', '人员类别', '中共党员', '户籍编号', '住址', '任职起始', '联系电话']);
  for (let o = 0; o < O; o++) {
    const v = officialVillage(o);
    const h = byOfficial.get(o);
    const p = h !== undefined ? plants.get(h) : undefined;
    const register = p?.kind === 'reg' ? `R${String(h).padStart(7, '0')}` : o % 3 === 0 ? `OR${o}` : '';
    const address = p?.kind === 'addr' ? addressOf(h!) : '';
    const phone = p?.kind === 'phone' ? memberPhone(members(h!)[0]) : o % 2 === 0 ? officialPhone(o) : '';
    await officials.row([nameOf(o), id(o), villageCode(v), '委员', ROLES[o % ROLES.length], o % 2 ? '是' : '否', register, address, '2021-01-01', phone]);
  }
  await officials.close();

  // ---- declarations
  const kin = new Csv(join(dir, 'kin.csv'), ['公职人员姓名', '公职人员身份证号码', '亲属姓名', '亲属身份证号码', '关系', '备案日期']);
  for (let o = 0; o < O; o++) {
    for (let j = 0; j < FULL.relativesPerOfficial; j++) {
      const r = relativeIndex(o, j);
      await kin.row([nameOf(o), id(o), nameOf(r), id(r), KIN_LABELS[j], '2024-03-01']);
    }
  }
  await kin.close();

  // ---- rosters (month 1, and month 2 with ≈ 1 % changed)
  const header = ['户编号', '区划代码', '姓名', '身份证号码', '与户主关系', '保障人数', '月保障金额(元)', '保障类别', '起始年月', '户籍编号', '住址', '近亲属备案', '联系电话'];
  const dkrRemoved = new Set(pDKR.slice(pDKR.length - P.removedDeclaredKin).map((o) => byOfficial.get(o)!));
  const ordinary = (h: number) => !plants.has(h);
  const removedOther = new Set<number>();
  const changedOther = new Set<number>();
  for (let k = 0, h = 7; removedOther.size < P.removedOther || changedOther.size < P.changedOther; k++, h = (h + 7919) % H) {
    if (!ordinary(h) || removedOther.has(h) || changedOther.has(h)) continue;
    if (removedOther.size < P.removedOther) removedOther.add(h);
    else changedOther.add(h);
    if (k > H * 4) throw new Error('cannot pick changed households');
  }
  const writeHousehold = async (csv: Csv, h: number, list: number[], amountYuan: number, filed: boolean, month: string) => {
    const region = villageCode(h % V);
    for (const [k, m] of list.entries()) {
      const phone = (m >= memberBase && m % 3 === 0) || (k === 0 && plants.get(h)?.kind === 'phone') ? memberPhone(m) : '';
      await csv.row([householdNo(h), region, nameOf(m), id(m), k === 0 ? '户主' : '家庭成员', list.length, amountYuan, PROGRAMME, month, `R${String(h).padStart(7, '0')}`, addressOf(h), filed ? '是' : '否', phone]);
    }
  };
  const amountOf = (h: number) => 300 + (h % 50) * 10;
  const filedOf = (h: number) => plants.get(h)?.kind === 'dkr' && h % 2 === 0;
  const roster = new Csv(join(dir, 'roster-2025-01.csv'), header);
  let rosterPersons = 0;
  for (let h = 0; h < H; h++) {
    const list = members(h);
    rosterPersons += list.length;
    await writeHousehold(roster, h, list, amountOf(h), filedOf(h), '2025-01');
  }
  await roster.close();

  const roster2 = new Csv(join(dir, 'roster-2025-02.csv'), header);
  let households2 = 0;
  for (let h = 0; h < H; h++) {
    if (dkrRemoved.has(h) || removedOther.has(h)) continue;
    households2 += 1;
    await writeHousehold(roster2, h, members(h), amountOf(h) + (changedOther.has(h) ? 10 : 0), filedOf(h), '2025-01');
  }
  // New households, each with a declared relative of an official of the pool `pNew` (same village).
  const expectedAfter = new Set(expected);
  const expectedResolved = new Set<string>();
  for (const h of dkrRemoved) {
    const p = plants.get(h)!;
    const k = key('declared_kin_recipient', p.o, h, relativeIndex(p.o, p.j!));
    expectedAfter.delete(k);
    expectedResolved.add(k);
  }
  for (const [k, o] of pNew.entries()) {
    const h = H + k;
    const v = officialVillage(o);
    const j = o % FULL.relativesPerOfficial;
    const rel = relativeIndex(o, j);
    const list = [rel, memberBase + 10 * H + k * 2];
    households2 += 1;
    const region = villageCode(v);
    for (const [slot, m] of list.entries()) {
      await roster2.row([householdNo(h), region, nameOf(m), id(m), slot === 0 ? '户主' : '家庭成员', 2, 400, PROGRAMME, '2025-02', `N${h}`, `${region.slice(6)}村新${h}号`, '否', '']);
    }
    expectedAfter.add(key('declared_kin_recipient', o, h, rel));
  }
  await roster2.close();

  // ---- approvals: the planted ones, then random ones on households without officials or relatives.
  const approvals = new Csv(join(dir, 'approvals.csv'), ['户编号', '环节', '经办人姓名', '经办人身份证号码', '日期']);
  for (const a of plantedApprovals) await approvals.row([householdNo(a.h), '入户调查', nameOf(a.o), id(a.o), '2024-12-10']);
  let written = plantedApprovals.length;
  for (let i = 0, h = 11; written < A; i++, h = (h + 104_729) % H) {
    if (!ordinary(h)) continue;
    const o = (i * 7_919 + 3) % O;
    const date = `2024-${String(1 + (i % 12)).padStart(2, '0')}-${String(1 + (i % 28)).padStart(2, '0')}`;
    await approvals.row([householdNo(h), STEPS[i % 3], nameOf(o), id(o), date]);
    written += 1;
  }
  await approvals.close();

  return {
    officials: join(dir, 'officials.csv'),
    kin: join(dir, 'kin.csv'),
    roster: join(dir, 'roster-2025-01.csv'),
    approvals: join(dir, 'approvals.csv'),
    roster2: join(dir, 'roster-2025-02.csv'),
    counts: { officials: O, relations: R, households: H, rosterPersons, approvals: written, households2 },
    plants: { ...P },
    expected,
    expectedAfter,
    expectedResolved,
  };
}
