import { Controller, Get, Header, Param } from '@nestjs/common';
import { ApiBadRequestResponse, ApiNotFoundResponse, ApiOkResponse, ApiParam, ApiTags } from '@nestjs/swagger';
import { Public } from '../common/public.decorator.js';
import { RegionChildrenResponseDto, RegionResponseDto } from './dto/region-response.dto.js';
import { RegionNotFoundError } from './regions.errors.js';
import { RegionsService } from './regions.service.js';

/**
 * Public division-code look-ups for the cascading selects of the citizen form. Only places within
 * the portal's root region are served (others answer 404 `region_not_found`); a code that is not 12
 * digits answers 400 `invalid_region_code`. Answers may be cached for an hour (the codes change
 * only with a new edition of the data).
 */
@ApiTags('regions')
@Controller('api/v1/regions')
@Public()
export class RegionsController {
  constructor(private readonly regions: RegionsService) {}

  /** The portal's root region and its children: the first select of the form. */
  @Get('roots')
  @ApiOkResponse({ type: RegionChildrenResponseDto, description: '本平台根区划及其下一级（表单第一级选择）' })
  @Header('Cache-Control', 'public, max-age=3600')
  async roots(): Promise<RegionChildrenResponseDto> {
    const root = await this.regions.rootRegion();
    const children = await this.regions.children(root.code);
    return { region: RegionsService.view(root), children: children.map(RegionsService.view) };
  }

  /** One place with its path (to restore a selection, or show it as a breadcrumb). */
  @Get(':code')
  @ApiParam({ name: 'code', description: '12位区划代码', example: '430421101200' })
  @ApiOkResponse({ type: RegionResponseDto })
  @ApiBadRequestResponse({ description: '`invalid_region_code`：不是12位数字' })
  @ApiNotFoundResponse({ description: '`region_not_found`：未载入或不在本平台范围内' })
  @Header('Cache-Control', 'public, max-age=3600')
  async one(@Param('code') code: string): Promise<RegionResponseDto> {
    const region = await this.withinRoot(code);
    const path = await this.regions.path(region.code);
    return { region: RegionsService.view(region), path: path.map(RegionsService.view), label: RegionsService.label(path) };
  }

  /** The places one level below `code` (empty for a village). */
  @Get(':code/children')
  @ApiParam({ name: 'code', description: '12位区划代码', example: '430421101000' })
  @ApiOkResponse({ type: RegionChildrenResponseDto })
  @ApiBadRequestResponse({ description: '`invalid_region_code`：不是12位数字' })
  @ApiNotFoundResponse({ description: '`region_not_found`：未载入或不在本平台范围内' })
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
