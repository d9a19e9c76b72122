import { z } from 'zod';
import type { InvokeChannel, RequestOf } from '../../preload/contract.js';

/**
 * A schema for every invoke channel's payload. Strict objects: unknown keys are refused.
 * Checked at compile time against the contract in both directions (below): a channel without a
 * schema, or a field added to the contract's request type and not to its schema (or the other
 * way round), fails `tsc`.
 */
const profileId = z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/);
const target = z.strictObject({ profileId: profileId.optional() });
const none = z.null();
const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/);
const shortText = (max: number) => z.string().max(max);

export const payloadSchemas = {
  'state:get': none,
  'token:refresh': target,
  'token:copy': target,
  'token:reveal': target,
  'signin:open': target,
  'signin:set-request-token': z.strictObject({ profileId: profileId.optional(), input: shortText(8192) }),
  'credentials:save': z.strictObject({
    profileId,
    apiKey: shortText(4096).optional(),
    apiSecret: shortText(4096).optional(),
    totpSecret: shortText(256).optional(),
  }),
  'settings:get': none,
  'settings:update': z.strictObject({
    refreshAtLogin: z.boolean().optional(),
    cutoffTime: hhmm.optional(),
    cutoffZone: shortText(64).optional(),
    timeoutSeconds: z.number().int().min(1).max(120).optional(),
    clipboardAutoClearSeconds: z.number().int().min(0).max(3600).optional(),
    copyShortcut: shortText(60).nullable().optional(),
    startAtLogin: z.boolean().optional(),
  }),
  'profiles:add': z.strictObject({
    name: shortText(40),
    mode: z.enum(['request-token', 'totp']),
    baseUrl: shortText(512).optional(),
    totpBaseUrl: shortText(512).optional(),
  }),
  'profiles:update': z.strictObject({
    profileId,
    name: shortText(40).optional(),
    mode: z.enum(['request-token', 'totp']).optional(),
    baseUrl: shortText(512).optional(),
    totpBaseUrl: shortText(512).optional(),
    exportFilePath: shortText(1024).nullable().optional(),
    exportHookCommand: shortText(2048).nullable().optional(),
    readyBy: hhmm.optional(),
    signInAtReadyBy: z.boolean().optional(),
    redirectOrigin: shortText(512).nullable().optional(),
  }),
  'profiles:remove': z.strictObject({ profileId }),
  'profiles:switch': z.strictObject({ profileId }),
  'history:get': target,
  'cli:status': none,
  'cli:open-download': none,
  'popover:hide': none,
  'app:quit': none,
} satisfies Record<InvokeChannel, z.ZodType>;

/** True only when A and B are the same type (not merely assignable one way). */
type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
/** `void` requests travel as null. */
type Wire<T> = [T] extends [void] ? null : T;
type Mismatched = {
  [C in InvokeChannel]: Equals<z.output<(typeof payloadSchemas)[C]>, Wire<RequestOf<C>>> extends true ? never : C;
}[InvokeChannel];
// Compile-time proof that every schema parses to exactly its channel's request type.
const schemasMatchContract: [Mismatched] extends [never] ? true : { mismatched: Mismatched } = true;
void schemasMatchContract;
