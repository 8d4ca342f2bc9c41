import type { MigrationInterface, QueryRunner } from 'typeorm';
import { AuditService } from '../src/audit/audit.service.js';
import { WorkingDayCalendar, shanghaiDate, type OfficialSchedule } from '../src/regions/working-days.js';

/**
 * Issue 4, data: every report accepted before clues existed becomes a clue (source `report`, state
 * `registered`), exactly as the accept action now does — subjects and beneficiaries copied as free
 * text, the report linked as `origin`, the 1-month disposal clock counted from the acceptance
 * (民法典 arts. 201–203), a timeline event and a system audit event `clue.registered` (no names).
 * Idempotent: reports already linked to a clue are skipped. `down()` removes only the clues it made.
 */
export class CluesForAcceptedReports1764405320000 implements MigrationInterface {
  name = 'CluesForAcceptedReports1764405320000';

  async up(q: QueryRunner): Promise<void> {
    const reports = (await q.query(
      `SELECT r.id, r.region_code, r.region_level, r.category, r.office_id, r.updated_at FROM reports r ` +
        `WHERE r.status = 'accepted' AND NOT EXISTS (SELECT 1 FROM clue_reports cr WHERE cr.report_id = r.id) ORDER BY r.id`,
    )) as { id: number; region_code: string; region_level: number; category: string; office_id: number; updated_at: string | Date }[];
    if (!reports.length) return;
    const calendar = new WorkingDayCalendar(await schedules(q));
    const audit = new AuditService();
    for (const r of reports) {
      const [ev] = (await q.query(`SELECT created_at FROM report_events WHERE report_id = ? AND action = 'accepted' ORDER BY id DESC LIMIT 1`, [r.id])) as { created_at: string | Date }[];
      const at = toDate(ev?.created_at ?? r.updated_at);
      const due = calendar.addMonths(shanghaiDate(at), 1);
      const now = new Date();
      await q.query(
        `INSERT INTO clues (source, finding_id, status, category, region_code, region_level, office_id, summary, disposal_method, conclusion, transferred_to, assigned_user_id, ` +
          `created_by_user_id, registered_at, state_entered_at, due_clock, due_date, due_fallback_years, created_at, updated_at) ` +
          `VALUES ('report', NULL, 'registered', ?, ?, ?, ?, NULL, NULL, NULL, NULL, NULL, NULL, ?, ?, 'propose_disposal', ?, ?, ?, ?)`,
        [r.category, r.region_code, r.region_level, r.office_id, dt(q, at), dt(q, at), due.due, due.fallbackYears.join(','), dt(q, now), dt(q, now)],
      );
      const [{ id: clueId }] = (await q.query(`SELECT MAX(id) AS id FROM clues`)) as { id: number }[];
      const cid = Number(clueId);
      const subjects = (await q.query(`SELECT name, position, unit FROM report_subjects WHERE report_id = ? ORDER BY ordinal, id`, [r.id])) as { name: string; position: string; unit: string }[];
      for (const [i, s] of subjects.entries()) {
        await q.query(`INSERT INTO clue_subjects (clue_id, ordinal, name, position, unit, official_id, person_id, official_role, party_member) VALUES (?, ?, ?, ?, ?, NULL, NULL, NULL, ?)`, [cid, i, s.name, s.position, s.unit, 0]);
      }
      const bens = (await q.query(`SELECT name, relation FROM report_beneficiaries WHERE report_id = ? ORDER BY ordinal, id`, [r.id])) as { name: string; relation: string }[];
      for (const [i, b] of bens.entries()) {
        await q.query(`INSERT INTO clue_beneficiaries (clue_id, ordinal, name, relation, household_id, person_id) VALUES (?, ?, ?, ?, NULL, NULL)`, [cid, i, b.name, b.relation]);
      }
      await q.query(`INSERT INTO clue_reports (clue_id, report_id, link_kind, linked_by_user_id, linked_at) VALUES (?, ?, 'origin', NULL, ?)`, [cid, r.id, dt(q, at)]);
      const details = { source: 'report', regionCode: r.region_code, reportIds: [r.id], findingId: null, subjects: subjects.length, beneficiaries: bens.length, migrated: true };
      await q.query(`INSERT INTO clue_events (clue_id, action, from_status, to_status, actor_user_id, reason, details, created_at) VALUES (?, 'registered', NULL, 'registered', NULL, ?, ?, ?)`, [
        cid,
        REASON,
        JSON.stringify(details),
        dt(q, now),
      ]);
      await audit.record(q.manager, { actorUserId: null, actorKind: 'system', action: 'clue.registered', recordType: 'clue', recordId: cid, reason: REASON, details });
    }
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM clues WHERE source = 'report' AND created_by_user_id IS NULL AND id IN (SELECT clue_id FROM clue_events WHERE action = 'registered' AND reason = ?)`, [REASON]);
  }
}

const REASON = '数据迁移：此前已受理的举报';

/** A bindable datetime: a Date for mysql2 (UTC connection), the stored text form for better-sqlite3. */
function dt(q: QueryRunner, d: Date): Date | string {
  return q.connection.options.type === 'mysql' ? d : d.toISOString().replace('T', ' ').replace('Z', '');
}

function toDate(v: string | Date): Date {
  if (v instanceof Date) return v;
  // SQLite returns 'YYYY-MM-DD HH:MM:SS.mmm' in UTC.
  return new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(v) ? v : `${v.replace(' ', 'T')}Z`);
}

async function schedules(q: QueryRunner): Promise<OfficialSchedule[]> {
  const rows = (await q.query(`SELECT date, year, kind FROM holiday_schedule_days ORDER BY date`)) as { date: string; year: number; kind: string }[];
  const byYear = new Map<number, { year: number; holidays: string[]; workdays: string[] }>();
  for (const r of rows) {
    const y = Number(r.year);
    if (!byYear.has(y)) byYear.set(y, { year: y, holidays: [], workdays: [] });
    const sch = byYear.get(y)!;
    (r.kind === 'workday' ? sch.workdays : sch.holidays).push(String(r.date));
  }
  return [...byYear.values()];
}
