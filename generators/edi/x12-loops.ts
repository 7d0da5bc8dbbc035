/**
 * The loop structure of the transaction sets Interlace parses into nested JSON: which segment starts
 * a loop, which segments belong to it, and which may repeat (and so are lists). From the X12 004010
 * implementation guides for 850 (purchase order) and 856 (ship notice); sets not listed here parse
 * flat, with every segment a list.
 */
export interface LoopSpec {
  /** Segment ids that belong to the loop (the starting segment included). */
  members: ReadonlySet<string>;
  /** Members that may occur more than once: always lists, even when they occur once. */
  repeats: ReadonlySet<string>;
  /** Loops that may start inside this one, by starting segment id. */
  loops: ReadonlyMap<string, LoopSpec>;
}

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

/** HL loops nest by their parent id (HL02), not by position; see parseX12. */
const HL: LoopSpec = {
  members: set('HL LIN SN1 SLN PRF PO4 PID MEA PWK PKG TD1 TD5 TD3 TD4 REF PER CLD MAN DTM FOB SAC N1 N2 N3 N4 PAL CUR ITD TSD'),
  repeats: set('SLN PID MEA PWK PKG TD1 TD5 TD3 TD4 REF PER CLD MAN DTM FOB SAC PAL ITD'),
  loops: new Map([['N1', N1]]),
};

const ROOT_856: LoopSpec = {
  members: set('ST BSN DTM CTT SE'),
  repeats: set('DTM'),
  loops: new Map([['HL', HL]]),
};

export const TRANSACTION_LOOPS: ReadonlyMap<string, LoopSpec> = new Map([
  ['850', ROOT_850],
  ['856', ROOT_856],
]);
