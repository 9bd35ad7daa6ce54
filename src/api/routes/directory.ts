// The phone directory: who has (and had) which corporate number, SIM and phone, since when.
// Support and the stores look people up by any one of them; the CSV export is the whole
// directory for a spreadsheet. Employee ids only: names come from HR in the curator's view.
import { Router } from 'express';
import { z } from 'zod';
import { directory } from '../../inventory/index.ts';
import type { ApiContext } from '../context.ts';
import { employeeId, iccid, imei, text } from '../schemas/fields.ts';
import { defineRoute, mount } from '../schemas/route.ts';
import { badRequest } from '../http-errors.ts';

const SEARCH_FIELDS = ['employee', 'number', 'iccid', 'imei'] as const;

export const DIRECTORY_ROUTES = {
  find: defineRoute({
    method: 'get',
    path: '/directory',
    summary: 'Find who has (and had) a number, SIM or phone, or what a person has: current links and their history',
    auth: 'operator',
    query: z.object({
      employee: employeeId('must be an HR employee id (1-64 letters, digits, "-" or "_")').optional(),
      number: text('must be a phone number (7-15 digits, "+", spaces, "-" and brackets allowed)', {
        pattern: /^\+?[\d\s()-]{7,24}$/,
        test: (v) => /^\d{7,15}$/.test(directory.numberDigits(v)),
      }).optional(),
      iccid: iccid().optional(),
      imei: imei().optional(),
    }),
    responses: { 200: 'the links found (none: empty lists)', 400: 'not exactly one of employee, number, iccid, imei, or a malformed one' },
  }),
  export: defineRoute({
    method: 'get',
    path: '/directory.csv',
    summary: 'The directory as CSV (RFC 4180): current links, or every link with history=true',
    auth: 'operator',
    query: z.object({ history: z.enum(['true', 'false'], { error: 'must be true or false' }).default('false') }),
    responses: { 200: 'text/csv: employeeId, storeId, msisdn, iccid, imei, since, until' },
  }),
};

/** One CSV field (RFC 4180): quoted when it holds a comma, a quote or a line break; a leading =, +, - or @ is kept from spreadsheets' formulas. */
export function csvField(value: string | null): string {
  if (value === null) return '';
  const safe = /^[=+\-@\t\r]/.test(value) && !/^\+?\d+$/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function directoryRouter(ctx: ApiContext): Router {
  const router = Router();

  mount(router, DIRECTORY_ROUTES.find, async ({ query }, _req, res) => {
    const given = SEARCH_FIELDS.filter((field) => query[field] !== undefined);
    if (given.length !== 1) {
      const fields = given.length ? given : SEARCH_FIELDS;
      throw badRequest(fields.map((field) => ({ field: `query.${field}`, message: 'give exactly one of employee, number, iccid, imei' })));
    }
    const [field] = given as [(typeof SEARCH_FIELDS)[number]];
    const found = await directory.findInDirectory(ctx.db, { [field]: query[field]! } as directory.DirectoryQuery);
    res.json({ query: { [field]: query[field] }, ...found });
  });

  mount(router, DIRECTORY_ROUTES.export, async ({ query }, _req, res) => {
    const rows = await directory.directoryExport(ctx.db, { history: query.history === 'true' });
    const lines = [
      'employeeId,storeId,msisdn,iccid,imei,since,until',
      ...rows.map((r) => [r.employeeId, r.storeId, r.msisdn, r.iccid, r.imei, r.since.toISOString(), r.until?.toISOString() ?? null].map(csvField).join(',')),
    ];
    res
      .type('text/csv; charset=utf-8')
      .set('content-disposition', 'attachment; filename="directory.csv"')
      .send(`${lines.join('\r\n')}\r\n`);
  });

  return router;
}
