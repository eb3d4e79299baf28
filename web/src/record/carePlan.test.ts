import { describe, expect, it } from 'vitest';
import type { RecordEntry, RecordKind } from '../api/types.ts';
import { carePlanParts, prescriptionEnds } from './CarePlan.tsx';
import { myDataFileName } from './MyDataDownload.tsx';

let next = 0;
const entry = (kind: RecordKind, content: Record<string, unknown>, status: RecordEntry['status'] = 'active'): RecordEntry => ({
  entryId: `e${(next += 1)}`, caseId: 'case_1', patientId: 'p', kind, status, version: 1, content,
  links: { visitIds: [], photoIds: [] }, createdAt: '2026-11-01T09:00:00Z', createdBy: 'd',
  updatedAt: '2026-11-01T09:00:00Z', updatedBy: 'd',
});

describe('the patient care plan', () => {
  it('shows current diagnoses, treatments, goals and the next follow-up, never notes or retracted entries', () => {
    const active = entry('diagnosis', { code: 'L40.0', text: 'Psoriasis', clinicalStatus: 'active' });
    const resolved = entry('diagnosis', { code: 'L20.9', text: 'Eczema', clinicalStatus: 'resolved' });
    const retracted = entry('diagnosis', { code: 'L70.0', text: 'Acne', clinicalStatus: 'active' }, 'entered-in-error');
    const drug = entry('prescription', { drug: 'Calcipotriol', dose: 'thin layer', route: 'topical', frequency: 'daily',
      duration: { value: 8, unit: 'week' } });
    const stopped = entry('prescription', { drug: 'Old cream', dose: 'x', route: 'topical', frequency: 'daily',
      duration: { value: 1, unit: 'week' }, status: 'stopped' });
    const plan = entry('plan', { title: 'Clear skin', description: 'd', goals: ['PASI under 5'] });
    const past = entry('followup', { description: 'd', dueDate: '2026-11-20', modality: 'video' });
    const later = entry('followup', { description: 'd', dueDate: '2027-01-10', modality: 'scores' });
    const soon = entry('followup', { description: 'd', dueDate: '2026-12-15', modality: 'photo-review' });
    const note = entry('note', { subjective: 'private' });
    const parts = carePlanParts([active, resolved, retracted, drug, stopped, plan, past, later, soon, note], '2026-12-03');
    expect(parts.diagnoses).toEqual([active]);
    expect(parts.prescriptions).toEqual([drug]);
    expect(parts.plans).toEqual([plan]);
    expect(parts.nextFollowUp).toEqual(soon);
  });

  it('computes when a prescription runs out', () => {
    const drug = entry('prescription', { duration: { value: 2, unit: 'week' } });
    expect(prescriptionEnds(drug)).toBe('2026-11-15T09:00:00.000Z');
    expect(prescriptionEnds(entry('prescription', {}))).toBeNull();
  });

  it('names the data file without the person', () => {
    expect(myDataFileName(new Date('2026-12-03T10:00:00Z'))).toBe('dermafollow-my-data-2026-12-03.fhir.json');
  });
});
