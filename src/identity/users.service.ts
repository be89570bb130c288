import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { Actor } from '../common/auth/actor';
import { AppError } from '../common/errors/app-error';
import { PageQuery } from '../common/http/paging';
import { canonicalTimeZone } from '../common/time-zone';
import { TIME_ZONE_RULE } from '../common/time-zone.validator';
import { APP_CONFIG, type AppConfig } from '../config/config';
import { AgentKeyCache } from './agent-key-cache';
import { UserDto, UserListDto } from './admin.dto';
import { toUserView } from './identity.views';
import { UserEntity } from './user.entity';
import { UsersRepository } from './users.repository';

export interface CreateUserInput {
  name: string;
  email?: string | null;
  timezone?: string | null;
}

@Injectable()
export class UsersService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly users: UsersRepository,
    private readonly audit: AuditService,
    private readonly keyCache: AgentKeyCache,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async create(input: CreateUserInput, actor: Actor): Promise<UserDto> {
    const timezone = canonicalTimeZone(input.timezone ?? this.config.defaultTimeZone);
    if (!timezone) {
      throw AppError.validation(`timezone ${TIME_ZONE_RULE}`, [{ field: 'timezone', message: TIME_ZONE_RULE }]);
    }
    return this.db.transaction(async (em) => {
      const user = await this.users.insert(em, { name: input.name, email: input.email ?? null, timezone });
      await this.audit.record(em, actor, { userId: user.id, eventType: 'USER_CREATE', subject: user.name });
      return toUserView(user);
    });
  }

  async list(page: PageQuery): Promise<UserListDto> {
    const [rows, total] = await this.users.page(this.db.manager, page);
    return { users: rows.map(toUserView), total, limit: page.limit, offset: page.offset };
  }

  async get(id: string): Promise<UserEntity> {
    const user = await this.users.get(this.db.manager, id);
    if (!user) throw AppError.notFound('User not found');
    return user;
  }

  async getByName(name: string): Promise<UserEntity> {
    const user = await this.users.getByName(this.db.manager, name.toLowerCase());
    if (!user) throw AppError.notFound(`User '${name}' not found`);
    return user;
  }

  /** Erases the user, everything they own (by cascade) and their tenant's audit trail. */
  async remove(id: string, actor: Actor): Promise<void> {
    await this.db.transaction(async (em) => {
      const user = await this.users.lockForDelete(em, id);
      if (!user) throw AppError.notFound('User not found');
      await this.audit.eraseTenant(em, id);
      await this.users.remove(em, id);
      await this.audit.record(em, actor, {
        userId: null,
        eventType: 'USER_DELETE',
        subject: id,
        meta: { name: user.name },
      });
    });
    this.keyCache.forget((c) => c.userId === id);
  }
}
