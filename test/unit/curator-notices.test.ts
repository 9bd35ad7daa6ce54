import { describe, expect, it } from 'vitest';
import { withoutName } from '../../src/domain/curator-notices.ts';

describe("a curator's notice as stored", () => {
  const base = { idempotencyKey: 'k', storeId: 'S001', kind: 'phone-ready' };

  it('takes the name out of the text onboardings started on the old code still send, and names the employee', () => {
    const stored = withoutName({ ...base, message: 'Phone 359000170000005 for Anna (Ann) Example (E000123, starts 2026-12-01) is ready. Hand it over and confirm in phonefleet.' });
    expect(stored).toEqual({
      ...base,
      employeeId: 'E000123',
      message: 'Phone 359000170000005 for new employee E000123 (starts 2026-12-01) is ready. Hand it over and confirm in phonefleet.',
    });
  });

  it("keeps today's nameless texts, finding whom they are about", () => {
    const message = 'No device or SIM in stock for new employee E000124 (starts 2026-12-01). Register the delivery in phonefleet and the phone will be prepared at once.';
    expect(withoutName({ ...base, kind: 'out-of-stock', message })).toEqual({ ...base, kind: 'out-of-stock', message, employeeId: 'E000124' });
    expect(withoutName({ ...base, message: 'Something else', employeeId: 'E1' }).employeeId).toBe('E1');
  });
});
