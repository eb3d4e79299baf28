"""ICD-10-CM code search for diagnoses: the whole code set, the dermatology chapter first."""
