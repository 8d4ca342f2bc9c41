import { InitialIntake1764403200000 } from './1764403200000-initial-intake.js';

/** Every migration, in order. Committed migrations are never edited: add a new one. */
export const MIGRATIONS = [InitialIntake1764403200000];
