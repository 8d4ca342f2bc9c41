import { ApiProperty } from '@nestjs/swagger';

/** A statistical division as the public API shows it. */
export class RegionViewDto {
  @ApiProperty({ description: '统计用区划代码（12位）', example: '430421101000' })
  code: string;

  @ApiProperty({ description: '名称', example: '集兵镇' })
  name: string;

  @ApiProperty({ description: '层级：1 省，2 市，3 县，4 乡镇/街道，5 村/社区', example: 4, minimum: 1, maximum: 5 })
  level: number;
}

/** A place and the places one level below it, sorted by code. */
export class RegionChildrenResponseDto {
  @ApiProperty({ type: RegionViewDto })
  region: RegionViewDto;

  @ApiProperty({ type: [RegionViewDto], description: '下一级区划，按代码排序；村/社区为空' })
  children: RegionViewDto[];
}

/** A place and its ancestors from the province down to itself. */
export class RegionResponseDto {
  @ApiProperty({ type: RegionViewDto })
  region: RegionViewDto;

  @ApiProperty({ type: [RegionViewDto], description: '从省到本级' })
  path: RegionViewDto[];

  @ApiProperty({ description: '完整名称（略去“市辖区”等统计占位名）', example: '湖南省 衡阳市 衡阳县 集兵镇 集兵村委会' })
  label: string;
}
