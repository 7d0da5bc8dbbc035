// A System's endpoint.x12 as the edi-x12 target reads it (runtime/adapters/x12-target-of.ts): the
// defaults, every field taken, and delimiters that cannot work refused at worker start.
import { describe, expect, it } from 'vitest';
import type { System } from '../../language/kinds/generated/kinds.ts';
import { x12SettingsOf } from '../../runtime/adapters/x12-target-of.ts';

const partner = (x12: Record<string, unknown>): System =>
  ({
    apiVersion: 'interlace.dev/v1alpha1',
    kind: 'System',
    metadata: { name: 'edi-partner' },
    spec: { type: 'edi-partner', hosting: 'cloud', endpoint: { protocol: 'edi-x12', directory: '/out', x12 } },
  }) as unknown as System;

describe('edi-x12 settings', () => {
  it('fills the defaults', () => {
    expect(x12SettingsOf(partner({ senderId: 'US', receiverId: 'THEM', version: '004010' }))).toEqual({
      envelope: {
        senderQualifier: 'ZZ',
        senderId: 'US',
        receiverQualifier: 'ZZ',
        receiverId: 'THEM',
        applicationSenderId: 'US',
        applicationReceiverId: 'THEM',
        version: '004010',
        interchangeVersion: '00401',
        usage: 'P',
        acknowledgementRequested: false,
        delimiters: { element: '*', component: '>', segment: '~', repetition: '^' },
      },
      lineBreaks: false,
      acknowledgementWithinMs: 86_400_000,
      sendAcknowledgements: true,
    });
  });

  it('takes every field', () => {
    const settings = x12SettingsOf(
      partner({
        senderId: 'US',
        receiverId: 'THEM',
        qualifier: '01',
        receiverQualifier: '12',
        applicationSenderId: 'USAPP',
        applicationReceiverId: 'THEMAPP',
        version: '005010',
        interchangeVersion: '00501',
        usage: 'T',
        delimiters: { element: '|', subElement: ':', segment: '\n', repetition: '{' },
        lineBreaks: true,
        acknowledgements: { within: '90m', send: false, requestInterchangeAcknowledgement: true },
      }),
    );
    expect(settings.envelope).toMatchObject({
      senderQualifier: '01',
      receiverQualifier: '12',
      applicationSenderId: 'USAPP',
      interchangeVersion: '00501',
      usage: 'T',
      acknowledgementRequested: true,
      delimiters: { element: '|', component: ':', segment: '\n', repetition: '{' },
    });
    expect([settings.lineBreaks, settings.acknowledgementWithinMs, settings.sendAcknowledgements]).toEqual([true, 5_400_000, false]);
    expect(
      x12SettingsOf(partner({ senderId: 'US', receiverId: 'THEM', version: '004010', acknowledgements: { expect: false } }))
        .acknowledgementWithinMs,
    ).toBeUndefined();
  });

  it('refuses delimiters that clash', () => {
    expect(() => x12SettingsOf(partner({ senderId: 'US', receiverId: 'THEM', version: '004010', delimiters: { element: '~' } }))).toThrow(
      /System edi-partner: endpoint.x12.delimiters: the delimiters must differ from each other/,
    );
  });
});
