import type { LoopSpec } from './loop-builder.ts';

/**
 * Segment groups of the EANCOM (UN/EDIFACT D.96A) messages Interlace nests: ORDERS, DESADV and INVOIC.
 * A group is named by its trigger segment (`NADGroup`, `LINGroup`), not by its SG number, because the
 * numbers differ between directory versions while the triggers do not; the comments give the D.96A
 * numbers. Other message types parse flat, every segment a list.
 */

const set = (text: string) => new Set(text.split(/\s+/).filter(Boolean));

/** A group: its members (trigger first), the members that repeat, and the groups inside it. */
const group = (members: string, repeats = '', loops: [string, LoopSpec][] = []): LoopSpec => ({
  members: set(members),
  repeats: set(repeats),
  loops: new Map(loops),
});

const RFF = group('RFF DTM', 'DTM');
const CTA = group('CTA COM', 'COM');
const NAD_HEAD = group('NAD LOC FII', 'LOC FII', [
  ['RFF', RFF],
  ['DOC', group('DOC DTM', 'DTM')],
  ['CTA', CTA],
]);
const NAD_LINE = group('NAD LOC', 'LOC', [
  ['RFF', RFF],
  ['DOC', group('DOC DTM', 'DTM')],
  ['CTA', CTA],
]);
const TAX = group('TAX MOA LOC', 'MOA LOC');
const ALC = group('ALC ALI DTM', 'ALI DTM', [
  ['QTY', group('QTY RNG')],
  ['PCD', group('PCD RNG')],
  ['MOA', group('MOA RNG', 'MOA')],
  ['RTE', group('RTE RNG')],
  ['TAX', group('TAX MOA', 'MOA')],
]);
const PRI = group('PRI CUX APR RNG DTM', 'APR DTM');
const TDT = group('TDT STS LOC DTM', 'STS LOC DTM', [['LOC', group('LOC DTM', 'DTM')]]);
const TOD = group('TOD LOC', 'LOC');
const PAT = group('PAT DTM PCD MOA', 'DTM');

/** ORDERS: SG1 RFF, SG2 NAD (SG3 RFF, SG4 DOC, SG5 CTA), SG6 TAX, SG7 CUX, SG8 PAT, SG9 TDT, SG11 TOD, SG12 PAC, SG19 ALC, SG25 LIN (SG28 PRI, SG29 RFF, SG30 PAC, SG32 LOC, SG33 TAX, SG34 NAD, SG38 ALC, SG44 TDT, SG45 TOD, SG47 SCC). */
const ORDERS: LoopSpec = group('UNH BGM DTM PAI ALI IMD FTX UNS MOA CNT UNT', 'DTM ALI IMD FTX MOA CNT', [
  ['RFF', RFF],
  ['NAD', NAD_HEAD],
  ['TAX', TAX],
  ['CUX', group('CUX PCD DTM', 'PCD DTM')],
  ['PAT', PAT],
  ['TDT', TDT],
  ['TOD', TOD],
  ['PAC', group('PAC MEA PCI', 'MEA PCI')],
  ['ALC', ALC],
  [
    'LIN',
    group('LIN PIA IMD MEA QTY PCD ALI DTM MOA GIN QVR DOC PAI FTX', 'PIA IMD MEA QTY PCD ALI DTM MOA GIN QVR DOC FTX', [
      ['PRI', PRI],
      ['RFF', RFF],
      ['PAC', group('PAC MEA QTY DTM RFF PCI', 'MEA QTY DTM RFF PCI')],
      ['LOC', group('LOC QTY DTM', 'QTY DTM')],
      ['TAX', TAX],
      ['NAD', NAD_LINE],
      ['ALC', ALC],
      ['TDT', TDT],
      ['TOD', TOD],
      ['SCC', group('SCC FTX RFF', 'FTX RFF', [['QTY', group('QTY DTM', 'DTM')]])],
    ]),
  ],
]);

/** DESADV: SG1 RFF, SG2 NAD (SG3 RFF, SG4 CTA), SG5 TOD, SG6 TDT (SG7 LOC), SG8 EQD, SG10 CPS nested by CPS02 parent (SG11 PAC (SG13 PCI (SG15 GIN)), SG17 LIN (SG18 RFF, SG20 PCI (SG22 GIN), SG23 LOC, SG24? QVR)). */
const CPS: LoopSpec = {
  ...group('CPS FTX', 'FTX', [
    ['PAC', group('PAC MEA QTY HAN', 'MEA QTY HAN', [['PCI', group('PCI RFF DTM GIR', 'DTM GIR', [['GIN', group('GIN DLM', 'DLM')]])]])],
    [
      'LIN',
      group('LIN PIA IMD MEA QTY ALI GIN GIR DLM DTM FTX MOA', 'PIA IMD MEA QTY ALI GIN GIR DLM DTM FTX MOA', [
        ['RFF', RFF],
        ['PCI', group('PCI DTM MEA QTY', 'DTM MEA QTY', [['GIN', group('GIN DLM', 'DLM')]])],
        ['LOC', group('LOC QTY', 'QTY')],
        ['QVR', group('QVR DTM', 'DTM')],
      ]),
    ],
  ]),
  hierarchy: { id: 1, parent: 2 },
};
const DESADV: LoopSpec = group('UNH BGM DTM ALI MEA MOA FTX CNT UNT', 'DTM ALI MEA MOA FTX CNT', [
  ['RFF', RFF],
  ['NAD', NAD_HEAD],
  ['TOD', group('TOD LOC FTX', 'LOC')],
  ['TDT', TDT],
  ['EQD', group('EQD MEA SEL EQA HAN', 'MEA SEL EQA HAN')],
  ['CPS', CPS],
]);

/** INVOIC: SG1 RFF, SG2 NAD, SG6 TAX, SG7 CUX, SG8 PAT, SG10 TDT, SG12 TOD, SG13 PAC, SG15 ALC, SG25 LIN (SG26 MOA, SG28 PRI, SG29 RFF, SG30 PAC, SG32 LOC, SG33 TAX, SG34 NAD, SG38 ALC), UNS, summary SG48 MOA, SG50 TAX, SG51 ALC. */
const INVOIC: LoopSpec = group('UNH BGM DTM PAI FTX UNS CNT UNT', 'DTM FTX CNT', [
  ['RFF', RFF],
  ['NAD', NAD_HEAD],
  ['TAX', TAX],
  ['CUX', group('CUX DTM', 'DTM')],
  ['PAT', PAT],
  ['TDT', TDT],
  ['TOD', TOD],
  ['PAC', group('PAC MEA', 'MEA')],
  ['ALC', ALC],
  [
    'LIN',
    group('LIN PIA IMD MEA QTY PCD ALI DTM GIN GIR QVR EQD FTX', 'PIA IMD MEA QTY PCD ALI DTM GIN GIR QVR EQD FTX', [
      ['MOA', group('MOA CUX', '')],
      ['PAT', PAT],
      ['PRI', PRI],
      ['RFF', RFF],
      ['PAC', group('PAC MEA', 'MEA')],
      ['LOC', group('LOC QTY DTM', 'QTY DTM')],
      ['TAX', TAX],
      ['NAD', NAD_LINE],
      ['ALC', ALC],
      ['TDT', TDT],
      ['TOD', TOD],
    ]),
  ],
  ['MOA', group('MOA', '', [['RFF', RFF]])],
]);

export const MESSAGE_GROUPS: ReadonlyMap<string, LoopSpec> = new Map([
  ['ORDERS', ORDERS],
  ['DESADV', DESADV],
  ['INVOIC', INVOIC],
]);
