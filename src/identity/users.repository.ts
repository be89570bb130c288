import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { PageQuery } from '../common/http/paging';
import { UserEntity } from './user.entity';

/** Data access for users (tenants); the admin API's and the CLI's lookups. */
@Injectable()
export class UsersRepository {
  insert(em: EntityManager, f: { name: string; email: string | null; timezone: string }): Promise<UserEntity> {
    return em.save(em.create(UserEntity, f));
  }

  /** A page of users by name, and the total. */
  page(em: EntityManager, page: PageQuery): Promise<[UserEntity[], number]> {
    return em.findAndCount(UserEntity, { order: { name: 'ASC' }, take: page.limit, skip: page.offset });
  }

  get(em: EntityManager, id: string): Promise<UserEntity | null> {
    return em.findOneBy(UserEntity, { id });
  }

  /** By name (already normalised). */
  getByName(em: EntityManager, name: string): Promise<UserEntity | null> {
    return em.findOneBy(UserEntity, { name });
  }

  /** The user, locked until the transaction ends (before erasing them), or null. */
  lockForDelete(em: EntityManager, id: string): Promise<UserEntity | null> {
    return em.findOne(UserEntity, { where: { id }, lock: { mode: 'pessimistic_write' } });
  }

  /** Deletes the user; everything they own goes by cascade. */
  async remove(em: EntityManager, id: string): Promise<void> {
    await em.delete(UserEntity, { id });
  }
}
