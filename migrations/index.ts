import { Identity1795219200000 } from './1795219200000-Identity';

/** Every migration, oldest first. Class references (no globs) work the same in ts-jest and dist/. */
export const MIGRATIONS = [Identity1795219200000];
