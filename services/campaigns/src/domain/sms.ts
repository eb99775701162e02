/** How an SMS body is sent: its character set and how many segments it needs (sms-segments-calculator). */
import { SegmentedMessage } from 'sms-segments-calculator';

export type SmsEncoding = 'GSM-7' | 'UCS-2';

export interface SmsShape {
  /** GSM-7 (160 characters a segment, 153 when split) or UCS-2 (70, 67) once one character is outside GSM-7. */
  encoding: SmsEncoding;
  segments: number;
}

export function smsShape(body: string): SmsShape {
  const message = new SegmentedMessage(body, 'auto');
  return { encoding: message.encodingName, segments: message.segmentsCount };
}
