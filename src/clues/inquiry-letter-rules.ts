import type { EntityManager } from 'typeorm';
import { InvalidStateError } from '../common/domain-error.js';
import type { User } from '../users/entities/user.entity.js';
import type { Clue } from './entities/clue.entity.js';
import { InquiryLetter } from './entities/inquiry-letter.entity.js';

/** Noon in Asia/Shanghai of calendar date `d` (`YYYY-MM-DD`): the instant a date-only event (签收) starts a clock from. */
export function shanghaiNoon(d: string): Date {
  return new Date(`${d}T12:00:00+08:00`);
}

/** The letters of clue `clueId` whose reply is not recorded yet (open letters), oldest first. */
export function openInquiryLetters(m: EntityManager, clueId: number): Promise<InquiryLetter[]> {
  return m.getRepository(InquiryLetter).createQueryBuilder('l').where('l.clue_id = :clueId AND l.replied_on IS NULL', { clueId }).orderBy('l.id', 'ASC').getMany();
}

/**
 * Whether 谈话函询 may end now with `action` (`conclude_talk` or `escalate_talk`) given the clue's inquiry
 * letters. The situation report (情况报告) is written after the talk or after the written reply to the
 * letter (中国共产党纪律检查机关监督执纪工作规则 2019 art. 29: “谈话结束或者收到函询回复后1个月内写出情况报告”),
 * and the subject has 15 working days from receipt to reply (art. 28). So:
 * - `conclude_talk` (了结: 予以澄清 / 第一种形态) is refused while any letter awaits its reply — a conclusion
 *   cannot rest on a reply not yet received;
 * - `escalate_talk` (转初步核实) is refused while a letter awaits a reply that is still within its period;
 *   once every open letter's reply is overdue (the subject did not answer in time), escalation to
 *   初步核实 is allowed — the unanswered letters stay on the record as not replied, and leave the overdue
 *   list because the matter is no longer in 谈话函询. A letter whose receipt (签收) is not recorded
 *   holds escalation back only for the reply period counted from its sending (`undeliveredDue`), so a
 *   subject who will not sign for the letter cannot hold the matter in 谈话函询 for ever.
 * Other actions pass.
 * @param today `YYYY-MM-DD` (Asia/Shanghai); a reply due date ends at 24:00 of that day.
 * @param undeliveredDue the reply period's end counted from sending (`YYYY-MM-DD`), for a letter without 签收.
 * @throws InvalidStateError 409 `inquiry_reply_pending` with a Chinese message naming the letters' state.
 */
export async function assertTalkMayEnd(m: EntityManager, clue: Pick<Clue, 'id'>, action: string, today: string, undeliveredDue: (sentOn: string) => string): Promise<void> {
  if (action !== 'conclude_talk' && action !== 'escalate_talk') return;
  const open = await openInquiryLetters(m, clue.id);
  if (!open.length) return;
  if (action === 'conclude_talk') {
    throw new InvalidStateError(`尚有 ${open.length} 份函询函未收到回复，收到书面回复并登记后才能写出情况报告、予以了结（监督执纪工作规则第二十九条）。`, 'inquiry_reply_pending');
  }
  const waiting = open.filter((l) => (l.replyDue ?? undeliveredDue(l.sentOn)) >= today);
  if (waiting.length) {
    throw new InvalidStateError(`尚有 ${waiting.length} 份函询函在回复期限内（未登记签收的自发出之日起计算），收到回复或回复期限届满后才能转初步核实。`, 'inquiry_reply_pending');
  }
}

/**
 * Whether `user` may record inquiry-letter steps on `clue` now (the matter page shows the forms only
 * then; InquiryLettersService enforces the same with typed errors): matter in `talk_inquiry` with
 * disposal method `talk_inquiry`, not merged, user a `case_handler` and the assigned handler.
 */
export function mayRecordInquiry(user: Pick<User, 'id' | 'hasRole'>, clue: Pick<Clue, 'status' | 'disposalMethod' | 'assignedUserId' | 'mergedIntoId'>): boolean {
  return clue.mergedIntoId === null && clue.status === 'talk_inquiry' && clue.disposalMethod === 'talk_inquiry' && user.hasRole('case_handler') && clue.assignedUserId === user.id;
}
