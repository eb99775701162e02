/** How an SMS body is sent: its character set and how many segments it needs (sms-segments-calculator). */
import { SegmentedMessage } from 'sms-segments-calculator';

export type SmsEncoding = 'GSM-7' | 'UCS-2';

export interface SmsShape {
  /** GSM-7 (160 characters a segment, 153 when split) or UCS-2 (70, 67) once one character is outside GSM-7. */
  encoding: SmsEncoding;
  segments: number;
}

/** The GSM 03.38 basic set (one septet each; \r left out: "\r\n" is one grapheme, which the library sends as UCS-2). */
const GSM7_BASIC = new Set('@£$¥èéùìòÇ\nØøÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà');
/** The extension set: an escape and a code, two septets, never split over two segments. */
const GSM7_EXTENSION = new Set('\f^{}\\[~]|€');

/**
 * The body's encoding and segments. A body of GSM-7 characters only is counted here, as the
 * library counts it (septets; one segment up to 160, else segments of 153 filled in order, an
 * extension character never split): sms.test.ts compares both over every Latin-1 character
 * and random bodies. Anything else (any other character, \r) is the library's to answer: the
 * fast path spares the engine a grapheme split and an object per character on each SMS.
 */
export function smsShape(body: string): SmsShape {
  const septets: number[] = new Array(body.length);
  let total = 0;
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    const size = GSM7_BASIC.has(c) ? 1 : GSM7_EXTENSION.has(c) ? 2 : 0;
    if (!size) return smsShapeByLibrary(body);
    septets[i] = size;
    total += size;
  }
  if (total <= 160) return { encoding: 'GSM-7', segments: 1 };
  let segments = 1;
  let used = 0;
  for (const size of septets) {
    if (used + size > 153) {
      segments += 1;
      used = 0;
    }
    used += size;
  }
  return { encoding: 'GSM-7', segments };
}

/** The library's answer, for every body. */
export function smsShapeByLibrary(body: string): SmsShape {
  const message = new SegmentedMessage(body, 'auto');
  return { encoding: message.encodingName, segments: message.segmentsCount };
}
