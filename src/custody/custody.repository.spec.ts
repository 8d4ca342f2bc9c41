import { describe, expect, it } from '@jest/globals';
import { revealState } from './custody.repository.js';

describe('revealState', () => {
  const now = new Date('2026-11-29T12:00:00.000Z');
  it('keeps pending and refused as stored', () => {
    expect(revealState({ status: 'pending', expiresAt: null }, now)).toBe('pending');
    expect(revealState({ status: 'refused', expiresAt: null }, now)).toBe('refused');
  });
  it('is approved only strictly before the end of the reveal', () => {
    expect(revealState({ status: 'approved', expiresAt: new Date(now.getTime() + 1) }, now)).toBe('approved');
    expect(revealState({ status: 'approved', expiresAt: now }, now)).toBe('expired');
    expect(revealState({ status: 'approved', expiresAt: new Date(now.getTime() - 3600_000) }, now)).toBe('expired');
  });
  it('treats an approval without an end as expired (fails closed)', () => {
    expect(revealState({ status: 'approved', expiresAt: null }, now)).toBe('expired');
  });
});
