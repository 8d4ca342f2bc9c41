import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In, type EntityManager } from 'typeorm';
import { InvalidStateError } from '../common/domain-error.js';
import { APPROVAL_STEP_LABELS, ApprovalRecord, type ApprovalStep } from './entities/approval-record.entity.js';
import { Finding, type FindingEvidence, type FindingType } from './entities/finding.entity.js';
import { HouseholdMember } from './entities/household-member.entity.js';
import { Household } from './entities/household.entity.js';
import { ImportJob } from './entities/import-job.entity.js';
import { MatchRun } from './entities/match-run.entity.js';
import { Official } from './entities/official.entity.js';
import { Person } from './entities/person.entity.js';
import { DEFAULT_CLOSE_KIN_TYPES, KIN_TYPE_LABELS, type KinType } from './kin-types.js';
import { OFFICIAL_ROLE_LABELS } from './official-roles.js';

/** Findings with a score at or above this are listed for review by default (0–100). */
export const DEFAULT_REVIEW_THRESHOLD = 60;

/**
 * Scores of the matcher's signals (0–100). Rule-derived, not statistical: an identical ID number
 * (the official or a declared relative on the roll) is near-certain; the undeclared-tie signals are
 * indications whose combination raises the score by 10 per additional independent signal.
 */
export const MATCH_SCORES = {
  officialIsRecipient: 95,
  declaredCloseKin: 70,
  declaredWiderKin: 60,
  /** Added when the relative's application was not filed as a relative's (近亲属备案: 否). */
  notFiledAsRelative: 20,
  sameRegister: 70,
  sameRegisterSameSurname: 80,
  sameAddressSameSurname: 70,
  sameAddressOnly: 40,
  sharedPhone: 60,
  extraSignal: 10,
  undeclaredCap: 95,
  recusalCloseKinOrSelf: 95,
  recusalWiderKin: 85,
} as const;

export interface MatchOptions {
  /** `incremental` (default) examines only households and officials changed since the last successful run. */
  mode?: 'full' | 'incremental';
  /** `YYYY-MM-DD`: terms and relations ended before it are ignored (default: today, Asia/Shanghai). */
  today?: string;
}

export interface MatchResult {
  runId: number;
  mode: 'full' | 'incremental';
  /** Candidates examined (each identity once). */
  examined: number;
  created: number;
  updated: number;
  reopened: number;
  resolved: number;
  durationMs: number;
}

interface Candidate {
  type: FindingType;
  officialId: number;
  householdId: number;
  personId: number;
  /** Declared edges (declared_kin_recipient, recusal_breach): kin types, 'self' for the official. */
  kinTypes: Set<KinType | 'self'>;
  signals: Map<string, { score: number; detail?: string }>;
  approvals: { id: number; step: ApprovalStep; date: string }[];
}

type Row = Record<string, unknown>;
const IN_CHUNK = 500;
const num = (v: unknown) => Number(v);

/**
 * The cross-matcher (比对, DESIGN.md §6). Produces {@link Finding}s of four types with SQL joins over
 * indexed columns (ID HMACs via person ids, household register numbers, region + address key,
 * phone HMACs), then upserts them by identity (type, official, household, person): re-running adds
 * no duplicates; an open finding that no longer holds becomes `resolved_by_data`; a dismissed one
 * stays dismissed. Incremental runs look only at households and officials changed since the
 * watermark of the last successful run.
 */
@Injectable()
export class MatcherService {
  private readonly logger = new Logger('RegistryMatcher');
  private running = false;

  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /**
   * Runs the matcher.
   * @throws InvalidStateError `match_running` when another run holds the lock.
   */
  async run(opts: MatchOptions = {}): Promise<MatchResult> {
    if (this.running) throw new InvalidStateError('比对正在进行中，请稍后再试', 'match_running');
    this.running = true;
    const mysql = this.ds.options.type === 'mysql';
    const lockRunner = mysql ? this.ds.createQueryRunner() : null;
    try {
      if (lockRunner) {
        await lockRunner.connect();
        const [row] = await lockRunner.query('SELECT GET_LOCK(?, 0) AS l', ['qingfeng_registry_match']);
        if (num(row.l) !== 1) throw new InvalidStateError('比对正在进行中，请稍后再试', 'match_running');
      }
      return await this.runLocked(opts);
    } finally {
      if (lockRunner) {
        await lockRunner.query('SELECT RELEASE_LOCK(?)', ['qingfeng_registry_match']).catch(() => undefined);
        await lockRunner.release();
      }
      this.running = false;
    }
  }

  private async runLocked(opts: MatchOptions): Promise<MatchResult> {
    const started = Date.now();
    const today = opts.today ?? new Date(started + 8 * 3_600_000).toISOString().slice(0, 10);
    const runs = this.ds.getRepository(MatchRun);
    const last = await runs.findOne({ where: { status: 'succeeded' }, order: { id: 'DESC' } });
    const mode = opts.mode === 'full' || !last ? 'full' : 'incremental';
    const sinceMs = mode === 'full' ? 0 : last!.watermarkMs;
    // Batches of imports still running may commit after our reads with earlier timestamps.
    const busy = await this.ds
      .getRepository(ImportJob)
      .createQueryBuilder('j')
      .select('MIN(j.heartbeat_at_ms)', 'h')
      .where('j.status = :r', { r: 'running' })
      .getRawOne<{ h: unknown }>();
    const watermarkMs = Math.min(started, busy?.h ? num(busy.h) : started);
    const run = await runs.save(runs.create({ mode, status: 'running', sinceMs, watermarkMs, startedAt: new Date(started) }));
    try {
      const candidates = new Map<string, Candidate>();
      const filters: ('household' | 'official')[] | [null] = mode === 'full' ? [null] : ['household', 'official'];
      for (const f of filters) await this.collect(candidates, f, sinceMs, today);
      const counts = await this.upsert(run.id, candidates);
      const resolved = await this.resolveStale(run.id, mode, sinceMs);
      await runs.update(
        { id: run.id },
        { status: 'succeeded', createdCount: counts.created, updatedCount: counts.updated, reopenedCount: counts.reopened, resolvedCount: resolved, finishedAt: new Date() },
      );
      const result = { runId: run.id, mode, examined: candidates.size, ...counts, resolved, durationMs: Date.now() - started } as MatchResult;
      this.logger.log(`match run ${run.id} (${mode}): ${JSON.stringify({ ...result, runId: undefined })}`);
      return result;
    } catch (err) {
      await runs.update({ id: run.id }, { status: 'failed', finishedAt: new Date() });
      throw err;
    }
  }

  // ---------------------------------------------------------------------------------- candidates

  /** Runs every rule query, restricted to changed households or officials when `filter` is set. */
  private async collect(out: Map<string, Candidate>, filter: 'household' | 'official' | null, sinceMs: number, today: string): Promise<void> {
    const f = (h: string, o: string) => (filter === 'household' ? ` AND ${h}.changed_at_ms > ?` : filter === 'official' ? ` AND ${o}.changed_at_ms > ?` : '');
    const fp = filter ? [sinceMs] : [];
    const inTerm = '(o.term_end IS NULL OR o.term_end >= ?)';
    const kinValid = '(k.valid_to IS NULL OR k.valid_to >= ?)';
    const q = (sql: string, params: unknown[]) => this.ds.query(sql, params) as Promise<Row[]>;
    const add = (type: FindingType, r: Row): Candidate => {
      const key = identityKey(type, num(r.official_id), num(r.household_id), num(r.person_id));
      let c = out.get(key);
      if (!c) {
        c = { type, officialId: num(r.official_id), householdId: num(r.household_id), personId: num(r.person_id), kinTypes: new Set(), signals: new Map(), approvals: [] };
        out.set(key, c);
      }
      return c;
    };

    // 1. The official's own household receives the allowance.
    for (const r of await q(
      `SELECT o.id AS official_id, h.id AS household_id, o.person_id AS person_id
         FROM officials o
         JOIN household_members m ON m.person_id = o.person_id
         JOIN households h ON h.id = m.household_id
        WHERE h.status = 'active' AND ${inTerm}${f('h', 'o')}`,
      [today, ...fp],
    )) add('official_is_recipient', r).signals.set('same_id_number', { score: MATCH_SCORES.officialIsRecipient });

    // 2. A declared relative receives it.
    for (const r of await q(
      `SELECT o.id AS official_id, h.id AS household_id, k.relative_person_id AS person_id, k.type AS kin_type
         FROM officials o
         JOIN kin_relations k ON k.person_id = o.person_id AND k.source = 'declared'
         JOIN household_members m ON m.person_id = k.relative_person_id
         JOIN households h ON h.id = m.household_id
        WHERE h.status = 'active' AND ${inTerm} AND ${kinValid} AND k.relative_person_id <> o.person_id${f('h', 'o')}`,
      [today, today, ...fp],
    )) add('declared_kin_recipient', r).kinTypes.add(r.kin_type as KinType);

    // 3. Undeclared ties: same household register (same county), same address in the same village, shared phone.
    const undeclared = `h.status = 'active' AND ${inTerm} AND m.person_id <> o.person_id
          AND NOT EXISTS (SELECT 1 FROM kin_relations k WHERE k.person_id = o.person_id AND k.relative_person_id = m.person_id)
          AND NOT EXISTS (SELECT 1 FROM kin_relations k WHERE k.person_id = m.person_id AND k.relative_person_id = o.person_id)`;
    // Two NOT EXISTS rather than one with OR: each is one lookup on the (person, relative) unique
    // index; MariaDB 10.11 plans the OR form as a scan of the whole index for every candidate row
    // (EXPLAIN: `index`, 596,331 rows, at the benchmark's 600,000 relations).
    for (const r of await q(
      `SELECT o.id AS official_id, h.id AS household_id, m.person_id AS person_id, h.register_no AS register_no,
              CASE WHEN p.surname = op.surname THEN 1 ELSE 0 END AS same_surname
         FROM officials o
         JOIN households h ON h.register_no = o.household_register_no
         JOIN household_members m ON m.household_id = h.id
         JOIN persons p ON p.id = m.person_id
         JOIN persons op ON op.id = o.person_id
        WHERE o.household_register_no IS NOT NULL AND SUBSTR(h.region_code, 1, 6) = SUBSTR(o.region_code, 1, 6) AND ${undeclared}${f('h', 'o')}`,
      [today, ...fp],
    )) {
      const same = num(r.same_surname) === 1;
      add('undeclared_kin_suspected', r).signals.set('same_register', { score: same ? MATCH_SCORES.sameRegisterSameSurname : MATCH_SCORES.sameRegister, detail: String(r.register_no) });
      if (same) add('undeclared_kin_suspected', r).signals.set('same_surname', { score: 0 });
    }
    for (const r of await q(
      `SELECT o.id AS official_id, h.id AS household_id, m.person_id AS person_id,
              CASE WHEN p.surname = op.surname THEN 1 ELSE 0 END AS same_surname
         FROM officials o
         JOIN households h ON h.region_code = o.region_code AND h.address_key = o.address_key
         JOIN household_members m ON m.household_id = h.id
         JOIN persons p ON p.id = m.person_id
         JOIN persons op ON op.id = o.person_id
        WHERE o.address_key IS NOT NULL AND ${undeclared}${f('h', 'o')}`,
      [today, ...fp],
    )) {
      const same = num(r.same_surname) === 1;
      const c = add('undeclared_kin_suspected', r);
      c.signals.set('same_address', { score: same ? MATCH_SCORES.sameAddressSameSurname : MATCH_SCORES.sameAddressOnly });
      if (same) c.signals.set('same_surname', { score: 0 });
    }
    for (const r of await q(
      `SELECT o.id AS official_id, h.id AS household_id, m.person_id AS person_id
         FROM officials o
         JOIN persons op ON op.id = o.person_id
         JOIN persons p ON p.phone_hmac = op.phone_hmac AND p.id <> op.id
         JOIN household_members m ON m.person_id = p.id
         JOIN households h ON h.id = m.household_id
        WHERE op.phone_hmac IS NOT NULL AND ${undeclared}${f('h', 'o')}`,
      [today, ...fp],
    )) add('undeclared_kin_suspected', r).signals.set('shared_phone', { score: MATCH_SCORES.sharedPhone });

    // 4. Recusal breach: the official did a step of the application of a relative's (or his own) household.
    for (const r of await q(
      `SELECT o.id AS official_id, h.id AS household_id, m.person_id AS person_id, k.type AS kin_type, a.id AS approval_id, a.step AS step, a.date AS date
         FROM approval_records a
         JOIN officials o ON o.person_id = a.person_id
         JOIN households h ON h.id = a.household_id
         JOIN household_members m ON m.household_id = h.id
         JOIN kin_relations k ON k.person_id = o.person_id AND k.relative_person_id = m.person_id
        WHERE ${kinValid}${f('h', 'o')}`,
      [today, ...fp],
    )) {
      const c = add('recusal_breach', r);
      c.kinTypes.add(r.kin_type as KinType);
      if (!c.approvals.some((a) => a.id === num(r.approval_id))) c.approvals.push({ id: num(r.approval_id), step: r.step as ApprovalStep, date: String(r.date) });
    }
    for (const r of await q(
      `SELECT o.id AS official_id, h.id AS household_id, o.person_id AS person_id, a.id AS approval_id, a.step AS step, a.date AS date
         FROM approval_records a
         JOIN officials o ON o.person_id = a.person_id
         JOIN households h ON h.id = a.household_id
         JOIN household_members m ON m.household_id = h.id AND m.person_id = o.person_id
        WHERE 1 = 1${f('h', 'o')}`,
      fp,
    )) {
      const c = add('recusal_breach', r);
      c.kinTypes.add('self');
      if (!c.approvals.some((a) => a.id === num(r.approval_id))) c.approvals.push({ id: num(r.approval_id), step: r.step as ApprovalStep, date: String(r.date) });
    }
  }

  // -------------------------------------------------------------------------------------- upsert

  private async upsert(runId: number, candidates: Map<string, Candidate>): Promise<{ created: number; updated: number; reopened: number }> {
    const counts = { created: 0, updated: 0, reopened: 0 };
    const keys = [...candidates.keys()];
    for (let i = 0; i < keys.length; i += IN_CHUNK) {
      const chunk = keys.slice(i, i + IN_CHUNK).map((k) => candidates.get(k)!);
      await this.ds.transaction(async (m) => {
        const ctx = await this.loadContext(m, chunk);
        const existing = new Map((await m.getRepository(Finding).find({ where: { identityKey: In(chunk.map((c) => identityKey(c.type, c.officialId, c.householdId, c.personId))) } })).map((f) => [f.identityKey, f]));
        const now = new Date();
        const inserts: Partial<Finding>[] = [];
        const unchanged: number[] = [];
        for (const c of chunk) {
          const key = identityKey(c.type, c.officialId, c.householdId, c.personId);
          const described = describe(c, ctx);
          const evidence = JSON.stringify(described.evidence);
          const ex = existing.get(key);
          if (!ex) {
            inserts.push({
              identityKey: key,
              type: c.type,
              officialId: c.officialId,
              householdId: c.householdId,
              personId: c.personId,
              regionCode: ctx.households.get(c.householdId)!.regionCode,
              score: described.score,
              explanation: described.explanation,
              evidence,
              status: 'open',
              firstRunId: runId,
              lastRunId: runId,
              createdAt: now,
              updatedAt: now,
            });
            continue;
          }
          const reopen = ex.status === 'resolved_by_data';
          const changed = ex.score !== described.score || ex.explanation !== described.explanation || ex.evidence !== evidence;
          if (!reopen && !changed) {
            unchanged.push(ex.id);
            continue;
          }
          await m.getRepository(Finding).update(
            { id: ex.id },
            {
              lastRunId: runId,
              ...(changed ? { score: described.score, explanation: described.explanation, evidence, updatedAt: now } : {}),
              ...(reopen ? { status: 'open' as const, resolvedAt: null, updatedAt: now } : {}),
            },
          );
          if (reopen) counts.reopened += 1;
          else if (changed) counts.updated += 1;
        }
        if (unchanged.length) await m.getRepository(Finding).update({ id: In(unchanged) }, { lastRunId: runId });
        for (let j = 0; j < inserts.length; j += 200) await m.createQueryBuilder().insert().into(Finding).values(inserts.slice(j, j + 200)).updateEntity(false).execute();
        counts.created += inserts.length;
      });
    }
    return counts;
  }

  /**
   * Marks open findings that this run did not reproduce as resolved by data — all of them after a
   * full run; after an incremental run only those about a household or official that changed.
   */
  private async resolveStale(runId: number, mode: 'full' | 'incremental', sinceMs: number): Promise<number> {
    const qb = this.ds
      .createQueryBuilder()
      .update(Finding)
      .set({ status: 'resolved_by_data', resolvedAt: new Date(), updatedAt: new Date() })
      .where('status = :open AND last_run_id < :run', { open: 'open', run: runId });
    if (mode === 'incremental') {
      qb.andWhere('(household_id IN (SELECT h.id FROM households h WHERE h.changed_at_ms > :since) OR official_id IN (SELECT o.id FROM officials o WHERE o.changed_at_ms > :since))', { since: sinceMs });
    }
    const res = await qb.execute();
    return res.affected ?? 0;
  }

  private async loadContext(m: EntityManager, chunk: Candidate[]): Promise<MatchContext> {
    const officialIds = [...new Set(chunk.map((c) => c.officialId))];
    const householdIds = [...new Set(chunk.map((c) => c.householdId))];
    const officials = new Map((await m.getRepository(Official).find({ where: { id: In(officialIds) } })).map((o) => [o.id, o]));
    const households = new Map((await m.getRepository(Household).find({ where: { id: In(householdIds) } })).map((h) => [h.id, h]));
    const personIds = [...new Set([...chunk.map((c) => c.personId), ...[...officials.values()].map((o) => o.personId)])];
    const persons = new Map((await m.getRepository(Person).find({ where: { id: In(personIds) }, select: { id: true, name: true } })).map((p) => [p.id, p]));
    const memberRows = await m.getRepository(HouseholdMember).find({ where: { householdId: In(householdIds) }, select: { householdId: true, personId: true, relationToHead: true } });
    const members = new Map(memberRows.map((r) => [`${r.householdId}|${r.personId}`, r.relationToHead]));
    const visits = new Map<number, { id: number; date: string }[]>();
    for (const a of await m.getRepository(ApprovalRecord).find({ where: { householdId: In(householdIds), step: 'home_visit' }, select: { id: true, householdId: true, date: true }, order: { date: 'ASC' } })) {
      visits.set(a.householdId, [...(visits.get(a.householdId) ?? []), { id: a.id, date: a.date }]);
    }
    return { officials, households, persons, members, visits };
  }
}

interface MatchContext {
  officials: Map<number, Official>;
  households: Map<number, Household>;
  persons: Map<number, Pick<Person, 'id' | 'name'>>;
  /** `householdId|personId` → 与户主关系 */
  members: Map<string, string>;
  visits: Map<number, { id: number; date: string }[]>;
}

/** `<type>:<officialId>:<householdId>:<personId>` — the identity of a finding. */
export function identityKey(type: FindingType, officialId: number, householdId: number, personId: number): string {
  return `${type}:${officialId}:${householdId}:${personId}`;
}

/** 52050 → `520.50`. */
export function formatYuan(fen: number): string {
  return `${Math.floor(fen / 100)}.${String(fen % 100).padStart(2, '0')}`;
}

const kinLabel = (types: Set<KinType | 'self'>) =>
  [...types]
    .filter((t): t is KinType => t !== 'self')
    .map((t) => KIN_TYPE_LABELS[t])
    .join('、');

/** The score, the one-sentence explanation (zh-CN) and the evidence of a candidate. */
function describe(c: Candidate, ctx: MatchContext): { score: number; explanation: string; evidence: FindingEvidence[] } {
  const o = ctx.officials.get(c.officialId)!;
  const h = ctx.households.get(c.householdId)!;
  const officialName = ctx.persons.get(o.personId)?.name ?? '';
  const personName = ctx.persons.get(c.personId)?.name ?? '';
  const who = `${o.position || OFFICIAL_ROLE_LABELS[o.role]}${officialName}`;
  const hh = `低保户${h.householdNo}`;
  const pay = `该户享受${h.programme}每月${formatYuan(h.monthlyAmountFen)}元`;
  const householdRef = { table: 'households', id: h.id, householdNo: h.householdNo, regionCode: h.regionCode };
  const officialRef = { table: 'officials', id: o.id, role: o.role, regionCode: o.regionCode };
  const visits = ctx.visits.get(h.id) ?? [];
  const evidence: FindingEvidence[] = [{ signal: 'official', text: `公职人员：${who}（区划 ${o.regionCode}）`, ref: officialRef }];

  switch (c.type) {
    case 'official_is_recipient': {
      const rel = ctx.members.get(`${h.id}|${c.personId}`) || '成员';
      evidence.push({ signal: 'same_id_number', text: `身份证号码与${hh}的成员（${rel}）一致`, ref: householdRef });
      return { score: MATCH_SCORES.officialIsRecipient, explanation: `${who}本人是${hh}的成员（${rel}），${pay}。`, evidence };
    }
    case 'declared_kin_recipient': {
      const close = [...c.kinTypes].some((t) => t !== 'self' && DEFAULT_CLOSE_KIN_TYPES.includes(t));
      let score: number = close ? MATCH_SCORES.declaredCloseKin : MATCH_SCORES.declaredWiderKin;
      if (!h.filedAsRelative) score += MATCH_SCORES.notFiledAsRelative;
      const rel = kinLabel(c.kinTypes);
      evidence.push({ signal: 'declared_relation', text: `近亲属备案：${personName}是${officialName}的${rel}` });
      evidence.push({ signal: 'same_id_number', text: `身份证号码与${hh}的成员（${ctx.members.get(`${h.id}|${c.personId}`) || '成员'}）一致`, ref: householdRef });
      evidence.push({ signal: 'filed_as_relative', text: h.filedAsRelative ? '名册注明该户申请已按近亲属备案（是）' : '名册注明该户申请未按近亲属备案（否）' });
      evidence.push({
        signal: 'home_visit',
        text: visits.length ? `有入户调查记录（${visits.map((v) => v.date).join('、')}）` : '审核审批记录中没有该户的入户调查记录',
        ...(visits.length ? { ref: { table: 'approval_records', id: visits[0].id } } : {}),
      });
      const filed = h.filedAsRelative ? '该户申请已按近亲属备案' : '该户申请未按近亲属备案';
      const visited = visits.length ? `有入户调查记录（${visits.map((v) => v.date).join('、')}）` : '审核审批记录中没有入户调查记录';
      return { score: Math.min(100, score), explanation: `${who}已备案的${rel}${personName}是${hh}的成员，${pay}；${filed}，${visited}。`, evidence };
    }
    case 'undeclared_kin_suspected': {
      const parts: string[] = [];
      const s = c.signals;
      if (s.has('same_register')) {
        parts.push(`户籍编号相同（${s.get('same_register')!.detail}）`);
        evidence.push({ signal: 'same_register', text: `${hh}的户籍编号与${officialName}登记的户籍编号相同（${s.get('same_register')!.detail}）`, ref: householdRef });
      }
      if (s.has('same_address')) {
        parts.push('同村且住址相同');
        evidence.push({ signal: 'same_address', text: `${hh}的住址与${officialName}登记的住址相同，且在同一村（区划 ${h.regionCode}）`, ref: householdRef });
      }
      if (s.has('shared_phone')) {
        parts.push('联系电话相同');
        evidence.push({ signal: 'shared_phone', text: `${personName}与${officialName}登记的联系电话相同` });
      }
      if (s.has('same_surname')) {
        parts.push('同姓');
        evidence.push({ signal: 'same_surname', text: `${personName}与${officialName}同姓` });
      }
      const scores = [...s.values()].map((v) => v.score).filter((v) => v > 0);
      const score = Math.min(MATCH_SCORES.undeclaredCap, Math.max(...scores) + MATCH_SCORES.extraSignal * (scores.length - 1));
      return { score, explanation: `${who}与${hh}的成员${personName}${parts.join('、')}，但${officialName}未将其申报为近亲属。`, evidence };
    }
    case 'recusal_breach': {
      const self = c.kinTypes.has('self');
      const close = self || [...c.kinTypes].some((t) => t !== 'self' && DEFAULT_CLOSE_KIN_TYPES.includes(t));
      const steps = [...c.approvals].sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
      for (const a of steps) evidence.push({ signal: 'approval', text: `${APPROVAL_STEP_LABELS[a.step]}：${a.date}，经办人${officialName}`, ref: { table: 'approval_records', id: a.id, step: a.step, date: a.date } });
      const stepText = steps.map((a) => `${APPROVAL_STEP_LABELS[a.step]}（${a.date}）`).join('、');
      const whose = self ? '其本人' : `其${kinLabel(c.kinTypes)}${personName}`;
      return {
        score: close ? MATCH_SCORES.recusalCloseKinOrSelf : MATCH_SCORES.recusalWiderKin,
        explanation: `${who}参与了${whose}所在${hh}的${stepText}，未依规回避。`,
        evidence,
      };
    }
  }
}
