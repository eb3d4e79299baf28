import { describe, expect, it } from 'vitest';
import type { Role } from '../api/types.ts';
import { canRoleOpen, casePath, homePathForRole, landingPathAfterLogin } from './roles.ts';

describe('homePathForRole', () => {
  it.each<[Role, string]>([
    ['patient', '/patient'],
    ['doctor', '/doctor'],
    ['admin', '/admin'],
  ])('sends a %s to %s', (role, path) => {
    expect(homePathForRole(role)).toBe(path);
  });
});

describe('canRoleOpen', () => {
  it('lets each role open only its own home', () => {
    expect(canRoleOpen('patient', '/patient')).toBe(true);
    expect(canRoleOpen('patient', '/doctor')).toBe(false);
    expect(canRoleOpen('patient', '/admin')).toBe(false);
    expect(canRoleOpen('doctor', '/doctor')).toBe(true);
    expect(canRoleOpen('doctor', '/patient')).toBe(false);
    expect(canRoleOpen('admin', '/admin')).toBe(true);
    expect(canRoleOpen('admin', '/doctor')).toBe(false);
  });

  it('lets patients and doctors open case pages, never admins (no clinical content)', () => {
    expect(canRoleOpen('patient', '/cases/c-1')).toBe(true);
    expect(canRoleOpen('doctor', '/cases/c-1')).toBe(true);
    expect(canRoleOpen('admin', '/cases/c-1')).toBe(false);
  });

  it('ignores a trailing slash and refuses unknown or nested paths', () => {
    expect(canRoleOpen('doctor', '/doctor/')).toBe(true);
    expect(canRoleOpen('doctor', '/cases/c-1/extra')).toBe(false);
    expect(canRoleOpen('doctor', '/cases/')).toBe(false);
    expect(canRoleOpen('doctor', '/elsewhere')).toBe(false);
  });
});

describe('casePath', () => {
  it('encodes the case id', () => {
    expect(casePath('c-1')).toBe('/cases/c-1');
    expect(casePath('a/b c')).toBe('/cases/a%2Fb%20c');
    expect(canRoleOpen('patient', casePath('a/b c'))).toBe(true);
  });
});

describe('landingPathAfterLogin', () => {
  it('goes to the role home when nothing was requested', () => {
    expect(landingPathAfterLogin('patient', null)).toBe('/patient');
    expect(landingPathAfterLogin('doctor', undefined)).toBe('/doctor');
    expect(landingPathAfterLogin('admin', '')).toBe('/admin');
  });

  it('returns to the requested page when the role may open it', () => {
    expect(landingPathAfterLogin('doctor', '/cases/c-7')).toBe('/cases/c-7');
    expect(landingPathAfterLogin('patient', '/cases/c-7/')).toBe('/cases/c-7');
  });

  it("falls back to the role home for pages the role may not open", () => {
    expect(landingPathAfterLogin('admin', '/cases/c-7')).toBe('/admin');
    expect(landingPathAfterLogin('patient', '/doctor')).toBe('/patient');
    expect(landingPathAfterLogin('doctor', '/login')).toBe('/doctor');
  });

  it('never follows a link to another site', () => {
    expect(landingPathAfterLogin('doctor', '//example.org/cases/c-1')).toBe('/doctor');
    expect(landingPathAfterLogin('doctor', 'https://example.org/cases/c-1')).toBe('/doctor');
  });
});

describe('video visit pages', () => {
  it('lets the patient ask from a case, doctors work the waiting room, both join calls', () => {
    expect(canRoleOpen('patient', '/cases/c-1/visit')).toBe(true);
    expect(canRoleOpen('doctor', '/cases/c-1/visit')).toBe(false);
    expect(canRoleOpen('doctor', '/doctor/visits')).toBe(true);
    expect(canRoleOpen('patient', '/doctor/visits')).toBe(false);
    expect(canRoleOpen('patient', '/visits/Yc2dEw3oQ8eN2x1o4b0mVg')).toBe(true);
    expect(canRoleOpen('doctor', '/visits/Yc2dEw3oQ8eN2x1o4b0mVg')).toBe(true);
    expect(canRoleOpen('admin', '/visits/Yc2dEw3oQ8eN2x1o4b0mVg')).toBe(false);
    expect(canRoleOpen('admin', '/doctor/visits')).toBe(false);
  });
});
