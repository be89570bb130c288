import 'reflect-metadata';
import { DynamicModule, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { randomUUID } from 'node:crypto';
import { AuditLogModule } from '../audit/audit-log.module';
import { AuditLogService } from '../audit/audit-log.service';
import { AuditSealer } from '../audit/audit-sealer';
import { AuditModule } from '../audit/audit.module';
import { operatorActor } from '../common/auth/actor';
import { toAppError } from '../common/errors/to-app-error';
import { ConfigError, type AppConfig } from '../config/config';
import { ConfigModule } from '../config/config.module';
import { DatabaseModule } from '../database/database.module';
import { openEmbeddedDatabase } from '../database/embedded-postgres';
import { AgentKeysService } from '../identity/agent-keys.service';
import { CreateAgentDto, CreateKeyDto, CreateUserDto } from '../identity/admin.dto';
import { AgentsService } from '../identity/agents.service';
import { ParseUuid, validateDto } from '../common/http/validation';
import { IdentityModule } from '../identity/identity.module';
import { UsersService } from '../identity/users.service';
import { KeyRing, resolveKeyRing } from '../secrets/key-ring';
import { ImportError, readLucyApiExport } from '../secrets/lucyapi-import';
import { SecretsModule } from '../secrets/secrets.module';
import { SecretsService } from '../secrets/secrets.service';
import type { CliInvocation } from './args';
import { describeDatabase } from './database-target';

@Module({})
class CliModule {
  static forRoot(config: AppConfig, databaseUrl: string, ring: KeyRing | null): DynamicModule {
    return {
      module: CliModule,
      imports: [
        ConfigModule.forRoot(config),
        DatabaseModule.forRoot(databaseUrl),
        AuditModule,
        IdentityModule,
        SecretsModule.forRoot(ring, { api: false }),
        AuditLogModule.forRoot({ background: false }),
      ],
    };
  }
}

/**
 * Runs a command on the database. src/cli.ts has read the command line and the
 * configuration before it loads this module (and with it Nest), so that
 * `--help` and the refusals come fast.
 */
export async function runCommand(invocation: Extract<CliInvocation, { kind: 'run' }>, config: AppConfig): Promise<void> {
  const { command, args, options: values } = invocation;
  const ring = resolveKeyRing(config, !config.databaseUrl);
  process.stderr.write(`${describeDatabase(config)}\n`);
  const embedded = config.databaseUrl ? undefined : await openEmbeddedDatabase({ home: config.home, role: 'client' });
  const app = await NestFactory.createApplicationContext(CliModule.forRoot(config, config.databaseUrl ?? embedded!.url, ring), {
    logger: ['error', 'warn'],
    abortOnError: false,
  });
  const actor = operatorActor('cli', `cli-${randomUUID()}`);
  const users = app.get(UsersService);
  const agents = app.get(AgentsService);
  const keys = app.get(AgentKeysService);
  try {
    switch (command.name) {
      case 'user:create': {
        const [name] = args;
        const input = await validateDto(CreateUserDto, { name, email: values.email, timezone: values.timezone });
        const user = await users.create(input, actor);
        console.log(`Created user ${user.name} (${user.id}, timezone ${user.timezone})`);
        break;
      }
      case 'user:list': {
        const { users: list, total } = await users.list({ limit: 1000, offset: 0 });
        for (const u of list) console.log(`${u.id}  ${u.name.padEnd(24)} ${u.timezone.padEnd(20)} ${u.email ?? ''}`);
        console.log(`${total} user(s)`);
        break;
      }
      case 'agent:create': {
        const [userName, agentName] = args;
        const user = await users.getByName(userName);
        const input = await validateDto(CreateAgentDto, { name: agentName });
        const agent = await agents.create(user.id, input.name, actor);
        console.log(`Created agent ${agent.name} (${agent.id}) for user ${user.name}`);
        console.log(`Key id: ${agent.key_id}`);
        console.log(`Agent key (shown once): ${agent.api_key}`);
        break;
      }
      case 'key:create': {
        const [agentName] = args;
        const agent = await agents.getByName(agentName);
        const input = await validateDto(CreateKeyDto, { label: values.label });
        const key = await keys.issue(agent.id, input.label ?? null, actor);
        console.log(`Key id: ${key.id}`);
        console.log(`Agent key (shown once): ${key.api_key}`);
        break;
      }
      case 'key:revoke': {
        const [agentName, keyId] = args;
        const agent = await agents.getByName(agentName);
        await keys.revoke(agent.id, new ParseUuid().transform(keyId, { type: 'param', data: 'KEY_ID' }), actor);
        console.log(`Revoked key ${keyId} of agent ${agent.name}`);
        break;
      }
      case 'secrets:rewrap': {
        const { rewrapped, failed } = await app.get(SecretsService).rewrap(actor);
        console.log(`Rewrapped ${rewrapped} secret(s) under key id ${ring!.newest.id}`);
        if (failed) {
          process.exitCode = 1;
          console.error(`${failed} secret(s) could not be decrypted with the configured keys (see SECRET_DECRYPT_FAILED in the audit log)`);
        }
        break;
      }
      case 'secrets:import-lucyapi': {
        const [file] = args;
        // Both options are required: parseCommandLine checked them.
        const user = await users.getByName(values.user!);
        const entries = readLucyApiExport(file, values['key-file']!);
        const { created, replaced } = await app.get(SecretsService).importValues(user.id, entries, actor);
        console.log(`Imported ${entries.length} secret(s) for user ${user.name} (${created} new, ${replaced} replaced) under key id ${ring!.newest.id}`);
        break;
      }
      case 'audit:verify': {
        await app.get(AuditSealer).sealNow();
        const auditLog = app.get(AuditLogService);
        const chains = args.length ? [await users.getByName(args[0])] : [...(await allUsers(users)), { id: null, name: '(operator)' }];
        let bad = 0;
        for (const chain of chains) {
          const result = await auditLog.verify(chain.id);
          if (!result.ok) bad += 1;
          const outcome = result.ok ? 'ok      ' : `ALTERED first bad seq ${result.first_bad_seq}, `;
          console.log(`${outcome}${chain.name}: ${result.events_checked} event(s) checked through seq ${result.sealed_through_seq}`);
        }
        if (bad) {
          process.exitCode = 1;
          console.error(`${bad} chain(s) do not verify`);
        }
        break;
      }
    }
  } finally {
    await app.close();
    await embedded?.stop();
  }
}

async function allUsers(users: UsersService): Promise<{ id: string; name: string }[]> {
  const all: { id: string; name: string }[] = [];
  for (let offset = 0; ; offset += 1000) {
    const { users: page } = await users.list({ limit: 1000, offset });
    all.push(...page);
    if (page.length < 1000) return all;
  }
}

/** Prints a failed command's error on stderr; returns the exit code. */
export function reportError(err: unknown): number {
  if (err instanceof ConfigError || err instanceof ImportError) {
    console.error(err.message);
  } else {
    // The same mapping as the HTTP API: constraint violations become clear messages.
    const { error, internal } = toAppError(err);
    console.error(internal && err instanceof Error ? (err.stack ?? err.message) : `Error: ${error.detail}`);
  }
  return 1;
}
