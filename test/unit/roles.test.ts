import { describe, it, expect } from 'vitest';
import { APPS, KNOWN_POSITIONS, POSITION_TITLES, ROLES, appByPackage, roleByCode, roleForPosition } from '../../src/domain/roles.ts';

describe('roles', () => {
  it('has 12 roles with unique codes and profile ids', () => {
    expect(ROLES).toHaveLength(12);
    expect(new Set(ROLES.map((r) => r.code)).size).toBe(12);
    expect(new Set(ROLES.map((r) => r.profileId)).size).toBe(12);
    expect(roleByCode('COMMERCIAL_HEAD')?.profileId).toBe('profile-commercial-head');
  });

  it('maps every known position to exactly one role', () => {
    expect(new Set(KNOWN_POSITIONS).size).toBe(KNOWN_POSITIONS.length);
    for (const position of KNOWN_POSITIONS) {
      const owners = ROLES.filter((r) => r.positions.includes(position));
      expect(owners, position).toHaveLength(1);
      expect(roleForPosition(position)).toBe(owners[0]);
      expect(POSITION_TITLES[position], position).toBeTruthy();
    }
    expect(Object.keys(POSITION_TITLES).sort()).toEqual([...KNOWN_POSITIONS].sort());
  });

  it('does not invent a role for an unknown position', () => {
    expect(roleForPosition('POS-UNKNOWN-99')).toBeUndefined();
    expect(roleForPosition('POS-CASH-01')?.code).toBe('CASHIER');
  });

  it('only references apps from the catalogue, without duplicates', () => {
    for (const role of ROLES) {
      expect(new Set(role.apps).size, role.code).toBe(role.apps.length);
      for (const pkg of role.apps) expect(appByPackage(pkg), `${role.code}: ${pkg}`).toBeDefined();
    }
  });

  it('blocks automatic OS updates and custom launchers for every role', () => {
    for (const role of ROLES) {
      expect(role.policies.osUpdates).toBe('blocked');
      expect(role.policies.customLaunchersAllowed).toBe(false);
      expect(role.policies.personalSimAllowed).toBe(true);
    }
  });
});

describe('app catalogue', () => {
  it('holds about two dozen corporate apps plus a messenger and a social network', () => {
    const corporate = APPS.filter((a) => a.packageName.startsWith('com.retailco.'));
    expect(corporate).toHaveLength(24);
    expect(APPS.some((a) => /messenger/i.test(a.name))).toBe(true);
    expect(APPS.some((a) => /social/i.test(a.name))).toBe(true);
  });

  it('pins a 64-hex signing certificate digest per app and has unique packages', () => {
    expect(new Set(APPS.map((a) => a.packageName)).size).toBe(APPS.length);
    for (const app of APPS) expect(app.signingCertSha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('leaves some apps to be announced rather than auto-installed', () => {
    expect(APPS.some((a) => !a.autoInstall)).toBe(true);
    expect(APPS.filter((a) => a.autoInstall).length).toBeGreaterThan(APPS.length / 2);
  });

  it('uses every app in at least one role', () => {
    const used = new Set(ROLES.flatMap((r) => r.apps));
    expect(APPS.filter((a) => !used.has(a.packageName)).map((a) => a.packageName)).toEqual([]);
  });
});
