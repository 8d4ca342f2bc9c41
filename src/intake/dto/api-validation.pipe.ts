import { ValidationPipe, type ValidationError } from '@nestjs/common';
import { DomainError, type FieldErrors } from '../../common/domain-error.js';

function flatten(errors: ValidationError[], prefix = ''): { unknown: string[]; fields: FieldErrors } {
  const unknown: string[] = [];
  const fields: FieldErrors = {};
  for (const e of errors) {
    const path = prefix ? (/^\d+$/.test(e.property) ? `${prefix}[${e.property}]` : `${prefix}.${e.property}`) : e.property;
    if (e.constraints?.whitelistValidation) unknown.push(path);
    else if (e.constraints) fields[path] = '格式不正确';
    if (e.children?.length) {
      const sub = flatten(e.children, path);
      unknown.push(...sub.unknown);
      Object.assign(fields, sub.fields);
    }
  }
  return { unknown, fields };
}

/**
 * The API's shape check: class-validator DTOs, known fields only. Unknown fields → 400
 * `unknown_field` (listing them); wrong types → 422 `validation_failed` with field paths. Chinese
 * messages, stable codes, no echo of the submitted values.
 */
export function apiValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => {
      const { unknown, fields } = flatten(errors);
      if (unknown.length > 0) {
        return new DomainError('unknown_field', `请求中包含不允许的字段：${unknown.join('、')}`, 400, Object.fromEntries(unknown.map((u) => [u, '不允许的字段'])));
      }
      return new DomainError('validation_failed', '提交的内容有误，请按提示修改', 422, fields);
    },
  });
}
