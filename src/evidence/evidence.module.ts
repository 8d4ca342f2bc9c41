import { Module } from '@nestjs/common';
import { MulterModule } from '@nestjs/platform-express';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { EvidenceService } from './evidence.service.js';
import { evidenceMulterOptions } from './upload-options.js';

/**
 * Evidence files. Also exports multer configured for evidence (`evidenceMulterOptions`), so a module
 * that imports this one can write `@UseInterceptors(FilesInterceptor('files'))` and get bounded
 * memory storage, UTF-8 file names and the size limits without passing options.
 */
@Module({
  imports: [MulterModule.registerAsync({ useFactory: (config: AppConfig) => evidenceMulterOptions(config), inject: [APP_CONFIG] })],
  providers: [EvidenceService],
  exports: [EvidenceService, MulterModule],
})
export class EvidenceModule {}
