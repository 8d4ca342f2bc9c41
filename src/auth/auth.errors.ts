import { HttpStatus } from '@nestjs/common';
import { DomainError, TooManyRequestsError } from '../common/domain-error.js';

/** Wrong user name, wrong password, deactivated account or missing field: one generic answer (401). */
export class LoginRefusedError extends DomainError {
  constructor() {
    super('login_failed', '用户名或密码不正确', HttpStatus.UNAUTHORIZED);
  }
}

/** Too many failed logins for the account or from the client (429, Retry-After). Says nothing about the account. */
export class LoginLockedError extends TooManyRequestsError {
  constructor(retryAfterSeconds: number) {
    super('登录失败次数过多，请稍后再试', retryAfterSeconds);
  }
}
