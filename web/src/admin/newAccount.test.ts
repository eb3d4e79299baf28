import { describe, expect, it } from 'vitest';
import { accountRequest } from './NewAccountForm.tsx';

const fields = { username: ' Dr.New ', name: ' Dr. New ', email: '', phone: '+46 (70) 123-4567', birthdate: '1990-01-02',
  gender: 'female', title: ' Registrar ' };

describe('the new account request', () => {
  it('keeps only what the role uses and what was filled in', () => {
    expect(accountRequest('doctor', fields)).toEqual({
      username: 'dr.new', role: 'doctor', name: 'Dr. New', phone: '+46701234567', title: 'Registrar',
    });
    expect(accountRequest('patient', fields)).toEqual({
      username: 'dr.new', role: 'patient', name: 'Dr. New', phone: '+46701234567', birthdate: '1990-01-02', gender: 'female',
    });
  });
});
