import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { User } from '../users/entities/user.entity.js';

/** The signed-in staff user (set by the session middleware of the auth module), or undefined on public routes. */
export const CurrentUser = createParamDecorator((_data: unknown, ctx: ExecutionContext): User | undefined => ctx.switchToHttp().getRequest().user);
