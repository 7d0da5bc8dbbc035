import type { LoopSpec } from './loop-builder.ts';

/**
 * The loop structure of the transaction sets Interlace parses into nested JSON: which segment starts
 * a loop, which segments belong to it, and which may repeat (and so are lists). From the X12 004010
 * implementation guides for 810 (invoice), 850 (purchase order), 856 (ship notice) and 997 (functional acknowledgement); sets not
 * listed here parse flat, with every segment a list.
 */

const set = (text: string) => new Set(text.split(/\s+/).filter(Boolean));

const N1: LoopSpec = {
  members: set('N1 N2 N3 N4 NX2 REF PER SI FOB TD1 TD5 TD3 TD4 PKG'),
  repeats: set('N2 N3 REF PER SI TD1 TD5 TD3 TD4 PKG'),
  loops: new Map(),
};

const PO1: LoopSpec = {
  members: set(
    'PO1 LIN SI CUR CN1 PO3 CTP PAM MEA PID PWK PO4 REF PER SAC IT8 CSH ITD DIS INC TAX FOB SDQ IT3 DTM TC2 TD1 TD5 TD3 TD4 PCT MAN MSG SPI TXI CTB QTY SCH',
  ),
  repeats: set(
    'LIN SI CN1 PO3 CTP PAM MEA PID PWK PO4 REF PER SAC ITD DIS TAX FOB SDQ IT3 DTM TD1 TD5 TD3 TD4 PCT MAN MSG SPI TXI CTB QTY SCH',
  ),
  loops: new Map([['N1', N1]]),
};

const CTT: LoopSpec = { members: set('CTT AMT'), repeats: set(''), loops: new Map() };

const ROOT_850: LoopSpec = {
  members: set(
    'ST BEG CUR REF PER TAX FOB CTP PAM CSH TC2 SAC ITD DIS INC DTM LDT LIN SI PID MEA PWK PKG TD1 TD5 TD3 TD4 MAN PCT CTB TXI N9 MSG SE',
  ),
  repeats: set('REF PER TAX FOB CTP PAM SAC ITD DIS DTM LIN SI PID MEA PWK PKG TD1 TD5 TD3 TD4 MAN PCT CTB TXI N9 MSG'),
  loops: new Map([
    ['N1', N1],
    ['PO1', PO1],
    ['CTT', CTT],
  ]),
};

/** HL loops nest by their parent id (HL02) naming an earlier HL01, not by position. */
const HL: LoopSpec = {
  hierarchy: { id: 1, parent: 2 },
  members: set('HL LIN SN1 SLN PRF PO4 PID MEA PWK PKG TD1 TD5 TD3 TD4 REF PER CLD MAN DTM FOB SAC N1 N2 N3 N4 PAL CUR ITD TSD'),
  repeats: set('SLN PID MEA PWK PKG TD1 TD5 TD3 TD4 REF PER CLD MAN DTM FOB SAC PAL ITD'),
  loops: new Map([['N1', N1]]),
};

const ROOT_856: LoopSpec = {
  members: set('ST BSN DTM CTT SE'),
  repeats: set('DTM'),
  loops: new Map([['HL', HL]]),
};

/** 810 detail: each IT1 line keeps its own quantities, product descriptions, charges and taxes. */
const IT1: LoopSpec = {
  members: set('IT1 CRC QTY CUR IT3 TXI CTP PAM MEA PID PWK PKG PO4 ITD REF YNQ PER IT8 SAC DTM CAD L7 SR'),
  repeats: set('QTY IT3 TXI CTP PAM MEA PID PWK PKG PO4 ITD REF YNQ PER SAC DTM CAD L7'),
  loops: new Map([['N1', N1]]),
};

const ISS: LoopSpec = { members: set('ISS PID'), repeats: set(''), loops: new Map() };

const ROOT_810: LoopSpec = {
  members: set('ST BIG NTE CUR REF YNQ PER ITD DTM FOB PID MEA PWK PKG L7 BAL INC PAM TDS TXI CAD AMT SAC CTT SE'),
  repeats: set('NTE REF YNQ PER ITD DTM PID MEA PWK PKG BAL PAM TXI AMT SAC'),
  loops: new Map([
    ['N1', N1],
    ['IT1', IT1],
    ['ISS', ISS],
  ]),
};

/** 997: each AK2 (one acknowledged transaction set) with its AK3 segment errors (each with its AK4s) and its AK5. */
const AK3: LoopSpec = { members: set('AK3 AK4'), repeats: set('AK4'), loops: new Map() };
const AK2: LoopSpec = { members: set('AK2 AK5'), repeats: set(''), loops: new Map([['AK3', AK3]]) };
const ROOT_997: LoopSpec = { members: set('ST AK1 AK9 SE'), repeats: set(''), loops: new Map([['AK2', AK2]]) };

export const TRANSACTION_LOOPS: ReadonlyMap<string, LoopSpec> = new Map([
  ['810', ROOT_810],
  ['850', ROOT_850],
  ['856', ROOT_856],
  ['997', ROOT_997],
]);
