import { Controller, Get, Param, Query, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import type { Caller } from '../common/auth/actor';
import { CurrentCaller, Public } from '../common/auth/access.decorators';
import { ApiProblem } from '../common/http/problem.dto';
import { ParseId, rowIdOf } from '../common/http/validation';
import { DocumentKind } from './doc-links';
import { DocumentsService } from './documents.service';
import { escapeHtml } from './render-text';

const INVALID_LINK = "This link has expired or isn't valid";

/**
 * The page may show nothing but itself: no scripts, no external resources, and
 * no Referer (a signed link must not leak to the sites it links to).
 */
function sendHtml(res: Response, status: number, html: string): void {
  res
    .status(status)
    .type('text/html; charset=utf-8')
    .set('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
    .set('Referrer-Policy', 'no-referrer')
    .set('X-Content-Type-Options', 'nosniff')
    .send(html);
}

const invalidLinkPage = `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(INVALID_LINK)}</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 4rem auto;"><h1>${escapeHtml(INVALID_LINK)}</h1>
<p>Ask for a new link: project and wiki responses carry a fresh <code>document_url</code>.</p></body></html>`;

@ApiTags('documents')
@Controller()
export class DocumentsController {
  constructor(private readonly documents: DocumentsService) {}

  @Get('projects/:id/document')
  @ApiOperation({ summary: 'The project as a self-contained HTML document (read access)' })
  @ApiProduces('text/html')
  @ApiOkResponse({ description: 'A self-contained HTML page', content: { 'text/html': { schema: { type: 'string' } } } })
  @ApiProblem(404, 'Project not found')
  async project(@CurrentCaller() caller: Caller, @Param('id', ParseId) id: number, @Res() res: Response) {
    sendHtml(res, 200, await this.documents.forReader(caller.userId, 'project', id));
  }

  @Get('wikis/:id/document')
  @ApiOperation({ summary: 'The wiki as a self-contained HTML document (read access)' })
  @ApiProduces('text/html')
  @ApiOkResponse({ description: 'A self-contained HTML page', content: { 'text/html': { schema: { type: 'string' } } } })
  @ApiProblem(404, 'Wiki not found')
  async wiki(@CurrentCaller() caller: Caller, @Param('id', ParseId) id: number, @Res() res: Response) {
    sendHtml(res, 200, await this.documents.forReader(caller.userId, 'wiki', id));
  }

  @Get('doc/projects/:id')
  @Public()
  @ApiOperation({ summary: "A project's document behind a signed link (a project's document_url); 403 page when expired or not valid" })
  @ApiProduces('text/html')
  @ApiOkResponse({ description: 'A self-contained HTML page', content: { 'text/html': { schema: { type: 'string' } } } })
  @ApiQuery({ name: 'exp', required: true }) @ApiQuery({ name: 'sig', required: true })
  async signedProject(@Param('id') id: string, @Query('exp') exp: unknown, @Query('sig') sig: unknown, @Res() res: Response) {
    await this.signed(res, 'project', id, exp, sig);
  }

  @Get('doc/wikis/:id')
  @Public()
  @ApiOperation({ summary: "A wiki's document behind a signed link (a wiki's document_url); 403 page when expired or not valid" })
  @ApiProduces('text/html')
  @ApiOkResponse({ description: 'A self-contained HTML page', content: { 'text/html': { schema: { type: 'string' } } } })
  @ApiQuery({ name: 'exp', required: true }) @ApiQuery({ name: 'sig', required: true })
  async signedWiki(@Param('id') id: string, @Query('exp') exp: unknown, @Query('sig') sig: unknown, @Res() res: Response) {
    await this.signed(res, 'wiki', id, exp, sig);
  }

  private async signed(res: Response, kind: DocumentKind, id: string, exp: unknown, sig: unknown): Promise<void> {
    const objectId = rowIdOf(id);
    const html = objectId === null ? null : await this.documents.forLink(kind, objectId, exp, sig);
    if (html === null) sendHtml(res, 403, invalidLinkPage);
    else sendHtml(res, 200, html);
  }
}
