import { Ctx, Payload } from '@nestjs/microservices';
import { McpContext, McpController, Tool } from '@rekog/mcp-nest';
import { IsBoolean, IsOptional, IsUUID } from 'class-validator';
import { z } from 'zod';
import { McpToolRunner, WithImage } from '../mcp/mcp-tool-runner';
import { deleteTool, readTool, writeTool } from '../mcp/tool-annotations';
import { pageArgs } from '../mcp/tool-args';
import { NO_PARAMS, toolParams } from '../mcp/tool-params';
import { ImageListQueryDto, UpdateImageDto, UploadImageDto } from './images.dto';
import { ImagesService } from './images.service';
import type { AgentCall } from '../common/auth/actor';

const ID_RULE = 'image_id must be a UUID';

class ImageIdArgs {
  @IsUUID('all', { message: ID_RULE }) image_id: string;
}
class UpdateImageArgs extends UpdateImageDto {
  @IsUUID('all', { message: ID_RULE }) image_id: string;
}
class DeleteImageArgs extends ImageIdArgs {
  @IsOptional()
  @IsBoolean({ message: 'force must be true or false' })
  force?: boolean;
}

const imageId = z.string().describe('The image id (image_id, a UUID)');
const keep = z.boolean().describe('true: protect it from cleanup and plain delete');

const P = {
  upload: toolParams(
    {
      data_base64: z.string().describe('The image bytes, base64: PNG, JPEG, WebP or GIF (read from the bytes)'),
      mime_type: z.string().optional().describe('What you believe it is; refused when the bytes say otherwise'),
      keep: keep.optional(),
    },
    UploadImageDto,
  ),
  list: toolParams({ ...pageArgs, keep: z.boolean().optional().describe('Only kept (true) or only unkept (false) images') }, ImageListQueryDto),
  id: toolParams({ image_id: imageId }, ImageIdArgs),
  update: toolParams({ image_id: imageId, keep }, UpdateImageArgs),
  remove: toolParams({ image_id: imageId, force: z.boolean().optional().describe('Delete even when it is kept') }, DeleteImageArgs),
};

/** MCP tools over the same service as the /images routes (same DTOs, same audit). */
@McpController()
export class ImagesTools {
  constructor(
    private readonly tools: McpToolRunner,
    private readonly images: ImagesService,
  ) {}

  @Tool({
    name: 'upload_image',
    description:
      "Store an image for your user (e.g. one the user gave you), so it can be kept, listed or opened by link. Returns the " +
      'image object {image_id, url, filename, source, keep, mime_type, size_bytes, width, height, sha256, agent, ' +
      'created_at}; url opens the bytes without a key until it expires.',
    parameters: P.upload.advertised,
    annotations: writeTool,
  })
  upload(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.tools.run(ctx, args, P.upload, (a, call) => this.images.upload(call, a));
  }

  @Tool({
    name: 'list_images',
    description: "List your user's images, newest first (metadata and links, never bytes). Returns {images, total, limit, offset}.",
    parameters: P.list.advertised,
    annotations: readTool,
  })
  list(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.tools.run(ctx, args, P.list, (a, call) => this.images.list(call.caller, a.keep, a));
  }

  @Tool({
    name: 'get_image',
    description:
      'One image: its object (with a fresh url) as JSON, and the picture itself as image content when it is at most ' +
      'MCP_IMAGE_MAX_BYTES (1 MB unless configured), so you can see it.',
    parameters: P.id.advertised,
    annotations: readTool,
  })
  get(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.tools.run(ctx, args, P.id, (a, call) => this.withPicture(call, a.image_id.toLowerCase()));
  }

  @Tool({
    name: 'update_image',
    description: 'Keep an image (protected from cleanup_images and from delete_image without force) or stop keeping it. Returns the image object.',
    parameters: P.update.advertised,
    annotations: writeTool,
  })
  update(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.tools.run(ctx, args, P.update, (a, call) => this.images.setKeep(call, a.image_id.toLowerCase(), a.keep));
  }

  @Tool({
    name: 'delete_image',
    description: 'Delete one of your images; a kept one only with force true. REST answers 204 with no body; this tool returns {deleted: image_id}.',
    parameters: P.remove.advertised,
    annotations: deleteTool,
  })
  remove(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.tools.run(ctx, args, P.remove, async (a, call) => {
      const id = a.image_id.toLowerCase();
      await this.images.remove(call, id, a.force ?? false);
      return { deleted: id };
    });
  }

  @Tool({
    name: 'cleanup_images',
    description: "Delete every image of your user that is not kept. Returns {deleted: count}.",
    parameters: NO_PARAMS.advertised,
    annotations: deleteTool,
  })
  cleanup(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.tools.run(ctx, args, NO_PARAMS, (_a, call) => this.images.cleanup(call));
  }

  /** The image object, with the picture as image content when it is small enough to send. */
  private async withPicture(call: AgentCall, imageId: string): Promise<WithImage> {
    const object = await this.images.get(call.caller, imageId);
    const content = await this.images.contentForMcp(call.caller, object);
    return new WithImage({ ...object }, content && { data: content.data, mimeType: content.mimeType });
  }
}
