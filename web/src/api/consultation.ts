// Consultation rounds and agreement figures: the REST contract of docs/api.md ("Consultation rounds").

export type RoundStatus = 'open' | 'closed';
/** Why the reads are not shown: the caller must read first, or they show later (all in, or closed). */
export type ReadsHiddenReason = 'read_first' | 'reads_hidden';

export interface ConsultationRead {
  readerId: string;
  code: string;
  label: string;
  iga: number;
  pasi: number | null;
  treatment: string;
  confidence: number;
  comment: string | null;
  submittedAt: string;
}

export interface RoundAgreement {
  reads: number;
  pairs: number;
  /** Share of pairs of reads with the same code (null under two reads). */
  diagnosis: number | null;
  severity: number | null;
  /** Share of reads whose code is the consensus code (closed rounds). */
  withConsensus?: number;
}

export interface RoundConsensus {
  code: string;
  label: string;
  iga: number | null;
  plan: string;
  closedBy: string;
  closedAt: string;
  recordEntryId: string;
}

export interface ConsultationRound {
  roundId: string;
  caseId: string;
  leadId: string;
  question: string;
  photoIds: string[];
  scoreIds: string[];
  readerIds: string[];
  status: RoundStatus;
  openedAt: string;
  me: { lead: boolean; reader: boolean; submitted: boolean };
  myRead: ConsultationRead | null;
  readsVisible: boolean;
  hiddenReason: ReadsHiddenReason | null;
  /** Null while the caller is a reader who has not read (blinded: not even the count). */
  readsIn: number | null;
  readers: { doctorId: string; read: boolean }[] | null;
  reads: ConsultationRead[] | null;
  agreement: RoundAgreement | null;
  consensus: RoundConsensus | null;
}

export interface ConsultationRoundList {
  items: ConsultationRound[];
  nextCursor: string | null;
}

export interface OpenRoundRequest {
  question: string;
  photoIds: string[];
  scoreIds: string[];
  readerIds: string[];
}

export interface ReadRequest {
  code: string;
  label: string;
  iga: number;
  pasi?: number;
  treatment: string;
  confidence: number;
  comment?: string;
}

export interface CloseRoundRequest {
  code: string;
  label: string;
  iga?: number;
  plan: string;
}

/** A figure with its sample size and 95% interval; `undefined` says why there is no value. */
export interface AgreementEstimate {
  value: number | null;
  n: number;
  ciLow: number | null;
  ciHigh: number | null;
  ciMethod: 'analytic' | 'bootstrap' | 'wilson' | 'none';
  undefined?: 'too_few' | 'no_variation';
}

export interface ConsensusFigure {
  diagnosis: AgreementEstimate;
  severity: AgreementEstimate;
}

export interface ClinicAgreement {
  rounds: number;
  rawAgreement: { n: number; diagnosis: number | null; severity: number | null };
  cohenPairs: (AgreementEstimate & { doctorIds: [string, string] })[];
  fleissDiagnosis: AgreementEstimate & { readsPerRound: number | null };
  alphaSeverity: AgreementEstimate;
  withConsensus: (ConsensusFigure & { doctorId: string })[];
}

export interface MyAgreement {
  doctorId: string;
  overall: ConsensusFigure;
  months: (ConsensusFigure & { month: string })[];
}
