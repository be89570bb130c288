import { MigrationInterface, QueryRunner } from 'typeorm';

const STATUSES: [number, string, string][] = [
  [1, 'planning', 'Planning'],
  [2, 'active', 'Active'],
  [3, 'on_hold', 'On Hold'],
  [4, 'evolving', 'Evolving'],
  [5, 'complete', 'Complete'],
  [6, 'archived', 'Archived'],
];

/**
 * LucyAPI's user-scoped knowledge: projects with section trees, wikis with
 * tagged section trees, hint categories (root hints) with their hints, nudges,
 * and cross-user shares. Integer ids as the original API exposes them; every
 * cascade is declared here, including shares (one nullable foreign key per
 * shareable type, so deleting an object deletes the shares pointing at it).
 */
export class UserKnowledge1795323600000 implements MigrationInterface {
  name = 'UserKnowledge1795323600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE project_statuses (
        status_id smallint PRIMARY KEY,
        code varchar(20) NOT NULL UNIQUE,
        label varchar(50) NOT NULL,
        sort_order smallint NOT NULL
      )`);
    for (const [id, code, label] of STATUSES) {
      await q.query(`INSERT INTO project_statuses (status_id, code, label, sort_order) VALUES ($1, $2, $3, $1)`, [id, code, label]);
    }

    await q.query(`
      CREATE TABLE projects (
        project_id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        title varchar(500) NOT NULL,
        description text CHECK (char_length(description) <= 100000),
        status_id smallint NOT NULL DEFAULT 1 REFERENCES project_statuses (status_id),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX projects_user_idx ON projects (user_id, project_id)`);
    await q.query(`
      CREATE TABLE project_sections (
        section_id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        project_id integer NOT NULL REFERENCES projects (project_id) ON DELETE CASCADE,
        parent_id integer NOT NULL DEFAULT 0 CHECK (parent_id >= 0),
        title varchar(500) NOT NULL,
        description text CHECK (char_length(description) <= 100000),
        file_path varchar(1000),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX project_sections_tree_idx ON project_sections (project_id, parent_id, section_id)`);

    await q.query(`
      CREATE TABLE wikis (
        wiki_id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        title varchar(500) NOT NULL,
        description text CHECK (char_length(description) <= 100000),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX wikis_user_idx ON wikis (user_id, wiki_id)`);
    await q.query(`
      CREATE TABLE wiki_sections (
        section_id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        wiki_id integer NOT NULL REFERENCES wikis (wiki_id) ON DELETE CASCADE,
        parent_id integer NOT NULL DEFAULT 0 CHECK (parent_id >= 0),
        title varchar(500) NOT NULL,
        description text CHECK (char_length(description) <= 100000),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX wiki_sections_tree_idx ON wiki_sections (wiki_id, parent_id, section_id)`);
    await q.query(`
      CREATE TABLE wiki_section_tags (
        section_id integer NOT NULL REFERENCES wiki_sections (section_id) ON DELETE CASCADE,
        tag varchar(100) NOT NULL CHECK (char_length(tag) >= 1),
        PRIMARY KEY (section_id, tag)
      )`);
    await q.query(`CREATE INDEX wiki_section_tags_tag_idx ON wiki_section_tags (tag, section_id)`);

    // A root hint is a category: hint_category_id is its own id; children carry their root's.
    await q.query(`
      CREATE TABLE hints (
        hint_id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        parent_id integer NOT NULL DEFAULT 0 CHECK (parent_id >= 0),
        hint_category_id integer NOT NULL REFERENCES hints (hint_id) ON DELETE CASCADE,
        title varchar(500) NOT NULL,
        description text CHECK (char_length(description) <= 100000),
        sort_order integer NOT NULL DEFAULT 0,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT hints_root_is_category CHECK ((parent_id = 0) = (hint_category_id = hint_id))
      )`);
    await q.query(`CREATE INDEX hints_user_idx ON hints (user_id, parent_id, hint_id)`);
    await q.query(`CREATE INDEX hints_category_idx ON hints (hint_category_id, parent_id, hint_id)`);

    await q.query(`
      CREATE TABLE object_types (
        object_type_id smallint PRIMARY KEY,
        name varchar(50) NOT NULL UNIQUE
      )`);
    await q.query(`INSERT INTO object_types (object_type_id, name) VALUES (1, 'project'), (2, 'hint'), (3, 'wiki')`);
    await q.query(`
      CREATE TABLE shared_objects (
        share_id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        shared_by_user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        shared_to_user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        object_type_id smallint NOT NULL REFERENCES object_types (object_type_id),
        project_id integer REFERENCES projects (project_id) ON DELETE CASCADE,
        hint_id integer REFERENCES hints (hint_id) ON DELETE CASCADE,
        wiki_id integer REFERENCES wikis (wiki_id) ON DELETE CASCADE,
        object_id integer GENERATED ALWAYS AS (coalesce(project_id, hint_id, wiki_id)) STORED,
        permission_level smallint NOT NULL DEFAULT 1 CHECK (permission_level BETWEEN 1 AND 3),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT shared_objects_not_to_self CHECK (shared_by_user_id <> shared_to_user_id),
        CONSTRAINT shared_objects_one_object CHECK (
          (object_type_id = 1 AND project_id IS NOT NULL AND hint_id IS NULL AND wiki_id IS NULL) OR
          (object_type_id = 2 AND hint_id IS NOT NULL AND project_id IS NULL AND wiki_id IS NULL) OR
          (object_type_id = 3 AND wiki_id IS NOT NULL AND project_id IS NULL AND hint_id IS NULL))
      )`);
    await q.query(`CREATE UNIQUE INDEX shared_objects_recipient_key ON shared_objects (shared_to_user_id, object_type_id, object_id)`);
    await q.query(`CREATE INDEX shared_objects_sharer_idx ON shared_objects (shared_by_user_id, object_type_id, object_id)`);
    // Foreign keys of the cascades need their own indexes (deletes look the shares up by object).
    for (const column of ['project_id', 'hint_id', 'wiki_id']) {
      await q.query(`CREATE INDEX shared_objects_${column}_idx ON shared_objects (${column}) WHERE ${column} IS NOT NULL`);
    }

    await q.query(`
      CREATE TABLE nudges (
        nudge_id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        title varchar(500) NOT NULL,
        description text CHECK (char_length(description) <= 100000),
        due_date date,
        last_reminded timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX nudges_user_due_idx ON nudges (user_id, due_date NULLS FIRST, nudge_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of [
      'nudges',
      'shared_objects',
      'object_types',
      'hints',
      'wiki_section_tags',
      'wiki_sections',
      'wikis',
      'project_sections',
      'projects',
      'project_statuses',
    ]) {
      await q.query(`DROP TABLE ${table}`);
    }
  }
}
