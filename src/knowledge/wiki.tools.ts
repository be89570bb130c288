import { Ctx, Payload } from '@nestjs/microservices';
import { McpContext, McpController, Tool } from '@rekog/mcp-nest';
import { z } from 'zod';
import { McpToolRunner } from '../mcp/mcp-tool-runner';
import { deleteTool, readTool, writeTool } from '../mcp/tool-annotations';
import { descriptionArg as description, pageArgs, rowIdArg, titleArg as title } from '../mcp/tool-args';
import { toolParams } from '../mcp/tool-params';
import {
  CreateWikiSectionArgs,
  PageArgs,
  TagSearchArgs,
  UpdateWikiArgs,
  UpdateWikiSectionArgs,
  WikiArgs,
  WikiSectionArgs,
} from './knowledge.tool-args';
import { WikiSectionsService } from './wiki-sections.service';
import { CreateWikiDto } from './wikis.dto';
import { WikisService } from './wikis.service';

const wikiId = rowIdArg('Wiki id');
const sectionId = rowIdArg('Section id');
const tags = z.array(z.string()).nullable().optional().describe('Tags (case-sensitive, at most 50 of 1-100 characters)');

const P = {
  page: toolParams(pageArgs, PageArgs),
  wiki: toolParams({ wiki_id: wikiId }, WikiArgs),
  createWiki: toolParams({ title, description }, CreateWikiDto),
  updateWiki: toolParams({ wiki_id: wikiId, title: title.optional(), description }, UpdateWikiArgs),
  section: toolParams({ wiki_id: wikiId, section_id: sectionId }, WikiSectionArgs),
  createSection: toolParams(
    { wiki_id: wikiId, title, description, parent_id: z.number().int().optional().describe('0 or a section of the same wiki'), tags },
    CreateWikiSectionArgs,
  ),
  updateSection: toolParams(
    { wiki_id: wikiId, section_id: sectionId, title: title.optional(), description, tags: tags.describe('Replaces the whole set; [] clears it') },
    UpdateWikiSectionArgs,
  ),
  tag: toolParams({ tag: z.string().describe('The exact tag (case-sensitive)'), ...pageArgs }, TagSearchArgs),
};

/** MCP tools for wikis, over the REST routes' services: shared wikis are seen and edited exactly as over REST. */
@McpController()
export class WikiTools {
  constructor(
    private readonly tools: McpToolRunner,
    private readonly wikis: WikisService,
    private readonly sections: WikiSectionsService,
  ) {}

  @Tool({
    name: 'get_wikis',
    description:
      'List the wikis of your user and those shared to it (shared reference documents), by wiki_id, with access, ' +
      'permission_level and document_url. Returns {wikis, total, limit, offset}.',
    parameters: P.page.advertised,
    annotations: readTool,
  })
  getWikis(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.tools.run(ctx, args, P.page, (a, call) => this.wikis.list(call.caller, a));
  }

  @Tool({
    name: 'get_wiki',
    description:
      'Read one wiki with all its sections and their tags, flat, ordered by (parent_id, section_id). Returns {wiki, ' +
      'sections}.',
    parameters: P.wiki.advertised,
    annotations: readTool,
  })
  getWiki(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.tools.run(ctx, args, P.wiki, (a, call) => this.wikis.get(call.caller, a.wiki_id));
  }

  @Tool({
    name: 'create_wiki',
    description: 'Create a wiki owned by your user. Returns {created: {wiki_id, title, ...}}.',
    parameters: P.createWiki.advertised,
    annotations: writeTool,
  })
  createWiki(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.tools.run(ctx, args, P.createWiki, (a, call) => this.wikis.create(call, a));
  }

  @Tool({
    name: 'update_wiki',
    description:
      "Change a wiki's title or description (owner or edit share); absent fields stay unchanged. Returns {updated: " +
      '{wiki_id, title, ...}}.',
    parameters: P.updateWiki.advertised,
    annotations: writeTool,
  })
  updateWiki(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.tools.run(ctx, args, P.updateWiki, (a, call) => this.wikis.update(call, a.wiki_id, a));
  }

  @Tool({
    name: 'delete_wiki',
    description:
      'Delete a wiki you own, with its sections, tags and shares. Returns {deleted: wiki_id, sections_deleted}.',
    parameters: P.wiki.advertised,
    annotations: deleteTool,
  })
  deleteWiki(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.tools.run(ctx, args, P.wiki, (a, call) => this.wikis.remove(call, a.wiki_id));
  }

  @Tool({
    name: 'create_wiki_section',
    description:
      'Add a section with tags to a wiki (owner or edit share); parent_id 0 or a section of the same wiki. Returns ' +
      '{created: {section_id, parent_id, title, tags, ...}}.',
    parameters: P.createSection.advertised,
    annotations: writeTool,
  })
  createWikiSection(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.tools.run(ctx, args, P.createSection, (a, call) => this.sections.create(call, a.wiki_id, a));
  }

  @Tool({
    name: 'get_wiki_section',
    description: 'Read one wiki section and its immediate children, with tags. Returns {section, children}.',
    parameters: P.section.advertised,
    annotations: readTool,
  })
  getWikiSection(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.tools.run(ctx, args, P.section, (a, call) => this.sections.get(call.caller, a.wiki_id, a.section_id));
  }

  @Tool({
    name: 'update_wiki_section',
    description:
      'Change a wiki section (owner or edit share); absent fields stay unchanged, tags replaces the whole set. ' +
      'Returns {updated: {section_id, title, ...}} (with tags when they were given).',
    parameters: P.updateSection.advertised,
    annotations: writeTool,
  })
  updateWikiSection(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.tools.run(ctx, args, P.updateSection, (a, call) => this.sections.update(call, a.wiki_id, a.section_id, a));
  }

  @Tool({
    name: 'delete_wiki_section',
    description:
      'Delete a wiki section with its subtree and tags (owner or full share). Returns {deleted: section_id, ' +
      'descendants_deleted}.',
    parameters: P.section.advertised,
    annotations: deleteTool,
  })
  deleteWikiSection(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.tools.run(ctx, args, P.section, (a, call) => this.sections.remove(call, a.wiki_id, a.section_id));
  }

  @Tool({
    name: 'get_wiki_tags',
    description: "A wiki's distinct tags, sorted, to find what to search for. Returns {wiki_id, tags}.",
    parameters: P.wiki.advertised,
    annotations: readTool,
  })
  getWikiTags(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.tools.run(ctx, args, P.wiki, (a, call) => this.wikis.tags(call.caller, a.wiki_id));
  }

  @Tool({
    name: 'search_wiki_tag',
    description:
      'Find the sections tagged exactly tag (case-sensitive) in every wiki you see (owned and shared), by (wiki_id, ' +
      'section_id). Returns {tag, sections, total, limit, offset}.',
    parameters: P.tag.advertised,
    annotations: readTool,
  })
  searchWikiTag(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.tools.run(ctx, args, P.tag, (a, call) => this.wikis.searchTag(call.caller, a.tag, a));
  }
}
