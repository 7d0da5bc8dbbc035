/**
 * What generated mappings and validators call at run time. Generated code imports only from here, and
 * a bundle links these modules in, so a deployed connector needs no package at run time.
 */
export { MappingError } from './errors.js';
export { toNumber } from './numbers.js';
export type { NumberStyle } from './numbers.js';
export { toDate } from './dates.js';
export type { DateOutput, DateStyle } from './dates.js';
export { lower, padStart, trim, trimLeadingZeros, upper } from './strings.js';
export { replaceText, substring } from './text.js';
export { parseDate } from './date-patterns.js';
export { convertUnit } from './units.js';
export { lookup, lookupOr } from './lookup.js';
export { unwrap } from './envelope.js';
export { nullToAbsent, omitEmpty } from './absent.js';
export { mergePatch } from './merge-patch.js';
export type { MergePatch } from './merge-patch.js';
export { add, at, eq, isIn, noRuleApplies, size, toDouble, toInt, toText } from './cel.js';
export { CelTimestamp, toTimestamp } from './timestamps.js';
export type { PresentAs } from './timestamps.js';
export { DATE_FORMATS, formatDate } from './format-date.js';
export type { DateFormat } from './format-date.js';
export { jsonEqual, ucs2length } from './ajv-runtime.js';
export { linearRegExp } from './linear-regexp.js';
export type { LinearRegExp } from './linear-regexp.js';
export { interlaceFormats } from './formats.js';
export { ApiError, callJson, fillPath, queryString } from './http-client.js';
export type { FetchLike } from './http-client.js';
export type { ValidationProblem, Validator } from './validator.js';
