import { Ctx, Payload } from '@nestjs/microservices';
import { McpContext, McpController, Tool } from '@rekog/mcp-nest';
import { z } from 'zod';
import { McpToolRunner } from '../mcp/mcp-tool-runner';
import { deleteTool, readTool, writeTool } from '../mcp/tool-annotations';
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

const wikiId = z.number().int().describe('Wiki id');
const sectionId = z.number().int().describe('Section id');
const title = z.string().describe('Title (1-500 characters)');
const description = z.string().nullable().optional().describe('Text; null clears it on update');
const tags = z.array(z.string()).nullable().optional().describe('Tags (case-sensitive, at most 50 of 1-100 characters)');
const page = { limit: z.number().int().optional(), offset: z.number().int().optional() };

const P = {
  page: toolParams(page, PageArgs),
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
  tag: toolParams({ tag: z.string().describe('The exact tag (case-sensitive)'), ...page }, TagSearchArgs),
};

/** MCP tools for wikis, over the REST routes' services: shared wikis are seen and edited exactly as over REST. */
@McpController()
export class WikiTools {
  constructor(
    private readonly tools: McpToolRunner,
    private readonly wikis: WikisService,
    private readonly sections: WikiSectionsService,
  ) {}

  @Tool({ name: 'get_wikis', description: 'Wikis of your user and those shared to it (access, permission_level).', parameters: P.page.advertised, annotations: readTool })
  getWikis(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.tools.run(ctx, args, P.page, (a, call) => this.wikis.list(call.caller, a));
  }

  @Tool({ name: 'get_wiki', description: 'A wiki with all its sections and their tags (flat).', parameters: P.wiki.advertised, annotations: readTool })
  getWiki(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.tools.run(ctx, args, P.wiki, (a, call) => this.wikis.get(call.caller, a.wiki_id));
  }

  @Tool({ name: 'create_wiki', description: 'Create a wiki owned by your user.', parameters: P.createWiki.advertised, annotations: writeTool })
  createWiki(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.tools.run(ctx, args, P.createWiki, (a, call) => this.wikis.create(call, a));
  }

  @Tool({ name: 'update_wiki', description: 'Update a wiki title or description (owner or edit share).', parameters: P.updateWiki.advertised, annotations: writeTool })
  updateWiki(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.tools.run(ctx, args, P.updateWiki, (a, call) => this.wikis.update(call, a.wiki_id, a));
  }

  @Tool({ name: 'delete_wiki', description: 'Delete a wiki with its sections, tags and shares (owner only).', parameters: P.wiki.advertised, annotations: deleteTool })
  deleteWiki(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.tools.run(ctx, args, P.wiki, (a, call) => this.wikis.remove(call, a.wiki_id));
  }

  @Tool({ name: 'create_wiki_section', description: 'Add a tagged section to a wiki (owner or edit share).', parameters: P.createSection.advertised, annotations: writeTool })
  createWikiSection(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.tools.run(ctx, args, P.createSection, (a, call) => this.sections.create(call, a.wiki_id, a));
  }

  @Tool({ name: 'get_wiki_section', description: 'A wiki section and its immediate children, with tags.', parameters: P.section.advertised, annotations: readTool })
  getWikiSection(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.tools.run(ctx, args, P.section, (a, call) => this.sections.get(call.caller, a.wiki_id, a.section_id));
  }

  @Tool({ name: 'update_wiki_section', description: 'Update a wiki section; tags replaces the set (owner or edit share).', parameters: P.updateSection.advertised, annotations: writeTool })
  updateWikiSection(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.tools.run(ctx, args, P.updateSection, (a, call) => this.sections.update(call, a.wiki_id, a.section_id, a));
  }

  @Tool({ name: 'delete_wiki_section', description: 'Delete a wiki section with its subtree (owner or full share).', parameters: P.section.advertised, annotations: deleteTool })
  deleteWikiSection(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.tools.run(ctx, args, P.section, (a, call) => this.sections.remove(call, a.wiki_id, a.section_id));
  }

  @Tool({ name: 'get_wiki_tags', description: "A wiki's distinct tags, sorted.", parameters: P.wiki.advertised, annotations: readTool })
  getWikiTags(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.tools.run(ctx, args, P.wiki, (a, call) => this.wikis.tags(call.caller, a.wiki_id));
  }

  @Tool({ name: 'search_wiki_tag', description: 'Sections tagged exactly tag in the wikis you see (owned and shared).', parameters: P.tag.advertised, annotations: readTool })
  searchWikiTag(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.tools.run(ctx, args, P.tag, (a, call) => this.wikis.searchTag(call.caller, a.tag, a));
  }
}
