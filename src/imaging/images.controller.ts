import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, Res } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiParam, ApiProduces, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import type { AgentCall, Caller } from '../common/auth/actor';
import { CurrentCall, CurrentCaller, Public } from '../common/auth/access.decorators';
import { ApiUuidParam } from '../common/http/params.dto';
import { ApiProblem } from '../common/http/problem.dto';
import { ParseUuid } from '../common/http/validation';
import { DeleteImageQueryDto, ImageDto, ImageListDto, ImageListQueryDto, ImagesDeletedDto, UpdateImageDto, UploadImageDto } from './images.dto';
import { IMAGE_NOT_FOUND, ImageContent, ImagesService } from './images.service';

const IMAGE_BYTES = { description: 'The image bytes', content: { 'image/*': { schema: { type: 'string', format: 'binary' } } } };

/** Sends image bytes so that a browser shows them and runs nothing: no sniffing, no scripts, private caching. */
function sendImage(res: Response, image: ImageContent): void {
  res
    .status(200)
    .type(image.mimeType)
    .set('ETag', image.etag)
    .set('Cache-Control', 'private, max-age=300')
    .set('X-Content-Type-Options', 'nosniff')
    .set('Content-Security-Policy', "default-src 'none'; sandbox")
    .send(image.data);
}

/** Your user's images: upload, list, keep, delete, clean up, and their bytes by key or by signed link. */
@ApiTags('images')
@Controller()
export class ImagesController {
  constructor(private readonly images: ImagesService) {}

  @Post('images')
  @ApiOperation({ operationId: 'uploadImage', summary: 'Upload an image (PNG, JPEG, WebP or GIF, read from its bytes) as base64 JSON' })
  @ApiCreatedResponse({ type: ImageDto })
  @ApiProblem(413, 'The image is larger than IMAGE_MAX_BYTES')
  upload(@CurrentCall() call: AgentCall, @Body() body: UploadImageDto): Promise<ImageDto> {
    return this.images.upload(call, body);
  }

  @Get('images')
  @ApiOperation({ operationId: 'listImages', summary: "Your user's images, newest first (metadata and signed links, never bytes)" })
  @ApiOkResponse({ type: ImageListDto })
  list(@CurrentCaller() caller: Caller, @Query() query: ImageListQueryDto): Promise<ImageListDto> {
    return this.images.list(caller, query.keep, query);
  }

  @Post('images/cleanup')
  @HttpCode(200)
  @ApiOperation({ operationId: 'cleanupImages', summary: "Delete every image of your user that is not kept" })
  @ApiOkResponse({ type: ImagesDeletedDto })
  cleanup(@CurrentCall() call: AgentCall): Promise<ImagesDeletedDto> {
    return this.images.cleanup(call);
  }

  @Get('images/:id')
  @ApiOperation({ operationId: 'getImage', summary: 'One image: metadata and a fresh signed link' })
  @ApiUuidParam('id', 'The image (image_id)')
  @ApiOkResponse({ type: ImageDto })
  @ApiProblem(404, IMAGE_NOT_FOUND)
  get(@CurrentCaller() caller: Caller, @Param('id', ParseUuid) id: string): Promise<ImageDto> {
    return this.images.get(caller, id);
  }

  @Get('images/:id/content')
  @ApiOperation({ operationId: 'getImageContent', summary: 'The image bytes, with its Content-Type and ETag' })
  @ApiProduces('image/png', 'image/jpeg', 'image/webp', 'image/gif')
  @ApiUuidParam('id', 'The image (image_id)')
  @ApiOkResponse(IMAGE_BYTES)
  @ApiProblem(404, IMAGE_NOT_FOUND)
  async content(@CurrentCaller() caller: Caller, @Param('id', ParseUuid) id: string, @Res() res: Response): Promise<void> {
    sendImage(res, await this.images.content(caller, id));
  }

  @Patch('images/:id')
  @ApiOperation({ operationId: 'updateImage', summary: 'Keep an image (protect it from cleanup and plain delete) or stop keeping it' })
  @ApiUuidParam('id', 'The image (image_id)')
  @ApiOkResponse({ type: ImageDto })
  @ApiProblem(404, IMAGE_NOT_FOUND)
  update(@CurrentCall() call: AgentCall, @Param('id', ParseUuid) id: string, @Body() body: UpdateImageDto): Promise<ImageDto> {
    return this.images.setKeep(call, id, body.keep);
  }

  @Delete('images/:id')
  @HttpCode(204)
  @ApiOperation({ operationId: 'deleteImage', summary: 'Delete an image; a kept one only with force=true' })
  @ApiUuidParam('id', 'The image (image_id)')
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiProblem(404, IMAGE_NOT_FOUND)
  @ApiProblem(409, 'The image is kept; send force=true')
  async remove(@CurrentCall() call: AgentCall, @Param('id', ParseUuid) id: string, @Query() query: DeleteImageQueryDto): Promise<void> {
    await this.images.remove(call, id, query.force ?? false);
  }

  @Get('img/:id')
  @Public()
  @ApiOperation({ operationId: 'getSignedImage', summary: "An image's bytes behind a signed link (an image's url); 403 when expired or not valid" })
  @ApiProduces('image/png', 'image/jpeg', 'image/webp', 'image/gif')
  @ApiParam({ name: 'id', description: 'The image id, as in its url', schema: { type: 'string' } })
  @ApiQuery({ name: 'exp', required: true, type: 'string', description: 'Expiry of the link, in Unix seconds, as in the url' })
  @ApiQuery({ name: 'sig', required: true, type: 'string', description: 'Signature of the link, as in the url' })
  @ApiOkResponse(IMAGE_BYTES)
  @ApiProblem(403, 'The link has expired or is not valid')
  async signed(@Param('id') id: string, @Query('exp') exp: unknown, @Query('sig') sig: unknown, @Res() res: Response): Promise<void> {
    sendImage(res, await this.images.linked(id, exp, sig));
  }
}
