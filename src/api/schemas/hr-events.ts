// HR's CloudEvents 1.0 as zod schemas: the envelope's attributes, and each event type's `data`.
// hr-cloudevents.ts parses deliveries with them (after reading the JSON strictly), and the
// OpenAPI document describes POST /hr/events with them.
import { z } from 'zod';
import { HR_EVENT_TYPES, type HrCloudEventType, type HrEventKind } from '../../../workflows/hr-events.ts';
import { calendarDate, employeeId, flag, storeId, text, timestamp } from './fields.ts';

// A URI-reference: printable, no spaces.
export const SOURCE = /^[\x21-\x7e]{1,500}$/;

const TYPES = Object.keys(HR_EVENT_TYPES) as [HrCloudEventType, ...HrCloudEventType[]];

/** The attributes phonefleet reads; `data` is checked by the schema of the event's type. */
export const cloudEventAttributes = z.object({
  specversion: z.literal('1.0', { error: 'must be "1.0"' }),
  id: text('must be a non-empty string (at most 200 characters)', { min: 1, max: 200 }),
  source: text('must be a URI-reference of 1-500 printable characters', { pattern: SOURCE, examples: ['/hr/core'] }),
  type: z.enum(TYPES, {
    error: (issue) => `${typeof issue.input === 'string' ? `"${issue.input.slice(0, 100)}" is not an HR event type: ` : ''}must be one of ${TYPES.join(', ')}`,
  }),
  time: timestamp('must be an RFC 3339 timestamp naming a real date and time').optional(),
  datacontenttype: text('must be application/json', { pattern: /^\s*application\/json\s*(;.*)?$/i, test: (v) => v.split(';')[0]!.trim() === 'application/json' }).optional(),
  subject: z.string().optional().meta({ description: 'when present, must equal data.employeeId' }),
  data: z.record(z.string(), z.unknown(), { error: 'must be a JSON object' }),
});

const position = () => text('must be an HR position code', { min: 1, max: 64, examples: ['cashier', 'store-manager'] });
const person = { employeeId: employeeId() };
const takeBack = z.object({ ...person, reason: text('must be a string of at most 500 characters', { max: 500 }).optional() });
const move = { urgent: flag().optional() };
const leave = z
  .object({
    ...person,
    kind: z.enum(['parental', 'sick', 'other'], { error: 'must be "parental", "sick" or "other"' }),
    from: calendarDate(),
    until: calendarDate().optional(),
  })
  .superRefine((l, ctx) => {
    if (l.until !== undefined && l.until < l.from) ctx.addIssue({ code: 'custom', input: l.until, path: ['until'], message: `must not be before data.from (${l.from})` });
  });

/** Each kind of HR event: what its `data` must hold. */
export const HR_EVENT_DATA = {
  hired: z.object({
    ...person,
    storeId: storeId(),
    position: position(),
    startDate: calendarDate(),
    displayName: text('must be a string of 1-200 characters', { min: 1, max: 200 }).optional(),
  }),
  'hire-rescinded': takeBack,
  'dismissal-revoked': takeBack,
  dismissed: z.object({ ...person, lastWorkingDay: calendarDate() }),
  'role-changed': z.object({ ...person, position: position(), ...move }),
  transferred: z.object({ ...person, storeId: storeId(), ...move }),
  'leave-started': leave,
  'leave-ended': leave,
} satisfies Record<HrEventKind, z.ZodType>;

/** What `data` holds whatever the type: checked also when the type is unknown. */
export const anyHrEventData = z.object(person);

/** The whole structured-mode event, one alternative per type (for the document). */
export const hrCloudEvent = z.union(
  TYPES.map((type) => cloudEventAttributes.extend({ type: z.literal(type), data: HR_EVENT_DATA[HR_EVENT_TYPES[type]] })) as unknown as [z.ZodObject, z.ZodObject, ...z.ZodObject[]],
);
