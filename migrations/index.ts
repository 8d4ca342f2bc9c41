import { InitialIntake1764403200000 } from './1764403200000-initial-intake.js';
import { Registry1764404000000 } from './1764404000000-registry.js';

/** Every migration, in order. Committed migrations are never edited: add a new one. */
export const MIGRATIONS = [InitialIntake1764403200000, Registry1764404000000];
