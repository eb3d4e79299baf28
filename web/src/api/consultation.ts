// Consultation rounds and agreement figures: the REST contract of docs/api.md ("Consultation rounds").
// The answers alias the API's generated components (schema.gen.ts, `npm run api`); the request bodies
// alias what their routes declare (JsonBody).

import type { components } from './schema.gen';
import type { JsonBody } from './types.ts';

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

export type OpenRoundRequest = JsonBody<'/cases/{case_id}/consultations', 'post'>;

export type ReadRequest = JsonBody<'/cases/{case_id}/consultations/{round_id}/reads', 'post'>;

export type CloseRoundRequest = JsonBody<'/cases/{case_id}/consultations/{round_id}/close', 'post'>;

/** A figure with its sample size and 95% interval; `undefined` says why there is no value. */
export type AgreementEstimate = Schemas['AgreementEstimate'];

export type ConsensusFigure = Schemas['ConsensusFigure'];

export type ClinicAgreement = Schemas['ClinicAgreement'];

export type MyAgreement = Schemas['MyAgreement'];
