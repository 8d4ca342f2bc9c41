import { InitialIntake1764403200000 } from './1764403200000-initial-intake.js';
import { TimestampDefaults1764403900000 } from './1764403900000-timestamp-defaults.js';
import { Registry1764404000000 } from './1764404000000-registry.js';
import { AuditTrail1764404500000 } from './1764404500000-audit-trail.js';
import { Totp1764404600000 } from './1764404600000-totp.js';
import { Recusal1764404700000 } from './1764404700000-recusal.js';
import { AccessGrants1764405000000 } from './1764405000000-access-grants.js';
import { RevealRequests1764405100000 } from './1764405100000-reveal-requests.js';
import { Clues1764405300000 } from './1764405300000-clues.js';
import { Matters1764405310000 } from './1764405310000-matters.js';
import { CluesForAcceptedReports1764405320000 } from './1764405320000-clues-for-accepted-reports.js';
import { MatterListIndexes1764405400000 } from './1764405400000-matter-list-indexes.js';
import { InquiryLetters1764405600000 } from './1764405600000-inquiry-letters.js';
import { ReportOverdueIndexes1764405620000 } from './1764405620000-report-overdue-indexes.js';
import { DropRedundantClueIndex1764405640000 } from './1764405640000-drop-redundant-clue-index.js';
import { ClueSubjectPositionRole1764405645000 } from './1764405645000-clue-subject-position-role.js';
import { FeedbackOverdueIndex1764405660000 } from './1764405660000-feedback-overdue-index.js';

/** Every migration, in order. Committed migrations are never edited: add a new one. */
export const MIGRATIONS = [InitialIntake1764403200000, TimestampDefaults1764403900000, Registry1764404000000, AuditTrail1764404500000, Totp1764404600000, Recusal1764404700000, AccessGrants1764405000000, RevealRequests1764405100000, Clues1764405300000, Matters1764405310000, CluesForAcceptedReports1764405320000, MatterListIndexes1764405400000, InquiryLetters1764405600000, ReportOverdueIndexes1764405620000, DropRedundantClueIndex1764405640000, ClueSubjectPositionRole1764405645000, FeedbackOverdueIndex1764405660000];
