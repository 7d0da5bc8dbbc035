/**
 * What generated mappings and validators call at run time. Generated code imports only from here, and
 * a bundle links these modules in, so a deployed connector needs no package at run time.
 */
export { MappingError } from './errors.ts';
export { toNumber } from './numbers.ts';
export type { NumberStyle } from './numbers.ts';
export { toDate } from './dates.ts';
export type { DateOutput, DateStyle } from './dates.ts';
export { lower, padStart, trim, trimLeadingZeros, upper } from './strings.ts';
export { replaceText, substring } from './text.ts';
export { parseDate } from './date-patterns.ts';
export { convertUnit } from './units.ts';
export { lookup, lookupOr } from './lookup.ts';
export { unwrap } from './envelope.ts';
export { nullToAbsent, omitEmpty } from './absent.ts';
export { mergePatch } from './merge-patch.ts';
export type { MergePatch } from './merge-patch.ts';
export { add, at, eq, isIn, noRuleApplies, size, toDouble, toInt, toText } from './cel.ts';
export { CelTimestamp, toTimestamp } from './timestamps.ts';
export type { PresentAs } from './timestamps.ts';
export { DATE_FORMATS, formatDate } from './format-date.ts';
export type { DateFormat } from './format-date.ts';
export { jsonEqual, ucs2length } from './ajv-runtime.ts';
export { linearRegExp } from './linear-regexp.ts';
export type { LinearRegExp } from './linear-regexp.ts';
export { interlaceFormats } from './formats.ts';
export { ApiError, callJson, fillPath, queryString } from './http-client.ts';
export type { FetchLike } from './http-client.ts';
export type { ValidationProblem, Validator } from './validator.ts';
