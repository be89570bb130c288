import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { operatorActor } from '../common/auth/actor';
import { AppError } from '../common/errors/app-error';
import { AgentsService } from './agents.service';
import { UsersService } from './users.service';
import { UserEntity } from './user.entity';

export const DEMO_USER = 'demo';
export const DEMO_AGENT = 'assistant';

/**
 * On the first start of an empty database: user `demo` with agent `assistant`.
 * Returns the new agent's key (to be shown once), or null when users exist.
 */
export async function seedDemoIfEmpty(
  db: DataSource,
  users: UsersService,
  agents: AgentsService,
): Promise<{ apiKey: string } | null> {
  if ((await db.getRepository(UserEntity).count()) > 0) return null;
  const actor = operatorActor('system', randomUUID());
  try {
    const user = await users.create({ name: DEMO_USER }, actor);
    const agent = await agents.create(user.id, DEMO_AGENT, actor);
    return { apiKey: agent.api_key };
  } catch (err) {
    // Another replica seeded first.
    if (err instanceof AppError && err.status === 409) return null;
    throw err;
  }
}
