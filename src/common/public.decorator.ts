import { SetMetadata } from '@nestjs/common';

export const IS_PUBLIC = 'qingfeng:isPublic';

/** Opens a route or controller to unauthenticated callers. Everything else is closed by the global guard. */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(IS_PUBLIC, true);
