import { HttpStatus, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In, QueryFailedError, type EntityManager } from 'typeorm';
import { AuditService, type AuditEntry } from '../audit/audit.service.js';
import { DomainError, NotFoundError } from '../common/domain-error.js';
import { Office } from './entities/office.entity.js';
import type { Region } from './entities/region.entity.js';
import { RegionsService } from './regions.service.js';
import { RegionNotFoundError } from './regions.errors.js';

/** Who does something that is audited (the fields of an audit entry naming the actor). */
export interface AuditActor {
  actorUserId: number | null;
  actorKind: AuditEntry['actorKind'];
}

/** The portal itself (start-up tasks). */
export const SYSTEM_ACTOR: AuditActor = { actorUserId: null, actorKind: 'system' };

const MAX_OFFICE_LEVEL = 4;

/**
 * Offices (纪委监委, DESIGN.md §2): one per region, at province, city, county or township level, within
 * the portal's root region. A report belongs to the office of the nearest region at or above its own
 * that has one ({@link findResponsibleOffice}); forwarding goes to {@link parentOffice} or one of the
 * {@link childOffices}.
 */
@Injectable()
export class OfficesService {
  private readonly logger = new Logger('OfficesService');

  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly regions: RegionsService,
    private readonly audit: AuditService,
  ) {}

  /**
   * Creates the office of a region; audited (`office.created`) in the same transaction.
   * @param regionCode 12 digits; the region must be loaded, of level 1–4, within the root region.
   * @param name default: the region's name + "纪委监委" (e.g. "衡阳县纪委监委"); trimmed, 1–100 characters.
   * @throws InvalidRegionCodeDomainError (400) for a malformed code; DomainError 422 `office_region_invalid`
   *   (unknown region, village level, or outside the root region; with `fields.regionCode`), 422
   *   `office_name_invalid`; 409 `office_exists` when the region already has an office.
   */
  async create(regionCode: string, name?: string, actor: AuditActor = SYSTEM_ACTOR): Promise<Office> {
    RegionsService.parseCode(regionCode);
    const region = await this.regions.find(regionCode);
    if (!region) throw regionInvalid('区划代码不存在');
    if (region.level > MAX_OFFICE_LEVEL) throw regionInvalid('村（社区）一级不设纪委监委，请选择乡镇及以上区划');
    if (!this.regions.isWithinRoot(region.code)) throw regionInvalid('该区划不在本平台受理范围内');
    const officeName = (name ?? `${region.name}纪委监委`).trim();
    if (!officeName || [...officeName].length > 100) {
      throw new DomainError('office_name_invalid', '名称应为1至100个字', HttpStatus.UNPROCESSABLE_ENTITY, { name: '名称应为1至100个字' });
    }
    try {
      return await this.ds.transaction(async (m) => {
        if (await m.getRepository(Office).existsBy({ regionCode })) throw officeExists();
        const office = m.getRepository(Office).create({ regionCode, regionLevel: region.level, name: officeName, createdAt: new Date() });
        await m.getRepository(Office).insert(office);
        await this.audit.record(m, {
          ...actor,
          action: 'office.created',
          recordType: 'office',
          recordId: office.id,
          details: { regionCode, regionLevel: region.level },
        });
        return office;
      });
    } catch (e) {
      if (isUniqueViolation(e)) throw officeExists();
      throw e;
    }
  }

  /** All offices, by region code (so a province's office comes before its cities'). */
  async list(): Promise<Office[]> {
    return this.ds.getRepository(Office).find({ order: { regionCode: 'ASC' } });
  }

  /** @throws NotFoundError (404 `not_found`) when there is no such office. */
  async get(id: number): Promise<Office> {
    const office = Number.isSafeInteger(id) ? await this.ds.getRepository(Office).findOneBy({ id }) : null;
    if (!office) throw new NotFoundError('未找到该纪委监委');
    return office;
  }

  /** The office of exactly this region, or null. */
  async findByRegion(regionCode: string): Promise<Office | null> {
    RegionsService.parseCode(regionCode);
    return this.ds.getRepository(Office).findOneBy({ regionCode });
  }

  /**
   * The office responsible for a place: the office of the nearest region at or above `regionCode`
   * that has one (430421101200 → the office of 集兵镇 430421101 if it exists, else of 衡阳县 430421 …).
   * @throws InvalidRegionCodeDomainError (400); RegionNotFoundError (404) for an unknown region;
   *   DomainError 422 `no_office` when no region on the path has an office (e.g. outside the root region).
   */
  async findResponsibleOffice(regionCode: string, manager?: EntityManager): Promise<Office> {
    const path = await this.regions.path(regionCode);
    const office = await this.nearestOffice(path, manager);
    if (!office) throw new DomainError('no_office', '该地区暂无负责受理的纪委监委，请联系管理员', HttpStatus.UNPROCESSABLE_ENTITY);
    return office;
  }

  /** The office one level up from `office` (nearest region strictly above it with an office), or null at the top. */
  async parentOffice(office: Pick<Office, 'regionCode'>): Promise<Office | null> {
    const path = await this.regions.path(office.regionCode);
    return this.nearestOffice(path.slice(0, -1));
  }

  /**
   * The offices directly below `office`: within its region and with no other office between them and
   * it (a township office is a child of the county office, or of the city office when its county has
   * none). Sorted by region code.
   */
  async childOffices(office: Pick<Office, 'id' | 'regionCode' | 'regionLevel'>): Promise<Office[]> {
    const prefix = this.regions.scopePrefixOf({ code: office.regionCode, level: office.regionLevel });
    const below = await this.ds
      .getRepository(Office)
      .createQueryBuilder('o')
      .where('o.region_code LIKE :p', { p: `${prefix}%` })
      .andWhere('o.id <> :id', { id: office.id })
      .orderBy('o.region_code', 'ASC')
      .getMany();
    const prefixes = below.map((o) => this.regions.scopePrefixOf({ code: o.regionCode, level: o.regionLevel }));
    return below.filter((o, i) => !below.some((other, j) => j !== i && o.regionCode !== other.regionCode && o.regionCode.startsWith(prefixes[j])));
  }

  /** Whether a place lies within the portal's root region (false for malformed codes). */
  isWithinRoot(regionCode: string): boolean {
    return this.regions.isWithinRoot(regionCode);
  }

  /** The office of the root region (created at start-up). @throws NotFoundError if missing. */
  async rootOffice(): Promise<Office> {
    const office = await this.findByRegion(this.regions.rootCode());
    if (!office) throw new NotFoundError('未找到本平台的纪委监委');
    return office;
  }

  /**
   * Start-up: creates the root region's office unless it exists (several instances may race: the
   * unique region code decides).
   * @throws Error with an operator-readable message when the root region is not loaded or is a village.
   */
  async ensureRootOffice(divisionProvinces: 'all' | readonly string[]): Promise<Office> {
    const code = this.regions.rootCode();
    let root: Region;
    try {
      root = await this.regions.rootRegion();
    } catch (e) {
      if (!(e instanceof RegionNotFoundError)) throw e;
      const loaded = divisionProvinces === 'all' ? 'all' : divisionProvinces.join(',');
      throw new Error(
        `ROOT_OFFICE_REGION ${code} is not among the loaded division codes (DIVISION_PROVINCES=${loaded}): ` +
          `add its province ${code.slice(0, 2)} to DIVISION_PROVINCES or correct ROOT_OFFICE_REGION`,
      );
    }
    if (root.level > MAX_OFFICE_LEVEL) throw new Error(`ROOT_OFFICE_REGION ${code} is a village; the portal's commission is at township level or above`);
    const existing = await this.findByRegion(code);
    if (existing) return existing;
    try {
      const office = await this.create(code);
      this.logger.log(`root office created for region ${code} (office ${office.id})`);
      return office;
    } catch (e) {
      if (e instanceof DomainError && e.code === 'office_exists') return (await this.findByRegion(code))!;
      throw e;
    }
  }

  /** The office of the deepest region of `path` (province → place) that has one, or null. */
  private async nearestOffice(path: readonly Region[], manager?: EntityManager): Promise<Office | null> {
    if (!path.length) return null;
    const repo = (manager ?? this.ds.manager).getRepository(Office);
    const offices = await repo.findBy({ regionCode: In(path.map((r) => r.code)) });
    const byCode = new Map(offices.map((o) => [o.regionCode, o]));
    for (let i = path.length - 1; i >= 0; i--) {
      const o = byCode.get(path[i].code);
      if (o) return o;
    }
    return null;
  }
}

function regionInvalid(message: string): DomainError {
  return new DomainError('office_region_invalid', message, HttpStatus.UNPROCESSABLE_ENTITY, { regionCode: message });
}

function officeExists(): DomainError {
  return new DomainError('office_exists', '该区划已设有纪委监委', HttpStatus.CONFLICT, { regionCode: '该区划已设有纪委监委' });
}

function isUniqueViolation(e: unknown): boolean {
  if (!(e instanceof QueryFailedError)) return false;
  const code = (e as QueryFailedError & { driverError?: { code?: string } }).driverError?.code;
  return code === 'ER_DUP_ENTRY' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}
