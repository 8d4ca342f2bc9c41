import { NotFoundError, ValidationFailedError } from '../common/domain-error.js';
import { ROLES, type Role, type User } from '../users/entities/user.entity.js';

/** Chinese names of the roles (DESIGN.md §1, §5). */
export const ROLE_LABELS: Readonly<Record<Role, string>> = {
  intake_officer: '信访举报受理',
  case_handler: '问题线索处置/审查调查',
  trial_reviewer: '案件审理',
  leader: '领导审批',
  registry_clerk: '数据比对',
  publisher: '通报发布',
  auditor: '审计查看',
  identity_custodian: '举报人身份保管',
  admin: '系统管理',
};

/** The account as the administration API shows it: no password hash, no session version. */
export interface UserView {
  id: number;
  username: string;
  displayName: string;
  roles: Role[];
  scopeRegionCode: string;
  scopeRegionLevel: number;
  scopePrefix: string;
  active: boolean;
  mustChangePassword: boolean;
  /** ISO-8601, UTC. */
  createdAt: string;
}

export function userView(u: User): UserView {
  return {
    id: u.id,
    username: u.username,
    displayName: u.displayName,
    roles: u.roleList(),
    scopeRegionCode: u.scopeRegionCode,
    scopeRegionLevel: u.scopeRegionLevel,
    scopePrefix: u.scopePrefix,
    active: u.active,
    mustChangePassword: u.mustChangePassword,
    createdAt: new Date(u.createdAt).toISOString(),
  };
}

/** Role checkboxes of a form: every role with its label and whether it is ticked. */
export function roleOptions(selected: readonly string[]): Array<{ value: Role; label: string; checked: boolean }> {
  return ROLES.map((r) => ({ value: r, label: ROLE_LABELS[r], checked: selected.includes(r) }));
}

/** A route's numeric id; anything else is simply not found. */
export function parseId(raw: string): number {
  const id = /^\d{1,10}$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(id) || id <= 0) throw new NotFoundError();
  return id;
}

/** A form field that may be sent once or many times (checkboxes) as a string list. */
export function asList(v: unknown): string[] {
  if (v === undefined || v === null || v === '') return [];
  return (Array.isArray(v) ? v : [v]).map((x) => String(x));
}

/**
 * Checks a JSON body for the API: an object with only `allowed` keys, each `required` one present.
 * @throws ValidationFailedError (422) naming unknown and missing fields in Chinese.
 */
export function checkJsonBody(body: unknown, allowed: readonly string[], required: readonly string[] = []): Record<string, unknown> {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw new ValidationFailedError({ body: '请求体应为 JSON 对象' });
  const fields: Record<string, string> = {};
  for (const k of Object.keys(body)) if (!allowed.includes(k)) fields[k] = '不允许的字段';
  for (const k of required) if ((body as Record<string, unknown>)[k] === undefined) fields[k] = '必填';
  if (Object.keys(fields).length) throw new ValidationFailedError(fields);
  return body as Record<string, unknown>;
}
