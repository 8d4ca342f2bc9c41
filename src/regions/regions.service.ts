import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In } from 'typeorm';
import { APP_CONFIG } from '../config/config.module.js';
import type { AppConfig } from '../config/app-config.js';
import { Region } from './entities/region.entity.js';
import { InvalidRegionCodeError, isRegionCode12, isWithinScope, regionLevelOf, scopePrefix, type RegionLevel } from './region-code.js';
import { InvalidRegionCodeDomainError, RegionNotFoundError } from './regions.errors.js';

/** A region as the public API and the pages show it. */
export interface RegionView {
  code: string;
  name: string;
  level: number;
}

/**
 * What the step-by-step (no-JavaScript) region selection shows for one step.
 * `path` runs from the portal's root region down to the selected one (both included);
 * `options` are the places one level below the selection (empty for a village: the choice is complete).
 */
export interface RegionChoices {
  root: Region;
  /** The current selection; the root region when nothing was selected yet. */
  selected: Region;
  /** Root → selected, inclusive. */
  path: Region[];
  /** Children of `selected`, sorted by code. */
  options: Region[];
  /** True when there is nothing below `selected` (a village, or a township without villages). */
  complete: boolean;
}

/**
 * Names of statistical placeholder rows (municipalities' 市辖区/县, 省直辖县级行政区划): real codes,
 * but left out of human-readable labels ("北京市 东城区", not "北京市 市辖区 东城区").
 */
const PLACEHOLDER_NAMES = new Set(['市辖区', '县', '省直辖县级行政区划', '自治区直辖县级行政区划']);

/** Cached regions (positive look-ups only; the table only grows, and only at start-up). */
const CACHE_LIMIT = 50_000;

/**
 * Read access to the loaded statistical division codes (DESIGN.md §2): 12-digit codes with their
 * level; scope prefixes are cut by level (`scopePrefix`), never by stripping zeros.
 * Returned `Region` objects are shared through a cache: treat them as read-only.
 */
@Injectable()
export class RegionsService {
  private readonly cache = new Map<string, Region>();
  private rootPrefix: string | undefined;

  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Validates a code from outside (URL, form, API body): 12 ASCII digits, not starting with 00.
   * @returns the code unchanged.
   * @throws InvalidRegionCodeDomainError (400 `invalid_region_code`) otherwise.
   */
  static parseCode(raw: unknown, field = 'regionCode'): string {
    if (typeof raw !== 'string' || !isRegionCode12(raw) || raw.startsWith('00')) throw new InvalidRegionCodeDomainError(field);
    return raw;
  }

  /** The region with this code, or null when it is not loaded. @throws InvalidRegionCodeDomainError for a malformed code. */
  async find(code: string): Promise<Region | null> {
    RegionsService.parseCode(code);
    const hit = this.cache.get(code);
    if (hit) return hit;
    const region = await this.ds.getRepository(Region).findOneBy({ code });
    if (region) this.remember(region);
    return region;
  }

  /**
   * The region with this code.
   * @throws InvalidRegionCodeDomainError (400) for a malformed code; RegionNotFoundError (404) when not loaded.
   */
  async get(code: string): Promise<Region> {
    const region = await this.find(code);
    if (!region) throw new RegionNotFoundError();
    return region;
  }

  /**
   * The places directly below `code`, sorted by code (empty for a village).
   * @throws InvalidRegionCodeDomainError (400); RegionNotFoundError (404) when `code` is not loaded.
   */
  async children(code: string): Promise<Region[]> {
    await this.get(code);
    const rows = await this.ds.getRepository(Region).find({ where: { parentCode: code }, order: { code: 'ASC' } });
    for (const r of rows) this.remember(r);
    return rows;
  }

  /**
   * The ancestors of `code` from its province down to itself (inclusive), e.g. for 430421101200:
   * 湖南省 › 衡阳市 › 衡阳县 › 集兵镇 › 集兵村委会. Follows the stored parent codes.
   * @throws InvalidRegionCodeDomainError (400); RegionNotFoundError (404) when `code` is not loaded.
   */
  async path(code: string): Promise<Region[]> {
    const self = await this.get(code);
    // Every ancestor's code is a padded prefix of the code: fetch the uncached ones in one query.
    const candidates = [2, 4, 6, 9].map((n) => code.slice(0, n).padEnd(12, '0')).filter((c) => c !== code);
    const missing = [...new Set(candidates)].filter((c) => !this.cache.has(c));
    if (missing.length) {
      for (const r of await this.ds.getRepository(Region).findBy({ code: In(missing) })) this.remember(r);
    }
    const path: Region[] = [self];
    let current = self;
    while (current.parentCode) {
      const parent = this.cache.get(current.parentCode) ?? (await this.find(current.parentCode));
      if (!parent) break; // a parent outside the loaded data (cannot happen with whole provinces loaded)
      path.unshift(parent);
      current = parent;
    }
    return path;
  }

  /**
   * The full place name for display, province first, placeholders (市辖区 …) left out:
   * `430421101200` → "湖南省 衡阳市 衡阳县 集兵镇 集兵村委会".
   * @throws as {@link path}.
   */
  async pathLabel(code: string, separator = ' '): Promise<string> {
    return RegionsService.label(await this.path(code), separator);
  }

  /** Joins the names of a path, leaving out statistical placeholders (市辖区, 县, 省直辖县级行政区划). */
  static label(path: readonly Pick<Region, 'name'>[], separator = ' '): string {
    return path
      .map((r) => r.name)
      .filter((n) => !PLACEHOLDER_NAMES.has(n))
      .join(separator);
  }

  /**
   * Whether the place `code` lies within the scope `prefix` (2, 4, 6, 9 or 12 digits, as from
   * {@link scopePrefixOf}). Pure string logic, no database.
   * @throws InvalidRegionCodeDomainError (400) when `code` or `prefix` is malformed.
   */
  isWithin(code: string, prefix: string): boolean {
    try {
      return isWithinScope(code, prefix);
    } catch (e) {
      if (e instanceof InvalidRegionCodeError) throw new InvalidRegionCodeDomainError();
      throw e;
    }
  }

  /** The scope prefix of a stored region, cut by its level: 西渡镇 430421100000 (level 4) → `430421100`. */
  scopePrefixOf(region: Pick<Region, 'code' | 'level'>): string {
    return scopePrefix(region.code, region.level as RegionLevel);
  }

  /** The 12-digit code of the portal's root region (`ROOT_OFFICE_REGION`). */
  rootCode(): string {
    return this.config.rootOfficeRegion;
  }

  /**
   * The portal's root region.
   * @throws RegionNotFoundError when it is not loaded (start-up refuses that case, see RegionsModule).
   */
  async rootRegion(): Promise<Region> {
    const root = await this.get(this.config.rootOfficeRegion);
    this.rootPrefix = this.scopePrefixOf(root);
    return root;
  }

  /** Scope prefix of the root region (by its stored level once loaded; guessed from zeros before). */
  rootScopePrefix(): string {
    return this.rootPrefix ?? scopePrefix(this.config.rootOfficeRegion, regionLevelOf(this.config.rootOfficeRegion));
  }

  /**
   * Whether `code` lies within the portal's root region (the portal takes reports from there only).
   * False for malformed codes.
   */
  isWithinRoot(code: string): boolean {
    if (typeof code !== 'string' || !isRegionCode12(code) || code.startsWith('00')) return false;
    return code.startsWith(this.rootScopePrefix());
  }

  /**
   * One step of the no-JavaScript cascading selection: given the current selection (or null at the
   * start), the path from the root region to it and the options one level down.
   * @throws InvalidRegionCodeDomainError (400) for a malformed code; RegionNotFoundError (404) when
   *   the code is not loaded or lies outside the root region.
   */
  async choicesFor(selectedCode: string | null): Promise<RegionChoices> {
    const root = await this.rootRegion();
    const selected = selectedCode === null || selectedCode === '' ? root : await this.get(selectedCode);
    if (!this.isWithinRoot(selected.code)) throw new RegionNotFoundError();
    const full = await this.path(selected.code);
    const path = full.slice(full.findIndex((r) => r.code === root.code));
    const options = await this.children(selected.code);
    return { root, selected, path, options, complete: options.length === 0 };
  }

  /** The public JSON shape of a region. */
  static view(r: Pick<Region, 'code' | 'name' | 'level'>): RegionView {
    return { code: r.code, name: r.name, level: r.level };
  }

  private remember(r: Region): void {
    if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
    this.cache.set(r.code, r);
  }
}
