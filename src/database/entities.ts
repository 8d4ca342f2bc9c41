import { Region } from '../regions/entities/region.entity.js';
import { Office } from '../regions/entities/office.entity.js';
import { HolidayScheduleDay } from '../regions/entities/holiday-schedule.entity.js';
import { AppSetting } from '../settings/setting.entity.js';
import { User } from '../users/entities/user.entity.js';
import { SessionRecord } from '../auth/entities/session.entity.js';
import { TotpCredential } from '../auth/entities/totp-credential.entity.js';
import { RecoveryCode } from '../auth/entities/recovery-code.entity.js';
import { Report } from '../reports/entities/report.entity.js';
import { ReportSubject } from '../reports/entities/report-subject.entity.js';
import { ReportBeneficiary } from '../reports/entities/report-beneficiary.entity.js';
import { ReporterIdentity } from '../reports/entities/reporter-identity.entity.js';
import { Attachment } from '../reports/entities/attachment.entity.js';
import { ReportMessage } from '../reports/entities/report-message.entity.js';
import { ReportEvent } from '../reports/entities/report-event.entity.js';
import { AuditEvent } from '../audit/entities/audit-event.entity.js';
import { AuditChainHead } from '../audit/entities/audit-chain-head.entity.js';
import { CaptchaChallenge } from '../abuse/entities/captcha-challenge.entity.js';
import { RateLimitBucket } from '../abuse/entities/rate-limit-bucket.entity.js';
import { Person } from '../registry/entities/person.entity.js';
import { Official } from '../registry/entities/official.entity.js';
import { KinRelation } from '../registry/entities/kin-relation.entity.js';
import { Household } from '../registry/entities/household.entity.js';
import { HouseholdMember } from '../registry/entities/household-member.entity.js';
import { ApprovalRecord } from '../registry/entities/approval-record.entity.js';
import { Finding } from '../registry/entities/finding.entity.js';
import { ImportJob } from '../registry/entities/import-job.entity.js';
import { ImportRejection } from '../registry/entities/import-rejection.entity.js';
import { MatchRun } from '../registry/entities/match-run.entity.js';
import { Recusal } from '../recusal/entities/recusal.entity.js';
import { Clue } from '../clues/entities/clue.entity.js';
import { ClueSubject } from '../clues/entities/clue-subject.entity.js';
import { ClueBeneficiary } from '../clues/entities/clue-beneficiary.entity.js';
import { ClueReport } from '../clues/entities/clue-report.entity.js';
import { ClueEvent } from '../clues/entities/clue-event.entity.js';
import { RevealRequest } from '../custody/entities/reveal-request.entity.js';
import { MatterProposal } from '../clues/entities/matter-proposal.entity.js';
import { ClueRecusal } from '../clues/entities/clue-recusal.entity.js';
import { ReportFeedback } from '../clues/entities/report-feedback.entity.js';
import { InquiryLetter } from '../clues/entities/inquiry-letter.entity.js';
import { Case } from '../cases/entities/case.entity.js';
import { CaseNumberCounter } from '../cases/entities/case-number-counter.entity.js';
import { EntitlementChange, MatterOutcome, NameClearing, Rectification, Recovery, SanctionReview } from '../cases/entities/outcomes.entity.js';
import { AccessGrant } from '../access/entities/access-grant.entity.js';

/** Every entity of the portal (one list: app, CLI and tests). */
export const ALL_ENTITIES = [
  Region,
  Office,
  HolidayScheduleDay,
  AppSetting,
  User,
  SessionRecord,
  TotpCredential,
  RecoveryCode,
  Report,
  ReportSubject,
  ReportBeneficiary,
  ReporterIdentity,
  Attachment,
  ReportMessage,
  ReportEvent,
  AuditEvent,
  AuditChainHead,
  CaptchaChallenge,
  RateLimitBucket,
  Person,
  Official,
  KinRelation,
  Household,
  HouseholdMember,
  ApprovalRecord,
  Finding,
  ImportJob,
  ImportRejection,
  MatchRun,
  Recusal,
  Clue,
  ClueSubject,
  ClueBeneficiary,
  ClueReport,
  ClueEvent,
  RevealRequest,
  MatterProposal,
  ClueRecusal,
  ReportFeedback,
  InquiryLetter,
  Case,
  CaseNumberCounter,
  MatterOutcome,
  Recovery,
  EntitlementChange,
  Rectification,
  NameClearing,
  SanctionReview,
  AccessGrant,
];
