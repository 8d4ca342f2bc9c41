import { Module } from '@nestjs/common';
import { FirstAdminService } from './first-admin.service.js';
import { InitialPasswordFile } from './initial-password-file.js';
import { UsersService } from './users.service.js';

/** Staff accounts (the administration pages and the command line use {@link UsersService}) and the first administrator. */
@Module({ providers: [UsersService, InitialPasswordFile, FirstAdminService], exports: [UsersService, FirstAdminService, InitialPasswordFile] })
export class UsersModule {}
