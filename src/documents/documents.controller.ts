import { applyDecorators, Controller, Get, Param, Query, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiProduces, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import type { Caller } from '../common/auth/actor';
import { CurrentCaller, Public } from '../common/auth/access.decorators';
import { ApiProblem } from '../common/http/problem.dto';
import { ApiIdParam } from '../common/http/params.dto';
import { ParseId, rowIdOf } from '../common/http/validation';
import { DocumentKind } from '../common/signed-links';
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

const HTML_PAGE = { description: 'A self-contained HTML page', content: { 'text/html': { schema: { type: 'string' } } } };

/** The path id and query of a signed document link: any value that does not verify answers the 403 page. */
const ApiSignedLink = (kind: DocumentKind) =>
  applyDecorators(
    ApiParam({
      name: 'id',
      description: `The ${kind} id, as in its document_url`,
      schema: { type: 'string', pattern: '^[0-9]{1,10}$' },
    }),
    ApiQuery({ name: 'exp', required: true, type: 'string', description: 'Expiry of the link, in Unix seconds, as in the document_url' }),
    ApiQuery({ name: 'sig', required: true, type: 'string', description: 'Signature of the link, as in the document_url' }),
    ApiResponse({
      status: 403,
      description: "The link has expired or isn't valid (an HTML page)",
      content: { 'text/html': { schema: { type: 'string' } } },
    }),
  );

@ApiTags('documents')
@Controller()
export class DocumentsController {
  constructor(private readonly documents: DocumentsService) {}

  @Get('projects/:id/document')
  @ApiOperation({ operationId: 'getProjectDocument', summary: 'The project as a self-contained HTML document (read access)' })
  @ApiProduces('text/html')
  @ApiIdParam('id', 'The project (project_id)')
  @ApiOkResponse(HTML_PAGE)
  @ApiProblem(404, 'Project not found')
  async project(@CurrentCaller() caller: Caller, @Param('id', ParseId) id: number, @Res() res: Response) {
    sendHtml(res, 200, await this.documents.forReader(caller.userId, 'project', id));
  }

  @Get('wikis/:id/document')
  @ApiOperation({ operationId: 'getWikiDocument', summary: 'The wiki as a self-contained HTML document (read access)' })
  @ApiProduces('text/html')
  @ApiIdParam('id', 'The wiki (wiki_id)')
  @ApiOkResponse(HTML_PAGE)
  @ApiProblem(404, 'Wiki not found')
  async wiki(@CurrentCaller() caller: Caller, @Param('id', ParseId) id: number, @Res() res: Response) {
    sendHtml(res, 200, await this.documents.forReader(caller.userId, 'wiki', id));
  }

  @Get('doc/projects/:id')
  @Public()
  @ApiOperation({
    operationId: 'getSignedProjectDocument',
    summary: "A project's document behind a signed link (a project's document_url); 403 page when expired or not valid",
  })
  @ApiProduces('text/html')
  @ApiOkResponse(HTML_PAGE)
  @ApiSignedLink('project')
  async signedProject(@Param('id') id: string, @Query('exp') exp: unknown, @Query('sig') sig: unknown, @Res() res: Response) {
    await this.signed(res, 'project', id, exp, sig);
  }

  @Get('doc/wikis/:id')
  @Public()
  @ApiOperation({
    operationId: 'getSignedWikiDocument',
    summary: "A wiki's document behind a signed link (a wiki's document_url); 403 page when expired or not valid",
  })
  @ApiProduces('text/html')
  @ApiOkResponse(HTML_PAGE)
  @ApiSignedLink('wiki')
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
