import { DynamicModule, Injectable, Module, OnModuleInit } from '@nestjs/common';
import { InjectDataSource, TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { dataSourceOptions, runMigrations } from './data-source';

@Injectable()
class MigrationsOnBoot implements OnModuleInit {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  onModuleInit(): Promise<void> {
    return runMigrations(this.dataSource);
  }
}

@Module({})
export class DatabaseModule {
  static forRoot(databaseUrl: string): DynamicModule {
    return {
      module: DatabaseModule,
      global: true,
      // Entities are registered by their feature modules (TypeOrmModule.forFeature), so the database layer imports no feature.
      imports: [TypeOrmModule.forRoot({ ...dataSourceOptions(databaseUrl), autoLoadEntities: true, retryAttempts: 3, retryDelay: 1000 })],
      providers: [MigrationsOnBoot],
    };
  }
}
