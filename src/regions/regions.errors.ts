import { HttpStatus } from '@nestjs/common';
import { DomainError } from '../common/domain-error.js';

/** A region code that is not 12 digits (or starts with 00): 400 `invalid_region_code`. */
export class InvalidRegionCodeDomainError extends DomainError {
  constructor(field = 'regionCode') {
    super('invalid_region_code', '区划代码应为12位数字', HttpStatus.BAD_REQUEST, { [field]: '区划代码应为12位数字' });
  }
}

/** A well-formed code that is not among the loaded division codes (or lies outside the portal's region): 404 `region_not_found`. */
export class RegionNotFoundError extends DomainError {
  constructor() {
    super('region_not_found', '未找到该区划', HttpStatus.NOT_FOUND);
  }
}
