import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { isUUID } from 'class-validator';
import { createHash } from 'node:crypto';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import type { AgentCall, Caller } from '../common/auth/actor';
import { AppError } from '../common/errors/app-error';
import { PageQuery } from '../common/http/paging';
import { SignedLinks } from '../common/signed-links';
import { APP_CONFIG, type AppConfig } from '../config/config';
import { extensionOf, sniffImage } from './image-bytes';
import { ImageDto, ImageListDto, ImagesDeletedDto, UploadImageDto } from './images.dto';
import { ImageRow, ImagesRepository, NewImage } from './images.repository';

export const IMAGE_NOT_FOUND = 'Image not found';
export const INVALID_LINK = 'This link has expired or is not valid; ask for the image again for a fresh url';
const NOT_AN_IMAGE = 'data_base64 is not a PNG, JPEG, WebP or GIF image';

/** The bytes of one image and how to serve them. */
export interface ImageContent {
  data: Buffer;
  mimeType: string;
  etag: string;
}

/** Images owned by users: stored bytes, metadata, keep, cleanup and the links that open them. */
@Injectable()
export class ImagesService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly images: ImagesRepository,
    private readonly audit: AuditService,
    private readonly links: SignedLinks,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Stores an uploaded image: its type and size are read from the bytes. */
  async upload(call: AgentCall, input: UploadImageDto): Promise<ImageDto> {
    const data = Buffer.from(input.data_base64, 'base64');
    this.requireSize(data);
    const sniffed = sniffImage(data);
    if (!sniffed) throw AppError.validation(NOT_AN_IMAGE, [{ field: 'data_base64', message: NOT_AN_IMAGE }]);
    if (input.mime_type && input.mime_type !== sniffed.mimeType) {
      const message = `mime_type says ${input.mime_type} but the bytes are ${sniffed.mimeType}`;
      throw AppError.validation(message, [{ field: 'mime_type', message }]);
    }
    return this.store(call, 'IMAGE_UPLOAD', {
      userId: call.caller.userId,
      agentId: call.caller.agentId,
      source: 'uploaded',
      prompt: null,
      model: null,
      keep: input.keep ?? false,
      mimeType: sniffed.mimeType,
      width: sniffed.width,
      height: sniffed.height,
      sha256: createHash('sha256').update(data).digest('hex'),
      data,
    });
  }

  async list(caller: Caller, keep: boolean | undefined, page: PageQuery): Promise<ImageListDto> {
    const [rows, total] = await this.images.page(this.db.manager, caller.userId, keep, page);
    return { images: rows.map((row) => this.view(row)), total, limit: page.limit, offset: page.offset };
  }

  async get(caller: Caller, imageId: string): Promise<ImageDto> {
    const row = await this.images.get(this.db.manager, caller.userId, imageId);
    if (!row) throw AppError.notFound(IMAGE_NOT_FOUND);
    return this.view(row);
  }

  async setKeep(call: AgentCall, imageId: string, keep: boolean): Promise<ImageDto> {
    return this.db.transaction(async (em) => {
      const row = await this.images.get(em, call.caller.userId, imageId, true);
      if (!row) throw AppError.notFound(IMAGE_NOT_FOUND);
      await this.images.setKeep(em, call.caller.userId, imageId, keep);
      await this.audit.record(em, call.actor, { userId: call.caller.userId, eventType: 'IMAGE_UPDATE', subject: imageId, meta: { keep } });
      return this.view({ ...row, keep });
    });
  }

  /** Deletes an image; a kept one only with `force` (else 409). */
  async remove(call: AgentCall, imageId: string, force: boolean): Promise<void> {
    await this.db.transaction(async (em) => {
      const row = await this.images.get(em, call.caller.userId, imageId, true);
      if (!row) throw AppError.notFound(IMAGE_NOT_FOUND);
      if (row.keep && !force) throw AppError.conflict(`Image ${imageId} is kept (keep: true); delete it with force=true`);
      await this.images.remove(em, call.caller.userId, imageId);
      await this.audit.record(em, call.actor, {
        userId: call.caller.userId,
        eventType: 'IMAGE_DELETE',
        subject: imageId,
        meta: { size_bytes: row.size_bytes, forced: row.keep },
      });
    });
  }

  /** Deletes every unkept image of the caller's user. */
  async cleanup(call: AgentCall): Promise<ImagesDeletedDto> {
    return this.db.transaction(async (em) => {
      const ids = await this.images.removeUnkept(em, call.caller.userId);
      await this.audit.record(em, call.actor, { userId: call.caller.userId, eventType: 'IMAGE_CLEANUP', meta: { deleted: ids.length, image_ids: ids } });
      return { deleted: ids.length };
    });
  }

  /** The bytes for a key holder of the owning user. */
  async content(caller: Caller, imageId: string): Promise<ImageContent> {
    return this.contentOf(caller.userId, imageId);
  }

  /** The bytes behind a signed link; a tampered, expired or other image's link (or a gone image) is a 403. */
  async linked(imageId: string, exp: unknown, sig: unknown): Promise<ImageContent> {
    const id = imageId.toLowerCase();
    const owner = isUUID(id) ? await this.images.ownerOf(this.db.manager, id) : undefined;
    if (!owner || !this.links.verify('image', id, owner, exp, sig)) throw AppError.forbidden(INVALID_LINK);
    return this.contentOf(owner, id);
  }

  /** The bytes of an image just read, when MCP_IMAGE_MAX_BYTES lets them go back as MCP image content. */
  async contentForMcp(caller: Caller, image: ImageDto): Promise<ImageContent | null> {
    return image.size_bytes <= this.config.mcpImageMaxBytes ? this.contentOf(caller.userId, image.image_id) : null;
  }

  private async contentOf(userId: string, imageId: string): Promise<ImageContent> {
    const bytes = await this.images.bytes(this.db.manager, userId, imageId);
    if (!bytes) throw AppError.notFound(IMAGE_NOT_FOUND);
    return { data: bytes.data, mimeType: bytes.mime_type, etag: `"${bytes.sha256}"` };
  }

  private requireSize(data: Buffer): void {
    if (data.length === 0) throw AppError.validation(NOT_AN_IMAGE, [{ field: 'data_base64', message: NOT_AN_IMAGE }]);
    if (data.length > this.config.imageMaxBytes) {
      throw new AppError(413, 'payload_too_large', `The image is ${data.length} bytes; the limit is ${this.config.imageMaxBytes} (IMAGE_MAX_BYTES)`);
    }
  }

  private async store(call: AgentCall, event: 'IMAGE_UPLOAD', image: NewImage): Promise<ImageDto> {
    return this.db.transaction(async (em) => {
      const row = await this.images.insert(em, image);
      await this.audit.record(em, call.actor, {
        userId: image.userId,
        eventType: event,
        subject: row.image_id,
        meta: { mime_type: row.mime_type, size_bytes: row.size_bytes, width: row.width, height: row.height },
      });
      return this.view(row);
    });
  }

  private view(row: ImageRow): ImageDto {
    const { user_id: ownerId, image_id: imageId, ...fields } = row;
    return {
      image_id: imageId,
      url: this.links.url('image', imageId, ownerId),
      filename: `img_${imageId.slice(0, 8)}.${extensionOf(row.mime_type)}`,
      ...fields,
    };
  }
}
