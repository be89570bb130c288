import { Module } from '@nestjs/common';
import { SignedLinks } from '../common/signed-links';
import { ImagesController } from './images.controller';
import { ImagesRepository } from './images.repository';
import { ImagesService } from './images.service';
import { ImagesTools } from './images.tools';

/** Images owned by users: bytes in PostgreSQL, served by key or by signed link. */
@Module({
  controllers: [ImagesController, ImagesTools],
  providers: [ImagesService, ImagesRepository, SignedLinks],
})
export class ImagingModule {}
