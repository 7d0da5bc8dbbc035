/**
 * GS01 functional identifier code of the X12 transaction sets Interlace writes (X12 479): the
 * functional group an ST01 goes in. An `edi-x12` route target's `operation` names one of these sets;
 * the envelope writer (generators/edi/x12-envelope.ts) takes GS01 from here.
 */
export const X12_FUNCTIONAL_IDS: ReadonlyMap<string, string> = new Map([
  ['810', 'IN'],
  ['820', 'RA'],
  ['824', 'AG'],
  ['830', 'PS'],
  ['846', 'IB'],
  ['850', 'PO'],
  ['855', 'PR'],
  ['856', 'SH'],
  ['860', 'PC'],
  ['865', 'CA'],
  ['940', 'OW'],
  ['943', 'AR'],
  ['944', 'RE'],
  ['945', 'SW'],
  ['997', 'FA'],
]);
