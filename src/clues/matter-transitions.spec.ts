import { describe, expect, it } from '@jest/globals';
import { MATTER_STATUSES, type MatterStatus } from './clue-enums.js';
import { FINAL_STATUSES, MATTER_TRANSITIONS, STATE_CLOCKS, allowedNowMessage, transitionOf, transitionsFrom } from './matter-transitions.js';
import { MATTER_CLOCKS } from './matter-clocks.js';

/** The state table of DESIGN.md §4, as data: its shape is checked here. */
describe('matter state table', () => {
  const edges = MATTER_TRANSITIONS.flatMap((t) => t.to.map((to) => `${t.from}→${to}`)).sort();

  it('has exactly the edges of DESIGN.md §4', () => {
    expect(edges).toEqual(
      [
        'registered→disposal_proposed',
        'disposal_proposed→talk_inquiry',
        'disposal_proposed→preliminary_verification',
        'disposal_proposed→held',
        'disposal_proposed→concluded',
        'talk_inquiry→concluded',
        'talk_inquiry→preliminary_verification',
        'preliminary_verification→case_filed',
        'preliminary_verification→concluded',
        'preliminary_verification→held',
        'preliminary_verification→transferred',
        'held→preliminary_verification',
        'held→talk_inquiry',
        'held→concluded',
        'case_filed→investigation',
        'investigation→trial',
        'investigation→withdrawn',
        'trial→returned',
        'trial→decided',
        'returned→investigation',
        'decided→closed',
      ].sort(),
    );
  });

  it('needs a leader for disposal plans, filing, withdrawal and closing — never the proposer', () => {
    expect(MATTER_TRANSITIONS.filter((t) => t.approval === 'leader').map((t) => t.action).sort()).toEqual(['close', 'file_case', 'withdraw']);
    expect(transitionOf('approve_disposal')).toMatchObject({ roles: ['leader'], notBy: 'disposal_proposer' });
    expect(transitionOf('decide')?.roles).toEqual(['trial_reviewer']);
    expect(transitionOf('return_case')?.roles).toEqual(['trial_reviewer']);
  });

  it('every action is unique, every state but the final ones has a way out, final ones have none', () => {
    expect(new Set(MATTER_TRANSITIONS.map((t) => t.action)).size).toBe(MATTER_TRANSITIONS.length);
    for (const s of Object.keys(MATTER_STATUSES) as MatterStatus[]) {
      expect([s, transitionsFrom(s).length > 0]).toEqual([s, !FINAL_STATUSES.includes(s)]);
    }
  });

  it('state clocks are clocks of the table', () => {
    for (const c of Object.values(STATE_CLOCKS)) expect(Object.keys(MATTER_CLOCKS)).toContain(c);
  });

  it('says what is allowed now, in Chinese', () => {
    expect(allowedNowMessage('preliminary_verification')).toBe(
      '当前状态为“初步核实”，可进行：立案（承办人提出，须领导批准）、初核后了结（承办人）、初核后暂存待查（承办人）、移交有关机关或部门（承办人）。',
    );
    expect(allowedNowMessage('closed')).toBe('当前状态为“已结案”，办理已终结，不能再变更状态。');
  });
});
