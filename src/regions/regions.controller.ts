import { Controller, Get, Header, Param } from '@nestjs/common';
import { Public } from '../common/public.decorator.js';
import { RegionNotFoundError } from './regions.errors.js';
import { RegionsService, type RegionView } from './regions.service.js';

/** `{ region, children }`: a place and the places one level below it, sorted by code. */
export interface RegionChildrenResponseDto {
  region: RegionView;
  children: RegionView[];
}

/** `{ region, path }`: a place and its ancestors from the province down to itself. */
export interface RegionResponseDto {
  region: RegionView;
  path: RegionView[];
  /** The path's names without placeholders (市辖区 …), e.g. "湖南省 衡阳市 衡阳县 集兵镇 集兵村委会". */
  label: string;
}

/**
 * Public division-code look-ups for the cascading selects of the citizen form. Only places within
 * the portal's root region are served (others answer 404 `region_not_found`); a code that is not 12
 * digits answers 400 `invalid_region_code`. Answers may be cached for an hour (the codes change
 * only with a new edition of the data).
 */
@Controller('api/v1/regions')
@Public()
export class RegionsController {
  constructor(private readonly regions: RegionsService) {}

  /** The portal's root region and its children: the first select of the form. */
  @Get('roots')
  @Header('Cache-Control', 'public, max-age=3600')
  async roots(): Promise<RegionChildrenResponseDto> {
    const root = await this.regions.rootRegion();
    const children = await this.regions.children(root.code);
    return { region: RegionsService.view(root), children: children.map(RegionsService.view) };
  }

  /** One place with its path (to restore a selection, or show it as a breadcrumb). */
  @Get(':code')
  @Header('Cache-Control', 'public, max-age=3600')
  async one(@Param('code') code: string): Promise<RegionResponseDto> {
    const region = await this.withinRoot(code);
    const path = await this.regions.path(region.code);
    return { region: RegionsService.view(region), path: path.map(RegionsService.view), label: RegionsService.label(path) };
  }

  /** The places one level below `code` (empty for a village). */
  @Get(':code/children')
  @Header('Cache-Control', 'public, max-age=3600')
  async children(@Param('code') code: string): Promise<RegionChildrenResponseDto> {
    const region = await this.withinRoot(code);
    const children = await this.regions.children(region.code);
    return { region: RegionsService.view(region), children: children.map(RegionsService.view) };
  }

  private async withinRoot(code: string) {
    RegionsService.parseCode(code, 'code');
    if (!this.regions.isWithinRoot(code)) throw new RegionNotFoundError();
    return this.regions.get(code);
  }
}
