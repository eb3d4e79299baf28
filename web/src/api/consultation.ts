// Consultation rounds and agreement figures: the REST contract of docs/api.md ("Consultation rounds").
// The answers alias the API's generated components (schema.gen.ts, `npm run api`); the request bodies
// are written by hand.

import type { components } from './schema.gen';

type Schemas = components['schemas'];

export type RoundStatus = Schemas['RoundStatus'];
/** Why the reads are not shown: the caller must read first, or they show later (all in, or closed). */
export type ReadsHiddenReason = Schemas['ReadsHiddenReason'];

export type ConsultationRead = Schemas['ConsultationRead'];

/** Shares of agreeing pairs of reads (null under two reads); `withConsensus` once the round is closed. */
export type RoundAgreement = Schemas['RoundAgreement'];

export type RoundConsensus = Schemas['RoundConsensus'];

/** A round as the caller may see it: `readsIn`, `readers`, `reads` and `agreement` are null while the
 * caller is a reader who has not read (blinded: not even the count). */
export type ConsultationRound = Schemas['ConsultationRound'];

export type ConsultationRoundList = Schemas['ConsultationRoundList'];

/** Answer of GET .../consultations/{roundId}/reads. */
export type ConsultationReads = Schemas['ConsultationReads'];

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
export type AgreementEstimate = Schemas['AgreementEstimate'];

export type ConsensusFigure = Schemas['ConsensusFigure'];

export type ClinicAgreement = Schemas['ClinicAgreement'];

export type MyAgreement = Schemas['MyAgreement'];
