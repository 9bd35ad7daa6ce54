import { describe, expect, it } from 'vitest';
import { parseHrEvent, readCloudEvent } from '../../src/api/hr-cloudevents.ts';

const hire = {
  specversion: '1.0',
  id: 'evt-1',
  source: '/hr/core',
  type: 'com.retailco.hr.employee.hired',
  time: '2026-11-25T08:00:00Z',
  datacontenttype: 'application/json',
  data: { employeeId: 'E000123', storeId: 'S001', position: 'POS-CASH-01', startDate: '2026-12-01', displayName: 'Test Person' },
};

describe('HR CloudEvents', () => {
  it('turns a structured-mode hire into a hired event', () => {
    const read = readCloudEvent('application/cloudevents+json; charset=utf-8', {}, JSON.stringify(hire));
    expect(read.ok).toBe(true);
    const parsed = parseHrEvent((read as { event: Record<string, unknown> }).event);
    expect(parsed).toMatchObject({ ok: true, event: { kind: 'hired', eventId: 'evt-1', employeeId: 'E000123', hire: { storeId: 'S001', startDate: '2026-12-01' } } });
  });

  it('reads binary mode (ce-* headers, data as the body)', () => {
    const headers = { 'ce-specversion': '1.0', 'ce-id': 'evt-2', 'ce-source': '/hr/core', 'ce-type': 'com.retailco.hr.employee.hire-rescinded' };
    const read = readCloudEvent('application/json', headers, JSON.stringify({ employeeId: 'E000123', reason: 'candidate declined' }));
    const parsed = parseHrEvent((read as { event: Record<string, unknown> }).event);
    expect(parsed).toMatchObject({ ok: true, event: { kind: 'hire-rescinded', eventId: 'evt-2', reason: 'candidate declined' } });
  });

  it('names every bad field', () => {
    const bad = { ...hire, specversion: '0.3', type: 'com.retailco.hr.employee.promoted', data: undefined };
    const parsed = parseHrEvent(bad);
    expect(parsed.ok).toBe(false);
    const fields = (parsed as { problems: { field: string }[] }).problems.map((p) => p.field);
    expect(fields).toEqual(['specversion', 'type', 'data']);
  });

  it('rejects impossible dates and malformed ids inside data', () => {
    const parsed = parseHrEvent({ ...hire, data: { ...hire.data, startDate: '2026-02-30', employeeId: 'has space', storeId: '' } });
    const fields = (parsed as { problems: { field: string }[] }).problems.map((p) => p.field).sort();
    expect(fields).toEqual(['data.employeeId', 'data.startDate', 'data.storeId']);
  });

  it('rejects a time that is not RFC 3339', () => {
    const parsed = parseHrEvent({ ...hire, time: '25/11/2026' });
    expect(parsed).toMatchObject({ ok: false, problems: [{ field: 'time' }] });
  });

  it('refuses bodies that are not JSON and requests that are neither mode', () => {
    expect(readCloudEvent('application/cloudevents+json', {}, '{nope')).toMatchObject({ ok: false, problems: [{ field: 'body' }] });
    expect(readCloudEvent('text/plain', {}, '{}')).toMatchObject({ ok: false, problems: [{ field: 'content-type' }] });
  });
});
